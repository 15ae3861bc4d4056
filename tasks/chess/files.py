"""Opening a puzzle file: read it, tell its format, hand it to the right reader.

A file that cannot be used at all (missing, empty, compressed, unknown format) raises
TaskFileError; a bad row inside a usable file becomes a RowError and the good rows load.
"""

from __future__ import annotations

from pathlib import Path

from reasoner.errors import TaskFileError
from reasoner.types import RowError
from reasoner_tasks.chess.bigbench_json import read_bigbench, read_bigbench_lines
from reasoner_tasks.chess.lichess_csv import looks_like_lichess, read_lichess
from reasoner_tasks.chess.puzzle import Puzzle

_HINT = "pass path=FILE with a Lichess puzzle CSV or a BIG-bench checkmate_in_one task.json"
_COMPRESSED = {
    b"\x28\xb5\x2f\xfd": "zstd",
    b"\x1f\x8b": "gzip",
    b"BZh": "bzip2",
    b"PK\x03\x04": "zip",
}


def _decoded_lines(data: bytes, source: str) -> tuple[list[tuple[int, str]], list[RowError]]:
    """Non-blank lines with their 1-based numbers; a line that is not UTF-8 is a RowError."""
    lines, errors = [], []
    for number, raw in enumerate(data.splitlines(), 1):
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            errors.append(
                RowError(
                    source=source,
                    line=number,
                    message=f"not valid UTF-8 text (byte {raw[exc.start]:#04x} at column "
                    f"{exc.start + 1})",
                )
            )
            continue
        if text.strip():
            lines.append((number, text))
    return lines, errors


def load_puzzles(path: str) -> tuple[list[Puzzle], list[RowError]]:
    """Every good puzzle in a Lichess CSV or BIG-bench JSON file, and the bad rows.

    Args:
        path: the file; its format is told from the extension, else from its content.

    Returns:
        The puzzles in file order, and a RowError for each bad row.

    Raises:
        TaskFileError: when the file is missing, unreadable, empty, compressed, of an unknown
            format, or holds no usable puzzle.
    """
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise TaskFileError(
            f"chess: cannot read '{path}': {exc.strerror or exc}; {_HINT}"
        ) from None
    for magic, kind in _COMPRESSED.items():
        if data.startswith(magic):
            raise TaskFileError(f"chess: '{path}' is {kind}-compressed; decompress it first")
    if not data.strip():
        raise TaskFileError(f"chess: '{path}' is empty; {_HINT}")
    puzzles, errors = _read(data, file.suffix.lower(), path)
    if not puzzles:
        first = f"; first problem: {errors[0]}" if errors else ""
        raise TaskFileError(f"chess: no usable puzzle in '{path}' ({len(errors)} bad rows){first}")
    return puzzles, errors


def _json_lines(data: bytes, source: str) -> tuple[list[Puzzle], list[RowError]]:
    lines, errors = _decoded_lines(data, source)
    puzzles, more = read_bigbench_lines(lines, source)
    return puzzles, sorted(errors + more, key=lambda e: e.line or 0)


def _read(data: bytes, suffix: str, source: str) -> tuple[list[Puzzle], list[RowError]]:
    if suffix == ".jsonl":
        return _json_lines(data, source)
    # Undecodable bytes become lone surrogates, which the reader reports per example.
    text = data.decode("utf-8-sig", errors="surrogateescape")
    if suffix == ".json":
        return read_bigbench(text, source)
    if suffix != ".csv" and text.lstrip()[:1] in ("{", "["):
        try:
            return read_bigbench(text, source)
        except TaskFileError:
            rows = [line for line in text.splitlines() if line.strip()]
            if len(rows) > 1 and all(line.lstrip().startswith("{") for line in rows):
                return _json_lines(data, source)
            raise
    lines, errors = _decoded_lines(data, source)
    if not lines:
        raise TaskFileError(f"chess: '{source}' has no readable line; {_HINT}")
    if suffix == ".csv" or looks_like_lichess(lines[0][1]):
        puzzles, more = read_lichess(lines, source)
        return puzzles, sorted(errors + more, key=lambda e: e.line or 0)
    raise TaskFileError(f"chess: '{source}' is in no format this task reads; {_HINT}")
