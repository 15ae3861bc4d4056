"""Free-form questions: the task behind `reasoner.solve("...")`, and the generic exemplars."""

from __future__ import annotations

from reasoner_tasks.freeform.prompts import generic_direct_exemplars, generic_pal_exemplars
from reasoner_tasks.freeform.routing import RoutingFreeformTask
from reasoner_tasks.freeform.task import (
    FreeformTask,
    answers_equal,
    format_free_answer,
    make_problem,
    parse_free_answer,
    question_expression,
)

__all__ = [
    "FreeformTask",
    "answers_equal",
    "format_free_answer",
    "freeform",
    "generic_direct_exemplars",
    "generic_pal_exemplars",
    "make_problem",
    "parse_free_answer",
    "question_expression",
]


def freeform() -> FreeformTask:
    """Free-text questions (numbers or words); checks only bare arithmetic questions.

    Build a problem with `task.problem("What is 2 + 3?")`. Its PAL and direct exemplars are
    the generic ones that tasks without their own fall back on.

    Returns:
        The task.
    """
    return RoutingFreeformTask()
