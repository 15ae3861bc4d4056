"""Reading BIG-bench checkmate_in_one (task.json, or a JSONL of its examples).

Each example is {"input": PGN movetext ending where the side to move mates in one,
"target": the mating move in SAN, "target_scores": {...}}. The game is replayed with
python-chess at load time, so every problem carries its position as a FEN as well.
"""

from __future__ import annotations

import json
from typing import Any

from reasoner.errors import TaskFileError
from reasoner.types import RowError
from reasoner_tasks.chess.prompts import replay_pgn
from reasoner_tasks.chess.puzzle import Puzzle

_MATE_THEMES = ("mate", "mateIn1")


def read_bigbench(text: str, source: str) -> tuple[list[Puzzle], list[RowError]]:
    """Puzzles from a BIG-bench task.json, and a RowError (line = example index) per bad one.

    Raises:
        TaskFileError: when the text is not JSON or holds no list of examples.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TaskFileError(
            f"chess: '{source}' is not valid JSON: {exc.msg} at line {exc.lineno} "
            f"column {exc.colno}"
        ) from None
    examples = data.get("examples") if isinstance(data, dict) else data
    if not isinstance(examples, list):
        raise TaskFileError(
            f"chess: '{source}' has no 'examples' list; a BIG-bench checkmate_in_one "
            'task.json has {"examples": [{"input": PGN, "target": SAN}, ...]}'
        )
    puzzles, errors = [], []
    for index, example in enumerate(examples):
        try:
            puzzles.append(puzzle_from_example(example, index))
        except ValueError as exc:
            errors.append(
                RowError(source=source, line=index, item=f"examples[{index}]", message=str(exc))
            )
    return puzzles, errors


def read_bigbench_lines(
    lines: list[tuple[int, str]], source: str
) -> tuple[list[Puzzle], list[RowError]]:
    """Puzzles from a JSONL file with one BIG-bench example object per line."""
    puzzles, errors = [], []
    for number, line in lines:
        try:
            example = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(
                RowError(source=source, line=number, message=f"not valid JSON: {exc.msg}")
            )
            continue
        try:
            puzzles.append(puzzle_from_example(example, number))
        except ValueError as exc:
            errors.append(RowError(source=source, line=number, message=str(exc)))
    return puzzles, errors


def _text_field(example: dict[str, Any], name: str) -> str:
    if name not in example:
        raise ValueError(f"missing field '{name}'")
    value = example[name]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        value = value[0]  # BIG-bench allows a list of targets; the first is the reference
    if not isinstance(value, str):
        raise ValueError(f"field '{name}' must be a string, not {type(value).__name__}")
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        raise ValueError(f"field '{name}' is not valid UTF-8 text")
    if not value.strip():
        raise ValueError(f"field '{name}' is empty")
    return value.strip()


def puzzle_from_example(example: Any, index: int) -> Puzzle:
    """One BIG-bench example as a Puzzle.

    Raises:
        ValueError: naming the field that is wrong and how.
    """
    if not isinstance(example, dict):
        raise ValueError(f"an example must be an object, not {type(example).__name__}")
    pgn, target = _text_field(example, "input"), _text_field(example, "target")
    try:
        board = replay_pgn(pgn)
    except ValueError as exc:
        raise ValueError(f"input: {exc}") from None
    try:
        move = board.parse_san(target)
    except ValueError as exc:
        raise ValueError(f"target '{target}' is not a legal move here: {exc}") from None
    san = board.san(move)
    fen = board.fen()
    board.push(move)
    if not board.is_checkmate():
        raise ValueError(f"target '{target}' does not give checkmate")
    return Puzzle(
        id=f"checkmate_in_one-{index}",
        source="bigbench",
        fen=fen,
        line=(move.uci(),),
        line_san=(san,),
        mate_in=1,
        pgn=pgn,
        themes=_MATE_THEMES,
    )
