"""Free-form task: problems from text, the generic answer parser, the arithmetic check."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from task_helpers import run_exemplar

from reasoner.plugins import tasks
from reasoner.types import Example
from reasoner_tasks.freeform import (
    FreeformTask,
    answers_equal,
    freeform,
    generic_pal_exemplars,
    question_expression,
)
from reasoner_tasks.freeform.prompts import WORKED


@pytest.fixture(scope="module")
def task() -> FreeformTask:
    return freeform()


def test_factory_comes_through_the_entry_point() -> None:
    assert isinstance(tasks.get("freeform")(), FreeformTask)
    assert tasks.describe("freeform").startswith("Free-text questions")


def test_problem_id_is_a_stable_hash_of_the_question(task: FreeformTask) -> None:
    first = task.problem("What is 2 + 3?")
    assert first == task.problem("What is 2 + 3?")
    assert first.id.startswith("freeform-") and len(first.id) == len("freeform-") + 12
    assert task.problem("What is 2 + 4?").id != first.id
    assert first.task == "freeform" and first.prompt == "What is 2 + 3?"
    assert first.payload == {"question": "What is 2 + 3?", "expression": "2 + 3"}


def test_no_examples(task: FreeformTask) -> None:
    assert list(task.examples()) == []


@pytest.mark.parametrize(
    ("reply", "value"),
    [
        ("2 + 3 is 5.\nAnswer: 5", Fraction(5)),
        ("The answer is Paris.", "Paris"),
        ("So the result is \\boxed{\\frac{3}{4}}", Fraction(3, 4)),
        ("**Answer:** $3.50 per hour", Fraction(7, 2)),
        ("Answer: 3 + 4 = 7", Fraction(7)),
        ("Answer: 2021-05-03", "2021-05-03"),
        ("Answer: 12:30", "12:30"),
        ("Answer: June 3, 2021", "June 3, 2021"),
        ("The answer is: **Eiffel Tower**", "Eiffel Tower"),
        ("First 3, then 4, so 10 in all", Fraction(10)),
        ("Wednesday\n", "Wednesday"),
        ("It is sunny.\n\nThe capital is Rome\n", "The capital is Rome"),
        ("", None),
        ("  \n ", None),
        ("Answer:", None),
        ("\\boxed{Answer: 5}", Fraction(5)),
        ("_0", Fraction(0)),
        ("\\boxed{{Answer:", None),
    ],
)
def test_parser_reads_numbers_and_text(task: FreeformTask, reply: str, value: Any) -> None:
    assert task.parse(reply) == value


text_answers = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40)


@given(st.fractions(max_denominator=1000) | text_answers.map(str.strip).filter(bool))
def test_format_round_trips_whatever_parse_can_return(value: Fraction | str) -> None:
    task = freeform()
    parsed = task.parse(value if isinstance(value, str) else task.format(value))
    if parsed is not None:
        assert task.parse(task.format(parsed)) == parsed


@pytest.mark.parametrize(
    ("question", "expression"),
    [
        ("What is 2 + 3?", "2 + 3"),
        ("what is (2 + 3) * 4", "(2 + 3) * 4"),
        ("12 * 5 = ?", "12 * 5"),
        ("Compute 7/8 - 1/4.", "7/8 - 1/4"),
        ("Calculate 2^10", "2^10"),
        ("What is 5?", None),
        ("What is -5?", None),
        ("A train leaves at 3-4 pm; when does it arrive?", None),
        ("What is __import__('os').getcwd()?", None),
        ("How many r's are in strawberry?", None),
    ],
)
def test_only_bare_arithmetic_questions_have_an_expression(
    question: str, expression: str | None
) -> None:
    assert question_expression(question) == expression


def test_check_re_evaluates_bare_arithmetic(task: FreeformTask) -> None:
    problem = task.problem("What is (2 + 3) * 4?")
    assert task.check(problem, Fraction(20)).passed
    assert task.check(problem, Fraction(20.0)).passed
    verdict = task.check(problem, Fraction(21))
    assert verdict.failed and "20" not in verdict.evidence
    assert task.check(problem, "twenty").failed
    assert task.check(problem, None).failed


def test_check_is_unknown_when_there_is_nothing_to_re_evaluate(task: FreeformTask) -> None:
    assert task.check(task.problem("Who wrote Hamlet?"), "Shakespeare").status == "unknown"
    assert task.check(task.problem("What is 1/0?"), Fraction(0)).status == "unknown"
    assert task.check(task.problem("What is 9^9^9^9?"), Fraction(0)).status == "unknown"


@pytest.mark.parametrize(
    ("value", "gold", "equal"),
    [
        ("The Eiffel Tower.", "eiffel tower", True),
        ("Paris", "Rome", False),
        (Fraction(5), 5.0, True),
        ("12 apples", 12, True),
        (Fraction(12), "12", True),
        (Fraction(13), 12, False),
        ("", "", False),
        (None, "x", False),
    ],
)
def test_score_normalises_text_and_compares_numbers(value: Any, gold: Any, equal: bool) -> None:
    assert answers_equal(value, gold) is equal
    example = Example(problem=freeform().problem("q"), gold=gold)
    assert freeform().score(example, value) is equal


def test_generic_exemplars_run_and_score_their_own_questions(task: FreeformTask) -> None:
    exemplars = generic_pal_exemplars()
    assert exemplars == task.pal_exemplars()
    assert len(exemplars) >= 3
    assert any(isinstance(answer, str) for _, _, answer in WORKED)  # not only numbers
    for exemplar, (question, _, answer) in zip(exemplars, WORKED, strict=True):
        example = Example(problem=task.problem(question), gold=answer)
        output = run_exemplar(exemplar.program, exemplar.inputs)
        assert task.score(example, task.parse(output)), (question, output)
        if task.check(example.problem, task.parse(output)).status != "unknown":
            assert task.check(example.problem, task.parse(output)).passed
    for (question, answer), (_, _, gold) in zip(task.direct_exemplars(), WORKED, strict=True):
        assert task.score(Example(problem=task.problem(question), gold=gold), task.parse(answer))


TOKENS = ["Answer:", "answer is", "####", "\\boxed{", "}", "=", " ", "\n", "-", "$", "_", "*"]
TOKENS += ["1", "2,345", ".", "3/4", "e5", "Paris", "\u2212", "(", ")", "12:30", "What is"]
texts = st.lists(st.sampled_from(TOKENS) | st.text(max_size=3), max_size=30).map("".join)


@settings(max_examples=300)
@given(texts | st.text())
def test_no_text_crashes_the_parser_or_the_checker(text: str) -> None:
    task = freeform()
    value = task.parse(text)
    assert value is None or isinstance(value, (Fraction, str))
    task.check(task.problem(text), value)
    if value is not None:
        assert task.parse(task.format(value)) == value
