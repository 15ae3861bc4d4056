"""The chess puzzle task: Lichess puzzles, BIG-bench checkmate_in_one, or generated mates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from reasoner.errors import BadTaskSpec
from reasoner.task import Task
from reasoner.types import AnswerConstraint, Example, PalExemplar, Problem, Verdict
from reasoner_tasks.chess import prompts
from reasoner_tasks.chess.exemplar_programs import KINDS, Kind
from reasoner_tasks.chess.files import load_puzzles
from reasoner_tasks.chess.generator import generate
from reasoner_tasks.chess.judging import (
    answer_details,
    check_answer,
    first_move_matches,
    score_answer,
)
from reasoner_tasks.chess.notation import format_moves, parse_moves
from reasoner_tasks.chess.puzzle import TASK_NAME, Puzzle

DEFAULT_GENERATED = 100


def _as_moves(value: Any) -> tuple[str, ...] | None:
    """Accept the canonical tuple, a list of tokens, or text (parsed)."""
    if value is None:
        return None
    if isinstance(value, str):
        return parse_moves(value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value) or None
    return None


class ChessTask(Task):
    """Chess puzzles: find the mate (or the best line) from a position.

    Program inputs: `FEN` (the position to move from) for every puzzle, and `PGN` (the game
    so far) for BIG-bench items.
    """

    name: ClassVar[str] = TASK_NAME
    # No example move here: a small model that copies the instruction verbatim must not
    # thereby give a move.
    answer_instruction: ClassVar[str] = (
        "End your reply with a line 'Answer: <your move in SAN>' (for a line, your moves in order)."
    )

    def __init__(
        self,
        puzzles: list[Puzzle],
        style: prompts.Style,
        handed: bool = True,
        first_move_only: bool = False,
        engine: bool = False,
        exemplars: Kind = "mate",
    ) -> None:
        super().__init__()
        self._examples = [p.to_example(handed) for p in puzzles]
        self.style = style
        #: PAL programs get FEN (and PGN) as variables, or nothing (`inputs=none`).
        self.handed = handed
        #: Kagi's scoring: solved when the first move is the solution's first move.
        self.first_move_only = first_move_only
        #: `check` asks Stockfish about a non-mate puzzle's legal move (`engine=stockfish`).
        self.engine = engine
        #: Which worked programs PAL is shown: "mate" (a checkmate, else a check) or "search".
        self.exemplars: Kind = exemplars

    def examples(self) -> Iterator[Example]:
        yield from self._examples

    def parse(self, text: str) -> tuple[str, ...] | None:
        """The moves an answer gives, canonical SAN or UCI; legality is `check`'s job."""
        return parse_moves(text)

    def format(self, value: Any) -> str:
        moves = _as_moves(value)
        return format_moves(moves) if moves else ""

    def check(self, problem: Problem, value: Any) -> Verdict:
        """Legality, and mate for mate puzzles, in the problem's position (no gold); with
        `engine=stockfish`, Stockfish's judgement of a non-mate puzzle's move."""
        return check_answer(problem.payload, _as_moves(value), engine=self.engine)

    def score(self, example: Example, value: Any) -> bool:
        """Right when the solver's moves are the puzzle's, or a move mates (Lichess rules);
        with `scoring=first_move`, when the first move is the solution's first (Kagi's rule)."""
        line, moves = example.gold["line"], _as_moves(value)
        if self.first_move_only:
            return first_move_matches(example.problem.payload["fen"], line, moves)
        return score_answer(example.problem.payload["fen"], line, moves)

    def pal_exemplars(self) -> list[PalExemplar]:
        return prompts.pal_exemplars(self.style, self.handed, self.exemplars)

    def direct_exemplars(self) -> list[tuple[str, str]]:
        return prompts.direct_exemplars(self.style, self.exemplars)

    def answer_constraint(self, problem: Problem) -> AnswerConstraint | None:
        """A legal move in SAN (then SAN tokens for the rest of a longer line; `constraint`)."""
        from reasoner_tasks.chess.constraint import answer_constraint

        return answer_constraint(problem.payload)

    def details(self, problem: Problem, value: Any) -> dict[str, Any]:
        """{"legal", "mate", "illegal_reason", "moves_given"} for the answer's first move."""
        return answer_details(problem.payload, _as_moves(value))


