"""One result as the JSON line the store writes, whatever its text or values hold.

A result that cannot be serialised must not stop a run (it did: a lone UTF-16 surrogate in a
model's reply, or a plug-in's value JSON cannot carry, raised in `append`, the eval exited
with results.jsonl unwritten, and a resumed run hit the same cell again). So: the result as it
is when it serialises; else the same result with every string made valid UTF-8 (a lone
surrogate becomes a visible `\\udc80`); else a failure row for that cell, naming why, so the
cell is recorded as failed and the run goes on.
"""

from __future__ import annotations

from typing import Any

from reasoner.inert_text import valid_utf8
from reasoner.types import Result

MAX_REASON_CHARS = 300


def result_line(result: Result) -> tuple[Result, str]:
    """The result to keep and its JSON line (without the newline).

    Args:
        result: a finished cell's result.

    Returns:
        (the result as stored, its JSON): the result itself when it serialises, else a
        valid-UTF-8 copy, else a failed row of the same cell whose `error` says why.
    """
    try:
        return result, result.model_dump_json()
    except (ValueError, UnicodeError) as exc:  # PydanticSerializationError is a ValueError
        problem = exc
    try:
        cleaned = Result.model_validate(_valid_text(result.model_dump()))
        return cleaned, cleaned.model_dump_json()
    except (ValueError, UnicodeError, TypeError):
        pass
    why = valid_utf8(f"{type(problem).__name__}: {problem}")[:MAX_REASON_CHARS]
    failed = Result(
        task=valid_utf8(result.task),
        problem_id=valid_utf8(result.problem_id),
        pipeline=valid_utf8(result.pipeline),
        answer=None,
        abstained=False,
        correct=False,
        error=f"the result could not be stored ({why})",
    )
    return failed, failed.model_dump_json()


def _valid_text(value: Any) -> Any:
    if isinstance(value, str):
        return valid_utf8(value)
    if isinstance(value, dict):
        return {_valid_text(k): _valid_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_valid_text(v) for v in value]
    return value
