"""The Tower of Hanoi task: generated puzzles, a move-list parser, a simulator as checker.

Any legal move sequence that ends with the whole tower on the target peg is correct; whether
it is the optimal 2**N - 1 moves is reported by `details`, not scored.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from itertools import permutations
from typing import Any, ClassVar

from reasoner.errors import BadTaskSpec
from reasoner.task import Task
from reasoner.types import AnswerConstraint, Example, PalExemplar, Problem, Verdict
from reasoner_tasks.hanoi import prompts
from reasoner_tasks.hanoi.parser import format_moves, parse_moves
from reasoner_tasks.hanoi.simulator import Move, Outcome, optimal_moves, simulate

#: Largest tower: 20 disks is a million moves, which parse and simulate in about a second.
MAX_DISKS = 20
_CANONICAL_PEGS = ("A", "B", "C")  # source, spare, target


def parse_sizes(disks: int | str | list[int]) -> list[int]:
    """Tower sizes from a spec value: 5, "5", "1-10", "3+5+7", [3, 5, 7], or "3,5,7" from Python.

    Args:
        disks: the `disks` parameter.

    Returns:
        The sizes, in the order given, without repeats.

    Raises:
        BadTaskSpec: a part is not a size or range, or a size is outside 1..MAX_DISKS.
    """
    if isinstance(disks, int) and not isinstance(disks, bool):
        parts = [str(disks)]
    elif isinstance(disks, list):
        parts = [str(d) for d in disks]
    else:
        parts = [p for p in re.split(r"[+,\s]+", str(disks).strip().strip("[]()")) if p]
    sizes: list[int] = []
    for part in parts:
        match = re.fullmatch(r"([0-9]{1,3})(?:-([0-9]{1,3}))?", part.strip())
        if not match:
            raise BadTaskSpec(_bad_disks(disks, f"'{part}' is not a size or a range"))
        low, high = int(match[1]), int(match[2] or match[1])
        if not 1 <= low <= high <= MAX_DISKS:
            raise BadTaskSpec(_bad_disks(disks, f"'{part}' is outside 1-{MAX_DISKS}"))
        sizes.extend(n for n in range(low, high + 1) if n not in sizes)
    if not sizes:
        raise BadTaskSpec(_bad_disks(disks, "no size given"))
    return sizes


def _bad_disks(disks: object, why: str) -> str:
    return (
        f"hanoi: bad disks={disks!r}: {why}; write one size (5), a range (1-10) "
        f"or sizes joined by + (3+5+7), each from 1 to {MAX_DISKS}"
    )


def make_problem(
    disks: int, source: str, spare: str, target: str, index: int = 0, handed: bool = True
) -> Problem:
    """A Hanoi problem with the given pegs.

    Args:
        disks: tower size.
        source: the peg holding the tower.
        spare: the third peg.
        target: where the tower must go.
        index: which repeat of this size it is (part of the id).
        handed: PAL programs receive N, SOURCE, SPARE, TARGET as variables; when false they
            receive nothing and must read them from the question.

    Returns:
        The problem.
    """
    inputs = {"N": disks, "SOURCE": source, "SPARE": spare, "TARGET": target} if handed else {}
    return Problem(
        id=f"hanoi-{disks:02d}-{index}",
        task="hanoi",
        prompt=prompts.problem_prompt(disks, source, spare, target),
        payload={"disks": disks, "source": source, "spare": spare, "target": target},
        program_inputs=inputs,
        difficulty={"disks": disks},
    )


def partial_credit(outcome: Outcome, optimal: int) -> float:
    """reasoning-gym's Tower of Hanoi reward (`TowerOfHanoiDataset.score_answer`): a solved
    tower scores optimal / moves (1.0 when optimal), legal moves that leave the tower
    unfinished 0.05, an illegal move 0.0.

    Unlike reasoning-gym, which gives 0.0 to any line not in its exact move format, this
    scores the moves our parser reads (stray text between moves is ignored).

    Args:
        outcome: the simulated move list.
        optimal: 2**N - 1.

    Returns:
        The reward in [0, 1].
    """
    if not outcome.legal:
        return 0.0
    if not outcome.solved:
        return 0.05
    return min(1.0, optimal / outcome.moves)


def _count(k: int, noun: str) -> str:
    return f"{k} {noun}" + ("" if k == 1 else "s")


class HanoiTask(Task):
    """Tower of Hanoi puzzles; see `hanoi` for the parameters."""

    name: ClassVar[str] = "hanoi"
    answer_instruction: ClassVar[str] = prompts.ANSWER_INSTRUCTION

    def __init__(
        self, sizes: list[int], per_size: int, seed: int, vary_pegs: bool, handed: bool = True
    ) -> None:
        super().__init__()
        self.sizes = sizes
        self.per_size = per_size
        self.seed = seed
        self.vary_pegs = vary_pegs
        #: PAL programs get N, SOURCE, SPARE, TARGET (`inputs=all`) or nothing (`inputs=none`).
        self.handed = handed

    def _pegs(self, disks: int) -> list[tuple[str, str, str]]:
        """(source, spare, target) of each repeat: A->C first, then others if varied."""
        if not self.vary_pegs:
            return [_CANONICAL_PEGS] * self.per_size
        others = [(a, b, c) for a, b, c in permutations(_CANONICAL_PEGS)]
        others.remove(_CANONICAL_PEGS)
        rng = random.Random(f"hanoi:{self.seed}:{disks}")
        rng.shuffle(others)
        picked = [_CANONICAL_PEGS]
        while len(picked) < self.per_size:
            picked.extend(others)
        return picked[: self.per_size]

    def examples(self) -> Iterator[Example]:
        for disks in self.sizes:
            for index, (source, spare, target) in enumerate(self._pegs(disks)):
                problem = make_problem(disks, source, spare, target, index, self.handed)
                yield Example(problem=problem, gold=optimal_moves(disks, source, spare, target))

    def parse(self, text: str) -> list[Move] | None:
        return parse_moves(text)

    def format(self, value: Any) -> str:
        return format_moves(value)

    def _simulate(self, problem: Problem, value: list[Move]) -> Outcome:
        p = problem.payload
        return simulate(value, p["disks"], p["source"], p["spare"], p["target"])

    def check(self, problem: Problem, value: Any) -> Verdict:
        """Replay the moves; the evidence names the first illegal move or the wrong end state."""
        if not value:
            return Verdict(
                checker="hanoi",
                status="failed",
                evidence=f"no moves found; list them {prompts.ANSWER_FORMAT}",
            )
        outcome = self._simulate(problem, value)
        if outcome.error is not None:
            return Verdict(checker="hanoi", status="failed", evidence=outcome.error)
        optimal = 2 ** problem.payload["disks"] - 1
        evidence = (
            f"{_count(outcome.moves, 'legal move')} put the tower on "
            f"{problem.payload['target']} (the shortest solution has {_count(optimal, 'move')})"
        )
        return Verdict(checker="hanoi", status="passed", evidence=evidence)

    def score(self, example: Example, value: Any) -> bool:
        """Any legal solution is correct, optimal or not (the gold is one of them)."""
        return bool(value) and self._simulate(example.problem, value).solved

    def program_limits(self, problem: Problem) -> dict[str, Any]:
        # A full move list is long by nature: ~26 bytes a move in the requested format.
        return {"max_output_bytes": 32 * 2 ** problem.payload["disks"] + 65536}

    def details(self, problem: Problem, value: Any) -> dict[str, Any]:
        """moves, legal, solved, optimal (solved in 2**N - 1 moves), the first error, and
        `partial_credit` as reasoning-gym scores a move list (`partial_credit`)."""
        optimal = 2 ** problem.payload["disks"] - 1
        if not value:
            return {
                "moves": 0,
                "legal": False,
                "solved": False,
                "optimal": False,
                "error": None,
                "partial_credit": 0.0,
            }
        outcome = self._simulate(problem, value)
        return {
            "moves": outcome.moves,
            "legal": outcome.legal,
            "solved": outcome.solved,
            "optimal": outcome.solved and outcome.moves == optimal,
            "error": outcome.error,
            "partial_credit": partial_credit(outcome, optimal),
        }

    def pal_exemplars(self) -> list[PalExemplar]:
        return prompts.pal_exemplars(self.handed)

    def direct_exemplars(self) -> list[tuple[str, str]]:
        return prompts.direct_exemplars()

    def answer_constraint(self, problem: Problem) -> AnswerConstraint | None:
        """Lines `Move disk D from X to Y` with this tower's disks and pegs (`constraint`)."""
        from reasoner_tasks.hanoi.constraint import answer_constraint

        return answer_constraint(problem.payload)
