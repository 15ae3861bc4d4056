"""Answers read as a person writes them where a person reads them; the exact value is kept."""

from __future__ import annotations

import os
import subprocess
import sys
from fractions import Fraction

from conftest import REPO
from hypothesis import given
from hypothesis import strategies as st

from reasoner import load_task
from reasoner.answers import parse_number
from reasoner.display import number_text, shown, shown_for_question
from reasoner.task import Task

PENCILS = "What do 24 pencils cost in dollars, at 3 for 45 cents?"


def test_a_terminating_fraction_is_written_as_its_exact_decimal():
    assert number_text(Fraction(18, 5)) == "3.6"
    assert number_text(Fraction(-1, 8)) == "-0.125"
    assert number_text(Fraction(12)) == "12"


def test_money_is_written_in_cents():
    assert number_text(Fraction(18, 5), money=True) == "3.60"
    assert number_text(Fraction(7, 4), money=True) == "1.75"
    assert number_text(Fraction(5), money=True) == "5"
    assert number_text(Fraction(10, 3), money=True) == "≈3.33"


def test_a_repeating_fraction_is_rounded_and_marked():
    assert number_text(Fraction(1, 3)) == "≈0.333333"
    assert number_text(Fraction(-2, 3)) == "≈-0.666667"
    assert number_text(Fraction(1, 7_000_000)) == "≈0"


@given(st.integers(-(10**9), 10**9), st.integers(0, 6), st.integers(0, 6))
def test_an_exact_decimal_reads_back_to_the_same_value(numerator, twos, fives):
    value = Fraction(numerator, 2**twos * 5**fives)
    assert parse_number(number_text(value)) == value


@given(st.fractions(min_value=-(10**6), max_value=10**6))
def test_a_rounded_value_is_within_half_its_last_place(value):
    text = number_text(value)
    if text.startswith("≈"):
        assert abs(parse_number(text.removeprefix("≈")) - value) <= Fraction(1, 2 * 10**6)
    else:
        assert parse_number(text) == value


def test_the_pencil_question_answer_shows_as_dollars_and_cents():
    # The example: the 1.5B model's "18/5" to a question asked in dollars.
    assert shown_for_question(PENCILS, "18/5") == "3.60"
    assert shown_for_question("What is 7 / 4?", "7/4") == "1.75"
    assert shown_for_question("What is the capital of France?", "Answer: Paris") == "Paris"


def test_numeric_tasks_display_decimals_and_keep_the_canonical_text_for_scoring():
    arithmetic = load_task("arithmetic:n=1")
    example = next(arithmetic.examples())
    assert arithmetic.display("7/4", example.problem) == "1.75"
    assert arithmetic.format(arithmetic.parse("1.75")) == "7/4"  # scoring's form is unchanged
    hanoi = load_task("hanoi:disks=1,per_size=1")
    moves = "Move disk 1 from A to C"
    assert hanoi.display(moves) == moves


class BrokenDisplay(Task):
    name = "broken"

    def examples(self):
        return iter(())

    def parse(self, text):
        return text

    def check(self, problem, value):
        raise NotImplementedError

    def score(self, example, value):
        return False

    def display(self, answer, problem=None):
        raise RuntimeError("plug-in bug")


def test_a_plugins_failing_display_shows_the_canonical_answer():
    assert shown(BrokenDisplay(), "42") == "42"


def test_reasoner_run_prints_the_answer_as_a_person_writes_it():
    done = subprocess.run(
        [sys.executable, "-m", "reasoner", "run", "-m", "scripted:Answer: 18/5", "-s", "direct"]
        + [PENCILS],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "3.60"


def test_reasoner_run_with_a_task_shows_decimals():
    done = subprocess.run(
        [sys.executable, "-m", "reasoner", "run", "-m", "scripted:Answer: 7/4", "-s", "direct"]
        + ["-t", "arithmetic:n=1,digits=1", "--limit", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stderr
    assert "answer: 1.75" in done.stdout


def test_the_html_report_shows_numbers_as_a_person_writes_them():
    from reasoner.report.html_report import render_html
    from reasoner.report.metrics import summarize
    from reasoner.types import Result

    result = Result(
        task="arithmetic:n=1",
        problem_id="p1",
        pipeline="pal",
        answer="18/5",
        abstained=False,
        correct=True,
        gold="18/5",
        gold_text="18/5",
    )
    summary = summarize([result], tasks=["arithmetic:n=1"], pipelines=["pal"], seed=0, config={})
    html = render_html(summary, [result], plots={})
    assert "answer <code title='18/5'>3.6</code>" in html
    assert "gold <code title='18/5'>3.6</code>" in html
