"""Tower of Hanoi rules: replay a move list, and the optimal solution.

A move is `(disk, source, target)`; `disk` is None when the text named no disk. A move that
names a disk is legal only if that disk is the one on top of its source peg.
"""

from __future__ import annotations

from dataclasses import dataclass

Move = tuple[int | None, str, str]


@dataclass(frozen=True)
class Outcome:
    """What replaying a move list did.

    Attributes:
        moves: how many moves the list holds.
        error: the first broken rule, e.g. "move 5 (C->A) puts disk 3 on disk 1"; None when
            every move was legal and the tower ends on the target peg.
        legal: every move obeyed the rules (the final state may still be wrong).
    """

    moves: int
    error: str | None
    legal: bool

    @property
    def solved(self) -> bool:
        return self.error is None


def simulate(moves: list[Move], disks: int, source: str, spare: str, target: str) -> Outcome:
    """Replay `moves` from all `disks` on `source`; stop at the first illegal move.

    Args:
        moves: the move list, in order.
        disks: how many disks start on `source` (1 is the smallest).
        source: the peg holding the tower at the start.
        spare: the third peg.
        target: the peg the whole tower must end on.

    Returns:
        The outcome, naming the first illegal move or the wrong final state.
    """
    stacks: dict[str, list[int]] = {source: list(range(disks, 0, -1)), spare: [], target: []}
    get = stacks.get
    for number, (disk, a, b) in enumerate(moves, 1):
        from_stack, to_stack = get(a), get(b)
        if from_stack is None or to_stack is None or a == b or not from_stack:
            return Outcome(len(moves), _bad_pegs(number, a, b, from_stack, stacks), False)
        top = from_stack[-1]
        if disk is not None and disk != top:
            error = f"move {number} ({a}->{b}) names disk {disk}, but the top disk on {a} is {top}"
            return Outcome(len(moves), error, False)
        if to_stack and to_stack[-1] < top:
            error = f"move {number} ({a}->{b}) puts disk {top} on disk {to_stack[-1]}"
            return Outcome(len(moves), error, False)
        to_stack.append(from_stack.pop())
    if len(stacks[target]) == disks:
        return Outcome(len(moves), None, True)
    state = "; ".join(f"{peg} holds {_show(stacks[peg])}" for peg in sorted(stacks))
    count = f"{len(moves)} move" + ("" if len(moves) == 1 else "s")
    error = f"after {count} the tower is not on {target}: {state} (bottom to top)"
    return Outcome(len(moves), error, True)


def _bad_pegs(
    number: int, a: str, b: str, from_stack: list[int] | None, stacks: dict[str, list[int]]
) -> str:
    move = f"move {number} ({a}->{b})"
    for peg in (a, b):
        if peg not in stacks:
            return f"{move} uses peg {peg}, but the pegs are {', '.join(sorted(stacks))}"
    if a == b:
        return f"{move} moves a disk onto the peg it came from"
    return f"{move} takes a disk from peg {a}, which is empty"


def _show(stack: list[int]) -> str:
    """A peg's disks bottom to top, shortened when long."""
    if not stack:
        return "nothing"
    shown = [str(d) for d in stack]
    if len(shown) > 8:
        shown = shown[:3] + ["..."] + shown[-3:]
    return "[" + ", ".join(shown) + "]"


def optimal_moves(disks: int, source: str, spare: str, target: str) -> list[Move]:
    """The unique shortest solution: 2**disks - 1 moves, each naming its disk.

    Built by doubling, with one shared tuple per distinct move, so 20 disks (a million
    moves) take a fraction of a second and little memory.

    Args:
        disks: tower size, at least 1.
        source: the peg holding the tower.
        spare: the third peg.
        target: where the tower must go.

    Returns:
        The moves in order.
    """
    pegs = (source, spare, target)
    pairs = [(a, b) for a in range(3) for b in range(3) if a != b]
    every = [(d, a, b) for d in range(1, disks + 1) for a, b in pairs]
    # Moves as (disk, from-index, to-index) for the tower 0 -> 2 via 1; each level relabels
    # the previous solution twice: k-1 disks 0 -> 1 via 2, the big move, 1 -> 2 via 0.
    to_spare = {m: (m[0], (0, 2, 1)[m[1]], (0, 2, 1)[m[2]]) for m in every}
    from_spare = {m: (m[0], (1, 0, 2)[m[1]], (1, 0, 2)[m[2]]) for m in every}
    solution: list[tuple[int, int, int]] = []
    for k in range(1, disks + 1):
        solution = [to_spare[m] for m in solution] + [(k, 0, 2)] + [from_spare[m] for m in solution]
    named: dict[tuple[int, int, int], Move] = {m: (m[0], pegs[m[1]], pegs[m[2]]) for m in every}
    return [named[m] for m in solution]
