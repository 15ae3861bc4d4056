"""Shared answer helpers: number parsing, formatting, comparison, safe arithmetic."""

from __future__ import annotations

import contextlib
import time
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reasoner.answers import (
    ArithmeticExpressionError,
    answer_segment,
    evaluate_arithmetic,
    format_number,
    leading_number,
    numbers_equal,
    numbers_in,
    parse_number,
    to_fraction,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The answer is 1,234.", Fraction(1234)),
        ("so x = -56", Fraction(-56)),
        ("= -56", Fraction(-56)),
        ("Answer: $1,234.50", Fraction(246_900, 200)),
        ("She has 12 apples", Fraction(12)),
        ("3/4", Fraction(3, 4)),
        ("-3/4", Fraction(-3, 4)),
        ("0.75", Fraction(3, 4)),
        ("The answer is 2 1/2 cups", Fraction(5, 2)),
        ("Answer: 3 + 4 = 7", Fraction(7)),
        ("The answer is 5. Then 6 + 7 = 13", Fraction(5)),
        ("1e+16", Fraction(10**16)),
        ("2.5e-3", Fraction(1, 400)),
        ("\\boxed{\\frac{3}{4}}", Fraction(3, 4)),
        ("The result is \\boxed{42}.", Fraction(42)),
        ("#### 1,000", Fraction(1000)),
        ("**Answer:** 42", Fraction(42)),
        ("The answer is:\n\n42", Fraction(42)),
        ("\u22127", Fraction(-7)),
        ("So 12 - 5 = 7 apples.", Fraction(7)),
        ("5 - 3", Fraction(3)),  # a binary minus is not a sign
        ("50%", Fraction(50)),
        ("10,000,000 people", Fraction(10_000_000)),
        ("1806106.8000000003", Fraction("1806106.8000000003")),
        ("We get 3 then 4 then 10.", Fraction(10)),
    ],
)
def test_parse_number_reads_common_answer_forms(text: str, expected: Fraction) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "no numbers here", "Answer: unknown", "The answer is not clear", "3/0", "1" * 5000],
)
def test_parse_number_gives_none_rather_than_a_guess(text: str) -> None:
    assert parse_number(text) is None


def test_marked_answer_wins_over_later_numbers() -> None:
    assert parse_number("Answer: 12\nI checked 3 times in 5 minutes.") == 12


def test_last_marker_wins() -> None:
    assert parse_number("The answer is 3. Wait, no: the answer is 4.") == 4


def test_answer_segment_reads_boxed_with_nested_braces() -> None:
    assert answer_segment("so \\boxed{\\frac{1}{2}} done") == "\\frac{1}{2}"
    assert answer_segment("nothing marked") is None


def test_leading_number_needs_the_number_first() -> None:
    assert leading_number("$12.50 per hour") == Fraction(25, 2)
    assert leading_number("**7** apples") == 7
    assert leading_number("June 3") is None


def test_numbers_in_keeps_order_and_reads_thousands() -> None:
    assert numbers_in("1,234 and 5.5 and -2") == [Fraction(1234), Fraction(11, 2), Fraction(-2)]


@pytest.mark.parametrize(
    ("value", "fraction_text", "decimal_text"),
    [
        (Fraction(1234), "1234", "1234"),
        (Fraction(-3, 4), "-3/4", "-0.75"),
        (Fraction(11, 4), "11/4", "2.75"),
        (Fraction(1, 3), "1/3", "1/3"),
        (Fraction(-1, 40), "-1/40", "-0.025"),
    ],
)
def test_format_number_styles(value: Fraction, fraction_text: str, decimal_text: str) -> None:
    assert format_number(value) == fraction_text
    assert format_number(value, decimal=True) == decimal_text


fractions = st.fractions(max_denominator=10**6).filter(lambda f: abs(f) < 10**15)


@given(fractions, st.booleans())
def test_format_number_round_trips_through_parse(value: Fraction, decimal: bool) -> None:
    assert parse_number(format_number(value, decimal=decimal)) == value


def test_integers_compare_exactly_at_any_size() -> None:
    assert not numbers_equal(Fraction(6_277_334_000), Fraction(6_277_334_001))
    assert numbers_equal(Fraction(10**20), Fraction(10**20))


