"""The free-form task: one question given as text, no gold, a generic answer parser.

`reasoner.solve("What is 2 + 3?")` runs on this task. Answers may be numbers or text:

1. an explicit answer (``\\boxed{X}``, ``#### X``, ``Answer: X``, ``the answer is X``; the
   last one wins) gives X: its number when X starts with one ("12 apples", "$3.50",
   "3/4"; after the last "=" if any), else X as text ("Paris"; a date "2021-05-03"); a
   marker inside X ("\\boxed{Answer: 5}") is read again;
2. otherwise the last number in the text;
3. otherwise the last non-empty line, as text.

`check` has an opinion only when the question is a bare arithmetic expression ("What is
(2 + 3) * 4?", "Compute 7/8 - 1/4", "12 * 5 = ?"): it re-evaluates it exactly.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from fractions import Fraction
from typing import Any, ClassVar

from reasoner.answers import (
    ArithmeticExpressionError,
    answer_segment,
    evaluate_arithmetic,
    format_number,
    leading_number,
    numbers_equal,
    numbers_in,
    to_fraction,
)
from reasoner.constraints import number_constraint
from reasoner.display import display_number
from reasoner.task import Task
from reasoner.types import AnswerConstraint, Example, PalExemplar, Problem, Verdict
from reasoner_tasks.freeform import prompts

FreeAnswer = Fraction | str

_QUESTION_EXPRESSION = re.compile(
    r"\s*(?:(?:what\s+is|what's|compute|calculate|evaluate|work\s+out|find)\s+)?"
    r"(?:the\s+value\s+of\s+)?(?P<expr>[-+*/^().0-9\s\u00d7\u00f7\u2212]+?)"
    r"\s*(?:=\s*\??)?\s*[?.!]?\s*",
    re.IGNORECASE,
)
_ASKS_FOR_NUMBER = re.compile(r"\s*how\s+(?:many|much)\b", re.IGNORECASE)
_DATE_OR_TIME = re.compile(r"[0-9][-:][0-9]")
_WRAPPING = " \t\r\n*_`\"'"
_WRAPPING_OR_PERIOD = _WRAPPING + "."


def question_expression(question: str) -> str | None:
    """The arithmetic expression a question consists of, or None when it is anything else.

    Args:
        question: e.g. "What is (2 + 3) * 4?".

    Returns:
        "(2 + 3) * 4", or None when the question is not a bare expression with an operator.
    """
    match = _QUESTION_EXPRESSION.fullmatch(question)
    if not match or not re.search(r"[0-9.)]\s*[-+*/^\u00d7\u00f7\u2212]", match["expr"]):
        return None
    return match["expr"].strip()


def parse_free_answer(text: str) -> FreeAnswer | None:
    """The final answer of a reply, as a number when it is one, else as text (module doc).

    Args:
        text: a model's reply or a program's output.

    Returns:
        A Fraction, a non-empty string, or None for empty text or an empty marked answer.
    """
    segment = answer_segment(text)
    if segment is not None:
        tail = _clean(_clean(segment).rsplit("=", 1)[-1])
        if answer_segment(tail) is not None:  # "\\boxed{Answer: 5}": the inner marker decides
            return parse_free_answer(tail)  # shorter than `text`, so this ends
        first_word = tail.split(maxsplit=1)[0] if tail else ""
        number = leading_number(tail)
        if number is not None and not _DATE_OR_TIME.search(first_word):
            return number
        return tail or None
    found = numbers_in(text)
    if found:
        return found[-1]
    lines = [_clean(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return None
    # Stripping markdown can uncover a number ("_0") or a marker ("_Answer: 3"): read again.
    last = lines[-1]
    if answer_segment(last) is not None:
        return parse_free_answer(last) if len(last) < len(text) else None
    found = numbers_in(last)
    return found[-1] if found else last


def _clean(text: str) -> str:
    """Without surrounding whitespace, markdown emphasis, backticks, quotes, final periods."""
    # One scan from each end gives what stripping again until nothing changes gave, but in
    # linear time: re-stripping copied the text once per layer ("*." * 30000 was quadratic).
    start, end = 0, len(text)
    while end > 0 and (text[end - 1].isspace() or text[end - 1] in _WRAPPING_OR_PERIOD):
        end -= 1
    while start < end and (text[start].isspace() or text[start] in _WRAPPING):
        start += 1
    return text[start:end]


def format_free_answer(value: FreeAnswer) -> str:
    """Text that `parse_free_answer` reads back to `value`.

    Args:
        value: a number or a text answer.

    Returns:
        "3/4" for numbers; the text itself, or "Answer: <text>" (or a boxed text) when bare
        text would read differently (it holds a number, or several lines).
    """
    if isinstance(value, Fraction):
        return format_number(value)
    for text in (value, f"Answer: {value}", f"\\boxed{{{value}}}"):
        if parse_free_answer(text) == value:
            return text
    return f"Answer: {value}"  # only odd text (unbalanced braces after a marker) gets here


def _normalise(text: str) -> str:
    words = re.sub(r"[^\w\s]", " ", text.casefold()).split()
    while words and words[0] in ("the", "a", "an"):
        words = words[1:]
    return " ".join(words)


def _as_number(value: Any) -> Fraction | None:
    if isinstance(value, (int, float, Fraction)) and not isinstance(value, bool):
        try:
            return to_fraction(value)
        except ValueError:
            return None
    if isinstance(value, str):
        number = leading_number(value)
        return number if number is not None and numbers_in(value) == [number] else None
    return None


def answers_equal(value: Any, gold: Any) -> bool:
    """Numbers compare as numbers (`numbers_equal`); text compares case-, punctuation- and
    article-insensitively ("The Eiffel Tower." equals "eiffel tower").

    Args:
        value: a parsed answer.
        gold: the expected answer (number or text).

    Returns:
        True when they are the same answer.
    """
    if value is None or gold is None:
        return False
    a, b = _as_number(value), _as_number(gold)
    if a is not None and b is not None:
        return numbers_equal(a, b)
    return _normalise(str(value)) == _normalise(str(gold)) != ""


def make_problem(question: str) -> Problem:
    """A problem for a free-text question; the id is a hash of the text.

    Args:
        question: the question as the user wrote it.

    Returns:
        The problem (with `payload["expression"]` when the question is bare arithmetic).
    """
    digest = hashlib.sha256(question.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    payload: dict[str, Any] = {"question": question}
    expression = question_expression(question)
    if expression is not None:
        payload["expression"] = expression
    return Problem(id=f"freeform-{digest}", task="freeform", prompt=question, payload=payload)


class FreeformTask(Task):
    """Questions given as text, answered in numbers or words; no data file, no gold."""

    name: ClassVar[str] = "freeform"

    def problem(self, question: str) -> Problem:
        """The problem for one question (see `make_problem`)."""
        return make_problem(question)

    def examples(self) -> Iterator[Example]:
        """Nothing: free-form questions arrive one at a time through `problem`."""
        return iter(())

    def parse(self, text: str) -> FreeAnswer | None:
        return parse_free_answer(text)

    def format(self, value: Any) -> str:
        return format_free_answer(value)

    def display(self, answer: str, problem: Problem | None = None) -> str:
        return display_number(self, answer, problem)

    def check(self, problem: Problem, value: Any) -> Verdict:
        """Re-evaluate a bare arithmetic question exactly; unknown for anything else."""
        expression = problem.payload.get("expression") or question_expression(problem.prompt)
        if expression is None:
            return Verdict(checker="freeform", status="unknown", evidence="nothing to re-check")
        try:
            exact = evaluate_arithmetic(expression)
        except ArithmeticExpressionError as exc:
            evidence = f"cannot re-evaluate {expression}: {exc}"
            return Verdict(checker="freeform", status="unknown", evidence=evidence)
        number = _as_number(value)
        if number is not None and numbers_equal(number, exact):
            evidence = f"re-evaluating {expression} exactly agrees with {format_number(number)}"
            return Verdict(checker="freeform", status="passed", evidence=evidence)
        shown = "no answer" if value is None else repr(self.format(value))
        evidence = f"{shown} is not the value of {expression}"
        return Verdict(checker="freeform", status="failed", evidence=evidence)

    def score(self, example: Example, value: Any) -> bool:
        return answers_equal(value, example.gold)

    def same_answer(self, value: Any, other: Any) -> bool:
        return answers_equal(value, other)

    def pal_exemplars(self) -> list[PalExemplar]:
        return prompts.generic_pal_exemplars()

    def direct_exemplars(self) -> list[tuple[str, str]]:
        return prompts.generic_direct_exemplars()

    def answer_constraint(self, problem: Problem) -> AnswerConstraint | None:
        """A number when the question plainly asks for one (a bare arithmetic expression, or
        "how many" / "how much"); None otherwise, since free text has no form to enforce."""
        if problem.payload.get("expression") or question_expression(problem.prompt):
            return number_constraint(fraction=True, decimal=True)
        if _ASKS_FOR_NUMBER.match(problem.prompt):
            return number_constraint(decimal=True)
        return None
