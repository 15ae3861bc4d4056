"""Reading the Lichess puzzle database (database.lichess.org, CSV).

Columns: PuzzleId,FEN,Moves,Rating,RatingDeviation,Popularity,NbPlays,Themes,GameUrl,
OpeningTags[,DailyDate], with or without that header. FEN is the position BEFORE the
opponent's move; the first UCI move in Moves is the opponent's, the rest alternate solver and
opponent. The solver is shown the position after the opponent's move.
"""

from __future__ import annotations

import csv
import re

import chess as pychess

from reasoner.errors import TaskFileError
from reasoner.types import RowError
from reasoner_tasks.chess.puzzle import Puzzle
from reasoner_tasks.chess.rules import describe_status, play_uci_line

COLUMNS = (
    "PuzzleId",
    "FEN",
    "Moves",
    "Rating",
    "RatingDeviation",
    "Popularity",
    "NbPlays",
    "Themes",
    "GameUrl",
    "OpeningTags",
)
REQUIRED = ("PuzzleId", "FEN", "Moves", "Rating", "Themes")
_MATE_IN = re.compile(r"^mateIn(\d+)$")


def looks_like_lichess(first_line: str) -> bool:
    """Whether a CSV's first line is the Lichess header or a headerless Lichess row."""
    try:
        fields = next(csv.reader([first_line]), [])
    except csv.Error:
        return False
    if fields and fields[0].strip() == "PuzzleId":
        return True
    return len(fields) >= len(REQUIRED) and fields[1].count("/") == 7


def read_lichess(lines: list[tuple[int, str]], source: str) -> tuple[list[Puzzle], list[RowError]]:
    """Puzzles from the decoded, non-blank lines of a Lichess CSV, and the bad rows.

    Args:
        lines: (1-based line number, text) for each non-blank line.
        source: the file name, for error reports.

    Returns:
        The good puzzles in file order, and a RowError for each bad row.

    Raises:
        TaskFileError: when the header lacks a column the puzzles need.
    """
    try:
        first = next(csv.reader([lines[0][1]]), [])
    except csv.Error:
        first = []
    if first and first[0].strip() == "PuzzleId":
        header = [name.strip() for name in first]
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            raise TaskFileError(
                f"chess: '{source}' header lacks column(s) {', '.join(missing)}; "
                f"a Lichess puzzle CSV has {','.join(COLUMNS)}"
            )
        rows = lines[1:]
    else:
        header, rows = list(COLUMNS), lines
    puzzles: list[Puzzle] = []
    errors: list[RowError] = []
    seen: set[str] = set()
    for number, text in rows:
        try:
            fields = next(csv.reader([text]), [])
        except csv.Error as exc:
            errors.append(RowError(source=source, line=number, message=f"bad CSV: {exc}"))
            continue
        record = dict(zip(header, fields, strict=False))
        item = record.get("PuzzleId", "").strip() or None
        try:
            absent = [name for name in REQUIRED if name not in record]
            if absent:
                raise ValueError(
                    f"row has {len(fields)} columns, {len(header)} expected: "
                    f"missing {', '.join(absent)}"
                )
            puzzle = puzzle_from_record(record)
            if puzzle.id in seen:
                raise ValueError(f"duplicate PuzzleId '{puzzle.id}'")
        except ValueError as exc:
            errors.append(RowError(source=source, line=number, item=item, message=str(exc)))
            continue
        seen.add(puzzle.id)
        puzzles.append(puzzle)
    return puzzles, errors


def puzzle_from_record(record: dict[str, str]) -> Puzzle:
    """One Lichess row as a Puzzle.

    Raises:
        ValueError: naming the field that is wrong and how.
    """
    puzzle_id = record["PuzzleId"].strip()
    if not puzzle_id:
        raise ValueError("PuzzleId is empty")
    fen = record["FEN"].strip()
    try:
        board = pychess.Board(fen)
    except ValueError as exc:
        raise ValueError(f"FEN '{fen}' cannot be read: {exc}") from None
    if not board.is_valid():
        raise ValueError(f"FEN '{fen}' is not a legal position: {describe_status(board)}")
    moves = record["Moves"].split()
    if len(moves) < 2:
        raise ValueError(
            f"Moves '{record['Moves'].strip()}' needs the opponent's move and at least one reply"
        )
    rating_text = record["Rating"].strip()
    try:
        rating = int(rating_text)
    except ValueError:
        raise ValueError(f"Rating '{rating_text}' is not a whole number") from None
    if rating < 0:
        raise ValueError(f"Rating {rating} is negative")
    sans = play_uci_line(board, moves, what="Moves entry")
    themes = tuple(record["Themes"].split())
    line = tuple(moves[1:])
    solver_moves = (len(line) + 1) // 2
    if len(line) % 2 == 0:
        raise ValueError(
            f"Moves has {len(moves)} entries: a puzzle line ends with the solver's move"
        )
    depths = [int(m.group(1)) for m in map(_MATE_IN.match, themes) if m]
    mate_in = depths[0] if depths else None
    if "mate" in themes or depths or board.is_checkmate():
        if not board.is_checkmate():
            raise ValueError("Themes say mate but the Moves line does not end in checkmate")
        if mate_in is not None and mate_in != solver_moves:
            raise ValueError(
                f"theme mateIn{mate_in} disagrees with Moves, which give {solver_moves} "
                "solver moves"
            )
        mate_in = solver_moves
    start = pychess.Board(fen)
    start.push_uci(moves[0])
    return Puzzle(
        id=puzzle_id,
        source="lichess",
        fen=start.fen(),
        line=line,
        line_san=tuple(sans[1:]),
        mate_in=mate_in,
        last_move=sans[0],
        rating=rating,
        themes=themes,
    )