def test_float_renderings_match_within_tolerance() -> None:
    assert numbers_equal(Fraction("1806106.8000000003"), Fraction("1806106.8"))
    assert numbers_equal(Fraction("5.999999999999999"), Fraction(6))
    assert not numbers_equal(Fraction("22.04"), Fraction(617, 28))
    assert not numbers_equal(Fraction("12345678.9"), Fraction("12345678.8"))


def test_huge_non_integers_off_by_one_do_not_match() -> None:
    gold = Fraction("9284017268534.4")
    assert not numbers_equal(gold + 1, gold)
    assert numbers_equal(Fraction("9284017268534.402"), gold)  # one float ulp away


def test_to_fraction_reads_gold_values() -> None:
    assert to_fraction(0.1) == Fraction(1, 10)
    assert to_fraction(6277334000.0) == 6277334000
    assert to_fraction("1,234") == 1234
    assert to_fraction(Fraction(1, 3)) == Fraction(1, 3)
    for bad in (float("nan"), float("inf"), True, "twelve", "", None, [1]):
        with pytest.raises(ValueError):
            to_fraction(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("(123 + 45) * 6 / 7", Fraction(1008, 7)),
        ("2^10", Fraction(1024)),
        ("2 ** -2", Fraction(1, 4)),
        ("-(3 - 5)", Fraction(2)),
        ("1.5 * 4", Fraction(6)),
        ("7 \u00f7 2 \u00d7 3 \u2212 1", Fraction(19, 2)),
        ("1 / 3 + 1 / 6", Fraction(1, 2)),
    ],
)
def test_evaluate_arithmetic_is_exact(expression: str, value: Fraction) -> None:
    assert evaluate_arithmetic(expression) == value


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('echo hi')",
        "(1).__class__",
        "x + 1",
        "[1, 2]",
        "'a' * 3",
        "1 if 1 else 2",
        "1 < 2",
        "9 ** 9 ** 9",
        "10 ** 100000",
        "2 ** 0.5",
        "1 / 0",
        "0 ** -1",
        "1e999",
        "True + 1",
        "",
        "1 +" * 400 + "1",
        "(" * 300 + "1" + ")" * 300,
        "-" * 900 + "1",
    ],
)
def test_evaluate_arithmetic_refuses_everything_else(expression: str) -> None:
    with pytest.raises(ArithmeticExpressionError):
        evaluate_arithmetic(expression)


def test_evaluate_arithmetic_stops_growth_quickly() -> None:
    start = time.perf_counter()
    with pytest.raises(ArithmeticExpressionError):
        evaluate_arithmetic("99999999 * " * 120 + "9")
    assert time.perf_counter() - start < 1.0


@st.composite
def expression_trees(draw: st.DrawFn, depth: int = 3) -> tuple[str, Fraction]:
    if depth == 0 or draw(st.booleans()):
        n = draw(st.integers(min_value=0, max_value=10**6))
        return str(n), Fraction(n)
    left_text, left = draw(expression_trees(depth - 1))
    right_text, right = draw(expression_trees(depth - 1))
    op = draw(st.sampled_from("+-*/"))
    if op == "/" and right == 0:
        op = "+"
    value = {"+": left + right, "-": left - right, "*": left * right}.get(op)
    return f"({left_text} {op} {right_text})", value if value is not None else left / right


@given(expression_trees())
def test_evaluate_arithmetic_agrees_with_fraction_arithmetic(case: tuple[str, Fraction]) -> None:
    text, value = case
    assert evaluate_arithmetic(text) == value


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_no_text_crashes_the_number_parsers(text: str) -> None:
    result = parse_number(text)
    assert result is None or isinstance(result, Fraction)
    assert all(isinstance(x, Fraction) for x in numbers_in(text))
    answer_segment(text)
    leading_number(text)


@settings(max_examples=300)
@given(st.text(alphabet="0123456789+-*/^(). e_jx\u00d7", max_size=80))
def test_evaluate_arithmetic_only_raises_its_own_error(text: str) -> None:
    with contextlib.suppress(ArithmeticExpressionError):
        assert isinstance(evaluate_arithmetic(text), Fraction)
