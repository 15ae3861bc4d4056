"""Arithmetic task: generation, exact grading, the oracle checker, the exemplars."""

from __future__ import annotations

import random
import re
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from task_helpers import from_spec, run_exemplar

from reasoner.answers import evaluate_arithmetic
from reasoner.errors import BadTaskSpec
from reasoner.plugins import tasks
from reasoner.types import Example
from reasoner_tasks.arithmetic import arithmetic, make_problem
from reasoner_tasks.arithmetic.generator import Node, random_expression, render
from reasoner_tasks.arithmetic.prompts import PAL_EXPRESSIONS


def example_for(expression: str) -> Example:
    return Example(problem=make_problem(expression, 3, 2), gold=evaluate_arithmetic(expression))


def test_spec_string_builds_the_task() -> None:
    task = from_spec("arithmetic:digits=3,ops=+-*/,terms=2,n=100,seed=0")
    examples = list(task.examples())
    assert len(examples) == 100
    assert all(e.problem.difficulty == {"digits": 3, "terms": 2} for e in examples)
    assert tasks.describe("arithmetic").startswith("Exact arithmetic")


def test_ranges_give_n_problems_per_difficulty() -> None:
    task = from_spec("arithmetic:digits=1-2,terms=2+4,n=5")
    cells = [
        (e.problem.difficulty["digits"], e.problem.difficulty["terms"]) for e in task.examples()
    ]
    assert cells == [(d, t) for d in (1, 2) for t in (2, 4) for _ in range(5)]


@pytest.mark.parametrize("param", ["digits=0", "digits=13", "terms=1", "ops=+%", "ops=", "n=0"])
def test_bad_parameters_are_clear_spec_errors(param: str) -> None:
    with pytest.raises(BadTaskSpec, match="arithmetic"):
        from_spec(f"arithmetic:{param}")


def test_same_seed_same_problems_other_seed_other_problems() -> None:
    def prompts(seed: int) -> list[str]:
        return [e.problem.prompt for e in arithmetic(terms="2-4", n=20, seed=seed).examples()]

    assert prompts(7) == prompts(7)
    assert prompts(7) != prompts(8)


def test_operands_have_the_asked_digits_and_count() -> None:
    for example in arithmetic(digits=4, terms=3, n=50).examples():
        operands = re.findall(r"[0-9]+", example.problem.payload["expression"])
        assert len(operands) == 3
        assert all(len(op) == 4 for op in operands)
        assert example.problem.prompt == f"What is {example.problem.payload['expression']}?"


def test_parens_false_writes_no_parentheses() -> None:
    for example in arithmetic(terms=4, n=30, parens=False).examples():
        assert "(" not in example.problem.prompt


def test_parens_true_produces_grouped_expressions() -> None:
    prompts = [e.problem.prompt for e in arithmetic(terms=4, n=30).examples()]
    assert any("(" in p for p in prompts)


def test_problem_carries_no_gold_and_no_program_inputs() -> None:
    problem = next(iter(arithmetic().examples())).problem
    assert set(problem.payload) == {"expression"}
    assert problem.program_inputs == {}


def test_gold_is_the_value_of_the_text_shown_and_round_trips() -> None:
    task = arithmetic(digits="1-4", terms="2-4", n=25)
    examples = list(task.examples())
    for example in examples:
        assert example.gold == evaluate_arithmetic(example.problem.payload["expression"])
        value = task.parse(task.format(example.gold))
        assert value == example.gold
        assert task.score(example, value)
        assert task.check(example.problem, value).passed
    assert any(e.gold.denominator != 1 for e in examples)  # division yields rationals


def test_off_by_one_scores_wrong_and_check_does_not_reveal_the_value() -> None:
    task = arithmetic()
    example = example_for("4127 * 5893")
    wrong = example.gold + 1
    assert not task.score(example, wrong)
    verdict = task.check(example.problem, wrong)
    assert verdict.failed
    assert str(example.gold) not in verdict.evidence
    assert task.check(example.problem, None).failed


