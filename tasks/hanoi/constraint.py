"""What a bare Tower of Hanoi answer may be, for constrained decoding: lines of
`Move disk D from X to Y`, D a disk of this tower, X and Y two different pegs of the problem.

Legality (no larger disk on a smaller one) is left to the model and the simulator: a regex
cannot say it without listing the states. The line count is bounded by the optimal solution's
length (a longer list is never needed), capped so that the grammar stays small.
"""

from __future__ import annotations

from itertools import permutations
from typing import Any

from reasoner.constraints import alternation, lines_constraint
from reasoner.types import AnswerConstraint

#: Most lines a constraint allows: 2**10 - 1 covers N <= 10, and no model here writes more
#: within its token budget (about 9 tokens a line).
MAX_LINES = 1023


def answer_constraint(payload: dict[str, Any]) -> AnswerConstraint:
    """Lines `Move disk D from X to Y` for the problem's disks and pegs.

    Args:
        payload: the problem's payload (`disks`, `source`, `spare`, `target`).

    Returns:
        The constraint.
    """
    disks = int(payload["disks"])
    pegs = [payload["source"], payload["spare"], payload["target"]]
    moves = [f"{a} to {b}" for a, b in permutations(pegs, 2)]
    line = (
        f"Move disk {alternation([str(d) for d in range(1, disks + 1)])} from {alternation(moves)}"
    )
    return lines_constraint(line, min(2**disks - 1, MAX_LINES))
