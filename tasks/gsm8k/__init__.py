"""GSM8K and GSM-Hard: grade-school word problems from a JSONL file, numeric answers."""

from __future__ import annotations

from pathlib import Path

from reasoner.errors import BadTaskSpec, TaskFileError
from reasoner_tasks.gsm8k.loader import load_rows
from reasoner_tasks.gsm8k.task import ANSWER_KINDS, Gsm8kTask, answers_match, make_problem

__all__ = ["Gsm8kTask", "answers_match", "gsm8k", "load_rows", "make_problem"]


def gsm8k(
    path: str | None = None, limit: int | None = None, start: int = 0, answers: str = "auto"
) -> Gsm8kTask:
    """Grade-school word problems (GSM8K or GSM-Hard JSONL), graded numerically.

    Rows are GSM8K (`question`, `answer` ending in `#### N`) or GSM-Hard (`input`,
    `target`), told apart per row. Bad rows are skipped and listed in `task.errors` with
    their line numbers. Answers match when equal (non-integers up to float rounding, for
    float targets), or rounded to the cent when the gold is not whole.

    Args:
        path: the JSONL file (required).
        limit: use only the first `limit` good rows (after `start`).
        start: skip the first `start` good rows: with `limit`, one file splits into a
            development part (`limit=100`) and a held-out part (`start=100`).
        answers: what the answers are known to be: `whole` (non-negative integers), `any`
            number, or `auto` (the default): `whole` for rows in GSM8K's own format, whose
            annotators gave every problem a non-negative integer answer, `any` for GSM-Hard
            rows (its targets were computed by running GSM8K's solutions on larger numbers,
            and many are negative or fractional). Where answers are whole, `check` fails an
            answer that is negative or not an integer, which gives `retry`, filtered votes,
            `switch` and `abstain` evidence; it never looks at the gold. A file of your own
            in GSM8K's format whose answers may be fractional wants `answers=any`.

    Returns:
        The task.

    Raises:
        TaskFileError: no path, or the file is missing, empty, or has no good row.
    """
    if not path:
        raise TaskFileError(
            "gsm8k needs a data file: pass path=FILE, e.g. gsm8k:path=data/gsm8k/test.jsonl "
            "(GSM8K question/answer or GSM-Hard input/target JSONL)"
        )
    if limit is not None and limit < 1:
        raise BadTaskSpec(f"gsm8k: limit={limit} must be at least 1")
    if start < 0:
        raise BadTaskSpec(f"gsm8k: start={start} must be at least 0")
    if answers not in ANSWER_KINDS:
        raise BadTaskSpec(f"gsm8k: answers={answers!r} must be one of {', '.join(ANSWER_KINDS)}")
    return Gsm8kTask(Path(path).expanduser(), limit, start, answers)
