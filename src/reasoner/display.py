"""Answers as a person writes them, for people to read; the exact value stays for scoring.

An answer's canonical text (`Task.format`, e.g. "18/5") is what results keep and what the
evaluator grades. Where a person reads an answer (`reasoner run`, a served reply, a report)
`Task.display` writes it the way a person would: a whole number as it is, a fraction with a
finite decimal expansion as that exact decimal ("3.6"; "3.60" when the question is about
money), and any other fraction rounded, with a marker that says so ("≈0.333333").
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import TYPE_CHECKING

from reasoner.answers import format_number, to_fraction

if TYPE_CHECKING:
    from reasoner.task import Task
    from reasoner.types import Answer, Problem

#: Decimal places a non-terminating fraction is rounded to (money: cents).
ROUNDED_PLACES = 6
#: Marks a rounded value, so no reader takes it for the exact one.
ROUNDED_MARK = "≈"
_MONEY = re.compile(r"[$€£]|\b(?:dollars?|euros?)\b", re.IGNORECASE)


def about_money(text: str) -> bool:
    """Whether a question is about an amount of money (a currency sign, dollars, euros).

    Args:
        text: the question.

    Returns:
        True when it names a currency.
    """
    return _MONEY.search(text) is not None


def number_text(value: Fraction, *, money: bool = False) -> str:
    """A number as a person writes it.

    Args:
        value: the exact value.
        money: write cents: a non-whole amount with two decimals ("3.60"), and a
            non-terminating one rounded to the cent.

    Returns:
        "12", "3.6" (or "3.60" as money), "-0.125", or "≈0.333333" ("≈3.33" as money).
    """
    if value.denominator == 1:
        return str(value.numerator)
    exact = format_number(value, decimal=True)
    if "/" not in exact:
        if money and len(exact.partition(".")[2]) < 2:
            return exact + "0"
        return exact
    rounded = format_number(round(value, 2 if money else ROUNDED_PLACES), decimal=True)
    if money:
        whole, _, cents = rounded.partition(".")
        rounded = f"{whole}.{cents.ljust(2, '0')}"
    return ROUNDED_MARK + rounded


def shown_text(answer: str) -> str:
    """A canonical answer as a person writes it, without its task: a bare number ("18/5",
    "-7") by `number_text`, any other text as it is. For reports, drawn from a run's files
    alone, which have the answer's text but no task object (and no question to tell money).

    Args:
        answer: a result's answer (or gold) text.

    Returns:
        "3.6" for "18/5"; "Move disk 1 from A to C" unchanged.
    """
    try:
        value = to_fraction(answer)
    except ValueError:
        return answer
    return number_text(value)


def display_number(task: Task, answer: str, problem: Problem | None) -> str:
    """`Task.display` for tasks whose answers are numbers (or, for free text, words).

    Args:
        task: the task that parses `answer`.
        answer: the canonical answer text.
        problem: the problem it answers (for whether it is about money), if known.

    Returns:
        The number as a person writes it (`number_text`), a text answer without the
        marker `format` may have added ("Answer: Paris" shows as "Paris"), else `answer`.
    """
    value = task.parse(answer)
    if isinstance(value, Fraction):
        return number_text(value, money=problem is not None and about_money(problem.prompt))
    if isinstance(value, str) and value.strip():
        return value
    return answer


def shown(task: Task, answer: str, problem: Problem | None = None) -> str:
    """`task.display(answer, problem)`, or `answer` itself when a plug-in's display fails:
    showing an answer must never cost the run its answer.

    Args:
        task: the task that answered.
        answer: the canonical answer text.
        problem: the problem, if known.

    Returns:
        The text to show a person.
    """
    try:
        text = task.display(answer, problem)
    except Exception:
        return answer
    return text if isinstance(text, str) and text else answer


def shown_for_question(question: str, answer: str) -> str:
    """An answer to a free-text question as a person writes it, with the task the question
    routes to (`reasoner.solving.routed_problem`, the rule `solve` follows).

    Args:
        question: the question as asked.
        answer: the canonical answer text (`Answer.value`).

    Returns:
        The text to show.
    """
    from reasoner.solving import routed_problem

    problem, task, _ = routed_problem(question, None)
    return shown(task, answer, problem)


def shown_answer(answer: Answer, task: Task, problem: Problem | None = None) -> str | None:
    """`Answer.value` as a person writes it; None when the run gave no answer.

    Args:
        answer: a pipeline's Answer.
        task: the task that answered.
        problem: the problem, if known.

    Returns:
        The text to show, or None (then `reasoner.outcomes.outcome_line` says why).
    """
    return None if answer.value is None else shown(task, answer.value, problem)
