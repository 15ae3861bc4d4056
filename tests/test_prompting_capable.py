"""Reading answers from a capable model's replies: numbers inside its Python are not answers."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from reasoner.loading import load_task
from reasoner.prompting import attempt_from, prose_of
from reasoner.types import Completion, Generation
from reasoner_strategies.cove import parse_questions


@pytest.fixture
def gsm(tmp_path: Path):
    data = tmp_path / "one.jsonl"
    data.write_text(json.dumps({"question": "What is 9 * 2?", "answer": "#### 18"}) + "\n")
    return load_task(f"gsm8k:path={data}")


def answer_of(task, text: str):
    generation = Generation(
        completions=[Completion(text=text, tokens_out=5)], tokens_in=3, latency_s=0.1
    )
    return attempt_from("direct", task, generation, generation.completions[0]).answer


def test_a_reply_that_is_only_python_has_no_answer(gsm) -> None:
    reply = "```python\nitems = 9\nprint(items * 2)\n```"
    assert answer_of(gsm, reply) is None


def test_the_stated_answer_after_a_program_is_read(gsm) -> None:
    reply = "```python\nx = 9 * 2\nprint(x)\n```\nRunning it prints 18, so the answer is 18."
    assert answer_of(gsm, reply) == "18"


def test_boxed_latex_answer_is_read(gsm) -> None:
    reply = "We have $9 \\times 2 = 18$ apples.\n\\[\n\\boxed{18}\n\\]"
    assert answer_of(gsm, reply) == "18"


def test_prose_keeps_unlabelled_fences_and_plain_text() -> None:
    assert prose_of("```\nAnswer: 3\n```") == "```\nAnswer: 3\n```"
    assert "Answer: 7" in prose_of("```py\nprint(1)\n```\nAnswer: 7")
    assert gsm_number("```python\nprint(5)") is None


def gsm_number(text: str) -> Fraction | None:
    from reasoner.answers import parse_number

    return parse_number(prose_of(text)) if prose_of(text).strip() else None


# The 1.5B model's plan for a GSM8K item, as it wrote it: each question answered on its line.
QWEN_PLAN = """1. How many centimeters shorter will the candle be after burning from 1:00 PM to 5:00 PM? ? 10
2. If the candle burns at a rate of 2 centimeters per hour, how many hours will it take to burn completely? ? 4
3. If the candle burns for 4 hours, how many centimeters will it have burned? ? 8"""


def test_cove_reads_questions_without_the_answers_written_beside_them() -> None:
    assert parse_questions(QWEN_PLAN, 3) == [
        "How many centimeters shorter will the candle be after burning from 1:00 PM to 5:00 PM?",
        "If the candle burns at a rate of 2 centimeters per hour, how many hours will it take "
        "to burn completely?",
        "If the candle burns for 4 hours, how many centimeters will it have burned?",
    ]


@pytest.mark.parametrize(
    ("plan", "expected"),
    [
        ("- Is 3+4 equal to 7?\n* What is 5?", ["Is 3+4 equal to 7?", "What is 5?"]),
        ("**Question 2:** What is 2*5?\nQ3: Is it even?", ["What is 2*5?", "Is it even?"]),
        ("1) Is 10 > 9? Yes.\n2) Is 10 > 9?", ["Is 10 > 9?"]),  # duplicates once
        ("Here are the checks:\nno question here\n?", []),
    ],
)
def test_cove_question_lines_numbered_bulleted_labelled_or_bare(plan, expected) -> None:
    assert parse_questions(plan, 5) == expected
