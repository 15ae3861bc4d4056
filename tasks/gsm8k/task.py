"""The GSM8K / GSM-Hard task: word problems from a JSONL file, graded numerically."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any, ClassVar

from reasoner.answers import (
    decimal_places,
    format_number,
    numbers_equal,
    parse_number,
    same_number,
)
from reasoner.constraints import number_constraint
from reasoner.display import display_number
from reasoner.task import Task
from reasoner.types import AnswerConstraint, Example, PalExemplar, Problem, Verdict
from reasoner_tasks.gsm8k import prompts
from reasoner_tasks.gsm8k.loader import Row, load_rows

_CENT = Fraction(1, 100)
#: What a file's answers may be (`gsm8k:...,answers=KIND`).
ANSWER_KINDS = ("auto", "any", "whole")
#: Under `answers=auto`, the rows whose answers are known to be whole: GSM8K's annotators
#: gave every problem a non-negative integer answer; GSM-Hard computed its targets by running
#: GSM8K's solutions on larger numbers, and many are negative or fractional.
_WHOLE_SOURCES = frozenset({"gsm8k"})


def answers_match(value: Fraction, gold: Fraction) -> bool:
    """Whether a numeric answer is right for a word problem.

    Same number (`numbers_equal`: integers exactly, others within float rounding, which
    absorbs renderings such as GSM-Hard's 1806106.8000000003); when the gold is
    not whole, the gold rounded to the cent (2901807.83 for 2901807.8333...); or, when the
    gold is a decimal of at least six places, the answer rounded to those places: GSM-Hard
    stores its targets rounded to 10 places (0.0008106057 for 900 / 2775702 * 2.5).

    Args:
        value: the parsed answer.
        gold: the gold number.

    Returns:
        True when correct.
    """
    if numbers_equal(value, gold):
        return True
    if gold.denominator == 1:
        return False
    in_cents = (value / _CENT).denominator == 1
    if in_cents and abs(value - gold) <= _CENT / 2:
        return True
    places = decimal_places(gold)
    return places is not None and places >= 6 and abs(value - gold) <= Fraction(1, 10**places) / 2


def is_whole(value: Fraction) -> bool:
    """A non-negative integer, up to float rounding (a program may print 18.000000000000004)."""
    return value >= 0 and numbers_equal(value, Fraction(round(value)))


def make_problem(row: Row) -> Problem:
    """The problem for one row: its question, its source, its difficulty.

    Args:
        row: a loaded row.

    Returns:
        The problem; `difficulty` is {"source": ..., "steps": ...} (steps for GSM8K rows).
    """
    difficulty: dict[str, int | float | str] = {"source": row.source}
    if row.steps is not None:
        difficulty["steps"] = row.steps
    return Problem(
        id=f"{row.source}-L{row.line}",
        task="gsm8k",
        prompt=row.question,
        payload={"question": row.question, "source": row.source, "line": row.line},
        program_inputs={},
        difficulty=difficulty,
    )


class Gsm8kTask(Task):
    """Word problems from a GSM8K or GSM-Hard JSONL file; see `gsm8k` for the parameters."""

    name: ClassVar[str] = "gsm8k"
    answer_instruction: ClassVar[str] = prompts.ANSWER_INSTRUCTION
    step_hint: ClassVar[str] = prompts.STEP_HINT

    def __init__(
        self, path: Path, limit: int | None = None, start: int = 0, answers: str = "auto"
    ) -> None:
        super().__init__()
        self.path = path
        self.answers = answers
        rows, self.errors = load_rows(path)
        rows = rows[start:]
        self.rows = rows[:limit] if limit is not None else rows

    def examples(self) -> Iterator[Example]:
        for row in self.rows:
            yield Example(problem=make_problem(row), gold=row.gold)

    def parse(self, text: str) -> Fraction | None:
        """The final number: "Answer: $1,234.50", "#### 12", "12 apples", or the last one."""
        return parse_number(text)

    def format(self, value: Any) -> str:
        return format_number(value, decimal=True)

    def display(self, answer: str, problem: Problem | None = None) -> str:
        return display_number(self, answer, problem)

    def whole_answers(self, problem: Problem) -> bool:
        """Whether this problem's answer is known to be a non-negative integer: `answers=whole`
        says so of every row, `auto` of GSM8K's rows (by their format, never their gold)."""
        if self.answers == "auto":
            return problem.payload.get("source") in _WHOLE_SOURCES
        return self.answers == "whole"

    def check(self, problem: Problem, value: Any) -> Verdict:
        """Failed when there is no number, or (for a problem whose answers are whole: see
        `whole_answers`) when it is negative or not whole; otherwise unknown: nothing at
        inference time can confirm a word problem."""
        if not isinstance(value, Fraction):
            return Verdict(checker="gsm8k", status="failed", evidence="no number found")
        if self.whole_answers(problem) and not is_whole(value):
            return Verdict(
                checker="gsm8k",
                status="failed",
                evidence=f"the answer must be a whole number of at least 0, not {self.format(value)}",
            )
        return Verdict(
            checker="gsm8k", status="unknown", evidence="word problems have no built-in checker"
        )

    def score(self, example: Example, value: Any) -> bool:
        return isinstance(value, Fraction) and answers_match(value, example.gold)

    def same_answer(self, value: Any, other: Any) -> bool:
        return same_number(value, other)

    def pal_exemplars(self) -> list[PalExemplar]:
        return prompts.pal_exemplars()

    def direct_exemplars(self) -> list[tuple[str, str]]:
        return prompts.direct_exemplars()

    def answer_constraint(self, problem: Problem) -> AnswerConstraint | None:
        """A plain number: digits, a sign, a decimal point (digits only where answers are
        whole); no units or commas."""
        return number_constraint(decimal=not self.whole_answers(problem))
