"""Reading GSM8K and GSM-Hard JSONL files, row by row, keeping every bad row's line number.

Two formats, told apart per row (a file may mix them):

- GSM8K: `question`, `answer` (worked solution ending in a line `#### N`, or just a number);
- GSM-Hard: `input`, `target` (a number; `code`, a reference program, is ignored).

A bad row (not UTF-8, bad JSON, a missing field, a non-numeric answer) becomes a `RowError`
and the other rows still load. A file that cannot be read at all (missing, a folder,
empty, or without a single good row) raises `TaskFileError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from reasoner.answers import to_fraction
from reasoner.errors import TaskFileError
from reasoner.types import RowError

FORMATS_HINT = (
    "each line must be a JSON object with question/answer ('#### N' at the end, GSM8K) "
    "or input/target (GSM-Hard)"
)


@dataclass(frozen=True)
class Row:
    """One good item: where it came from, the question, its gold number."""

    line: int
    source: str  # "gsm8k" or "gsm-hard"
    question: str
    gold: Fraction
    steps: int | None  # GSM8K: lines of worked solution before "#### N"


class BadRow(Exception):
    """Why one row cannot be used (becomes a RowError with its line number)."""


def load_rows(path: Path) -> tuple[list[Row], list[RowError]]:
    """Read every row of a GSM8K or GSM-Hard JSONL file.

    Args:
        path: the file.

    Returns:
        The good rows, and one `RowError` per bad row.

    Raises:
        TaskFileError: the file is missing, unreadable, empty, or has no good row.
    """
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "does not exist"
        raise TaskFileError(f"gsm8k: data file {path} {what}: pass path= a JSONL file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TaskFileError(f"gsm8k: cannot read {path}: {exc.strerror or exc}") from None
    if not data.strip():
        raise TaskFileError(f"gsm8k: data file {path} is empty; {FORMATS_HINT}")
    data = data.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark is still UTF-8
    rows: list[Row] = []
    errors: list[RowError] = []
    for number, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        try:
            rows.append(_read_row(raw, number))
        except BadRow as exc:
            errors.append(RowError(source=str(path), line=number, message=str(exc)))
    if not rows:
        raise TaskFileError(
            f"gsm8k: no usable row in {path} ({len(errors)} bad, first: {errors[0]}); "
            f"{FORMATS_HINT}"
        )
    return rows, errors


def _read_row(raw: bytes, number: int) -> Row:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRow(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}); "
            "save the file as UTF-8"
        ) from None
    try:
        item = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRow(f"bad JSON: {exc.msg} at column {exc.colno}") from None
    except RecursionError:
        raise BadRow("bad JSON: nested too deeply") from None
    if not isinstance(item, dict):
        raise BadRow(f"expected a JSON object, found {type(item).__name__}; {FORMATS_HINT}")
    if "question" in item or "answer" in item:
        return _gsm8k_row(item, number)
    if "input" in item or "target" in item:
        return _gsm_hard_row(item, number)
    keys = ", ".join(sorted(map(str, item))) or "none"
    raise BadRow(f"no question/answer or input/target fields (found: {keys})")


def _text_field(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    if value is None:
        raise BadRow(f"missing field '{key}'")
    if not isinstance(value, str) or not value.strip():
        raise BadRow(f"field '{key}' must be non-empty text, found {value!r:.60}")
    return value.strip()


def _gsm8k_row(item: dict[str, Any], number: int) -> Row:
    question = _text_field(item, "question")
    if isinstance(item.get("answer"), (int, float)) and not isinstance(item["answer"], bool):
        try:  # some copies keep only the final number
            gold = to_fraction(item["answer"])
        except ValueError:
            raise BadRow(f"field 'answer' is {item['answer']!r}, not a finite number") from None
        return Row(line=number, source="gsm8k", question=question, gold=gold, steps=None)
    answer = _text_field(item, "answer")
    if "####" not in answer:
        raise BadRow("field 'answer' has no final '#### <number>' line")
    solution, _, final = answer.rpartition("####")
    try:
        gold = to_fraction(final.strip())
    except ValueError:
        raise BadRow(f"answer after '####' is {final.strip()!r:.60}, not a number") from None
    steps = sum(1 for line in solution.splitlines() if line.strip())
    return Row(line=number, source="gsm8k", question=question, gold=gold, steps=steps)


def _gsm_hard_row(item: dict[str, Any], number: int) -> Row:
    question = _text_field(item, "input")
    if "target" not in item or item["target"] is None:
        raise BadRow("missing field 'target'")
    try:
        gold = to_fraction(item["target"])
    except ValueError:
        raise BadRow(f"field 'target' is {item['target']!r:.60}, not a number") from None
    return Row(line=number, source="gsm-hard", question=question, gold=gold, steps=None)
