"""Tower of Hanoi: move N disks from one peg to another; the answer is the full move list."""

from __future__ import annotations

from reasoner.errors import BadTaskSpec
from reasoner_tasks.hanoi.task import (
    MAX_DISKS,
    HanoiTask,
    make_problem,
    parse_sizes,
    partial_credit,
)

__all__ = ["MAX_DISKS", "HanoiTask", "hanoi", "make_problem", "partial_credit"]


def hanoi(
    disks: int | str | list[int] = "1-10",
    per_size: int = 3,
    seed: int = 0,
    vary_pegs: bool = True,
    inputs: str = "all",
) -> HanoiTask:
    """Tower of Hanoi move lists, checked by simulation; any legal solution scores.

    Problems hand PAL programs `N` (disks) and the peg names `SOURCE`, `SPARE`, `TARGET`
    (`inputs=all`), or nothing (`inputs=none`: the program must read them from the question,
    so a PAL score also measures the model's reading). `details()` reports the move count,
    whether the solution is the optimal 2**N - 1, and reasoning-gym's partial credit.

    Args:
        disks: tower sizes: one size ("5"), a range ("1-10"), or sizes joined by "+"
            ("3+5+7"; commas already separate spec parameters); each 1 to 20.
        per_size: problems per size.
        seed: chooses the pegs of the repeats of a size.
        vary_pegs: the first problem of each size moves the tower from A to C; when true,
            its repeats use other source/target pegs (picked by `seed`), when false they
            repeat A to C.
        inputs: "all" (hand the variables over) or "none" (hand nothing over).

    Returns:
        The task.
    """
    if per_size < 1:
        raise BadTaskSpec(f"hanoi: per_size={per_size} must be at least 1")
    if inputs not in ("all", "none"):
        raise BadTaskSpec(f"hanoi: inputs={inputs!r}: write inputs=all or inputs=none")
    return HanoiTask(parse_sizes(disks), per_size, seed, vary_pegs, handed=inputs == "all")