def chess(
    path: str | None = None,
    n: int | None = None,
    seed: int = 0,
    theme: str = "",
    inputs: str = "all",
    scoring: str = "line",
    engine: str = "none",
    exemplars: str = "mate",
) -> ChessTask:
    """Chess puzzles: Lichess CSV, BIG-bench checkmate_in_one, or generated mates in one.

    Args:
        path: a Lichess puzzle CSV or a BIG-bench checkmate_in_one task.json; without it,
            mate-in-one positions are generated.
        n: how many puzzles: from a file the first n (default all), generated n (default 100).
        seed: the generator's seed (generated puzzles only).
        theme: keep only puzzles with this Lichess theme, e.g. mateIn1 (BIG-bench and
            generated puzzles carry "mate" and "mateIn1"); a leading "-" keeps only those
            without it (theme=-mate: the tactics that are not mates).
        inputs: "all" hands PAL programs `FEN` (and `PGN`); "none" hands nothing, so a
            program must write out the position from the question.
        scoring: "line" (Lichess: the solver's whole line, any mate wins) or "first_move"
            (Kagi's LLM chess-puzzle benchmark: the first move is the solution's first move).
        engine: "none" (`check` judges legality and mates only) or "stockfish" (`check` also
            asks Stockfish whether a non-mate puzzle's move is as good as the best one). A
            pipeline that repairs on Stockfish's verdicts is engine-assisted; the spec names it.
        exemplars: the worked examples' program: "mate" (a checkmate, else a check; short,
            so that a 135M model copies it) or "search" (mate, then material, by a 3-ply
            alpha-beta search with python-chess; `exemplar_programs`). With "search" a PAL
            score measures that search as much as the model.

    Returns:
        The task; bad rows of the file are listed in its `errors`.

    Raises:
        TaskFileError: when the file cannot be used at all.
    """
    if n is not None and n < 0:
        raise BadTaskSpec(f"chess: n={n} is negative; give a count such as n=100")
    if inputs not in ("all", "none"):
        raise BadTaskSpec(f"chess: inputs={inputs!r}: write inputs=all or inputs=none")
    if scoring not in ("line", "first_move"):
        raise BadTaskSpec(f"chess: scoring={scoring!r}: write scoring=line or scoring=first_move")
    if engine not in ("none", "stockfish"):
        raise BadTaskSpec(f"chess: engine={engine!r}: write engine=none or engine=stockfish")
    kind = next((k for k in KINDS if k == exemplars), None)
    if kind is None:
        raise BadTaskSpec(
            f"chess: exemplars={exemplars!r}: write exemplars=mate or exemplars=search"
        )
    if path:
        puzzles, errors = load_puzzles(path)
        style: prompts.Style = "pgn" if all(p.pgn for p in puzzles) else "fen"
    else:
        puzzles, errors = generate(DEFAULT_GENERATED if n is None else n, seed), []
        style = "fen"
    if theme.startswith("-"):
        puzzles = [p for p in puzzles if theme[1:] not in p.themes]
    elif theme:
        puzzles = [p for p in puzzles if theme in p.themes]
    if n is not None:
        puzzles = puzzles[:n]
    task = ChessTask(
        puzzles,
        style,
        handed=inputs == "all",
        first_move_only=scoring == "first_move",
        engine=engine == "stockfish",
        exemplars=kind,
    )
    task.errors = errors
    given = {"inputs": inputs, "scoring": scoring, "engine": engine, "exemplars": exemplars}
    task.spec = _spec(path, n, seed, theme, given)
    return task


#: Mode parameters left out of the spec when at their default.
_DEFAULTS = {"inputs": "all", "scoring": "line", "engine": "none", "exemplars": "mate"}


def _spec(path: str | None, n: int | None, seed: int, theme: str, modes: dict[str, str]) -> str:
    params = {
        "path": path,
        "n": n,
        "seed": seed if not path else None,
        "theme": theme or None,
        **{key: None if value == _DEFAULTS[key] else value for key, value in modes.items()},
    }
    given = ",".join(f"{k}={v}" for k, v in params.items() if v is not None)
    return f"{TASK_NAME}:{given}" if given else TASK_NAME
