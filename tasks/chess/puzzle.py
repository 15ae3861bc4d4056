"""One chess puzzle as the loaders and the generator produce it, and its Example."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reasoner.types import Example, Problem
from reasoner_tasks.chess.prompts import fen_prompt, pgn_prompt

TASK_NAME = "chess"
#: Lower edges of the rating bands reports cut Lichess results by. Puzzle ratings run from
#: about 400 to 3000, and the development file's 300 rows have 171 under 1000, 87 in
#: 1000-1499, 31 in 1500-1999 and 11 at 2000 or more: narrower bands would hold a handful each.
RATING_BANDS = (1000, 1500, 2000)


def rating_band(rating: int) -> str:
    """The band of a Lichess puzzle rating, labelled so that labels sort in rating order.

    Args:
        rating: the puzzle's Glicko rating.

    Returns:
        "0-999", "1000-1499", "1500-1999" or "2000+".
    """
    low = 0
    for edge in RATING_BANDS:
        if rating < edge:
            return f"{low}-{edge - 1}"
        low = edge
    return f"{low}+"


@dataclass(frozen=True)
class Puzzle:
    """A position to move from and the solution line.

    `line` is in UCI and starts with the solver's move; it alternates solver and opponent
    and ends with the solver's move. It is gold: it never enters the Problem.
    """

    id: str
    source: str  # "lichess", "bigbench" or "generated"
    fen: str
    line: tuple[str, ...]
    line_san: tuple[str, ...]
    mate_in: int | None
    pgn: str | None = None
    last_move: str | None = None  # the opponent's move that led to `fen`, in SAN
    rating: int | None = None
    # Kept for filtering only: a theme such as "fork" hints at the answer, so it stays out
    # of the Problem.
    themes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def solver_moves(self) -> int:
        return (len(self.line) + 1) // 2

    def difficulty(self) -> dict[str, int | float | str]:
        """The axes reports cut results by: `theme` ("mate" or "material", for every puzzle),
        `mate_depth` for mates, and for Lichess the solver's move count and `rating_band`."""
        out: dict[str, int | float | str] = {"theme": "mate" if self.mate_in else "material"}
        if self.mate_in is not None:
            out["mate_depth"] = self.mate_in
        if self.source != "lichess":
            return out
        out["moves"] = self.solver_moves
        if self.rating is not None:
            out["rating_band"] = rating_band(self.rating)
        return out

    def to_example(self, handed: bool = True) -> Example:
        """The puzzle as an Example; `handed=False` gives PAL programs no variables
        (`inputs=none`: a program must write the position out from the question)."""
        payload: dict[str, Any] = {
            "source": self.source,
            "fen": self.fen,
            "solver_moves": self.solver_moves,
            "mate_in": self.mate_in,
        }
        inputs = {"FEN": self.fen}
        if self.pgn is not None:
            payload["pgn"] = self.pgn
            inputs["PGN"] = self.pgn
            prompt = pgn_prompt(self.pgn, self.fen)
        else:
            prompt = fen_prompt(self.fen, self.solver_moves, self.mate_in, self.last_move)
        if self.last_move:
            payload["last_move"] = self.last_move
        if self.rating is not None:
            payload["rating"] = self.rating
        problem = Problem(
            id=self.id,
            task=TASK_NAME,
            prompt=prompt,
            payload=payload,
            program_inputs=inputs if handed else {},
            difficulty=self.difficulty(),
        )
        gold = {"line": list(self.line), "line_san": list(self.line_san), "mate_in": self.mate_in}
        return Example(problem=problem, gold=gold)
