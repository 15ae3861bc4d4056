"""What a bare chess answer may be, for constrained decoding: legal moves in SAN.

The SAN is python-chess's (`Board.san`), check and mate marks included ("Qxf7#"), since that
is how the exemplars and most text write a move; `notation.parse_moves` drops the marks, so
the parsed answer is the same with or without them.
"""

from __future__ import annotations

from typing import Any

import chess

from reasoner.constraints import alternation
from reasoner.types import AnswerConstraint

#: A SAN token, for the moves after the first in a multi-move answer: the opponent's replies
#: and later moves depend on the line, so past the first move only the syntax is enforced.
SAN_TOKEN = r"(O-O(-O)?|[KQRBN][a-h]?[1-8]?x?[a-h][1-8]|[a-h](x[a-h])?[1-8](=[QRBN])?)[+#]?"


def legal_sans(fen: str) -> list[str]:
    """The legal moves of a position in SAN, sorted.

    Args:
        fen: the position.

    Returns:
        Their SAN spellings (empty when the game is over).
    """
    board = chess.Board(fen)
    return sorted(board.san(move) for move in board.legal_moves)


def answer_constraint(payload: dict[str, Any]) -> AnswerConstraint | None:
    """One legal move; for a puzzle of k solver moves, a legal first move and up to 2k - 2
    more SAN tokens (the solver's moves, or the full line with the opponent's replies).

    Args:
        payload: the problem's payload (`fen`, `solver_moves`).

    Returns:
        The constraint, or None when the position has no legal move.
    """
    sans = legal_sans(payload["fen"])
    if not sans:
        return None
    extra = 2 * int(payload.get("solver_moves") or 1) - 2
    if extra <= 0:
        return AnswerConstraint(choices=sans)
    return AnswerConstraint(regex=f"{alternation(sans)}( {SAN_TOKEN}){{0,{extra}}}")