@pytest.mark.parametrize(
    ("expression", "reply"),
    [
        ("500 + 734", "The answer is 1,234."),
        ("12 - 68", "12 - 68 = -56"),
        ("3 / 4", "0.75"),
        ("3 / 4", "Answer: 3/4"),
        ("7 / 2", "3 1/2"),
        ("1234 / 56", "22.035714285714285"),  # what a PAL program prints
        ("1234 / 617 * 3", "5.999999999999999"),
    ],
)
def test_accepted_answer_forms(expression: str, reply: str) -> None:
    task, example = arithmetic(), example_for(expression)
    assert task.score(example, task.parse(reply))


@pytest.mark.parametrize(
    ("expression", "reply"),
    [("1234 / 56", "22.04"), ("1234 / 56", "22"), ("500 + 734", "1235"), ("3 / 4", "")],
)
def test_rejected_answer_forms(expression: str, reply: str) -> None:
    task, example = arithmetic(), example_for(expression)
    assert not task.score(example, task.parse(reply))


def test_render_keeps_only_needed_parentheses() -> None:
    assert render(Node("-", 1, Node("-", 2, 3))) == "1 - (2 - 3)"
    assert render(Node("+", 1, Node("+", 2, 3))) == "1 + 2 + 3"
    assert render(Node("*", Node("+", 1, 2), 3)) == "(1 + 2) * 3"
    assert render(Node("/", 8, Node("*", 2, 2))) == "8 / (2 * 2)"
    assert render(Node("+", Node("*", 1, 2), 3)) == "1 * 2 + 3"


def value_of(node: Node | int) -> Fraction:
    if isinstance(node, int):
        return Fraction(node)
    left, right = value_of(node.left), value_of(node.right)
    ops = {"+": left + right, "-": left - right, "*": left * right}
    return ops[node.op] if node.op in ops else left / right


trees = st.recursive(
    st.integers(min_value=1, max_value=999),
    lambda inner: st.builds(Node, st.sampled_from("+-*/"), inner, inner),
    max_leaves=6,
)


@given(trees)
def test_rendering_preserves_the_value_of_any_tree(tree: Node | int) -> None:
    try:
        expected = value_of(tree)
    except ZeroDivisionError:
        return
    assert evaluate_arithmetic(render(tree)) == expected


@given(st.integers(min_value=0, max_value=2**32), st.integers(1, 5), st.integers(2, 6))
def test_random_expressions_are_valid_for_any_seed(seed: int, digits: int, terms: int) -> None:
    text, value = random_expression(random.Random(seed), digits, terms, "+-*/", True)
    assert evaluate_arithmetic(text) == value


def test_nine_pal_exemplars_cover_parentheses_and_score_their_own_questions() -> None:
    task = arithmetic()
    exemplars = task.pal_exemplars()
    assert len(exemplars) == 9
    assert sum("(" in e.program for e in exemplars) >= 4
    assert sum(len(re.findall(r"[0-9]+", e.program)) >= 4 for e in exemplars) >= 4
    for exemplar, expression in zip(exemplars, PAL_EXPRESSIONS, strict=True):
        assert exemplar.program == f"expression = {expression}\nprint(expression)\n"
        assert exemplar.question == f"What is {expression}?"
        assert exemplar.inputs == {}
        operands = re.findall(r"[0-9]+", expression)
        assert 2 <= len(operands) <= 4 and all(2 <= len(op) <= 4 for op in operands)
        output = run_exemplar(exemplar.program, exemplar.inputs)
        assert task.score(example_for(expression), task.parse(output)), (expression, output)


def test_direct_exemplars_are_right() -> None:
    task = arithmetic()
    for question, answer in task.direct_exemplars():
        expression = question.removeprefix("What is ").removesuffix("?")
        assert task.score(example_for(expression), task.parse(answer))


@settings(max_examples=200)
@given(st.text())
def test_no_text_crashes_the_parser(text: str) -> None:
    value = arithmetic().parse(text)
    assert value is None or isinstance(value, Fraction)
