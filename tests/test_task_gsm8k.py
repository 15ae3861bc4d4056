"""GSM8K / GSM-Hard task: loading real and corrupted files, numeric grading, exemplars."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from task_helpers import from_spec, run_exemplar

from reasoner.errors import BadTaskSpec, TaskFileError
from reasoner.types import Example, Problem
from reasoner_tasks.gsm8k import Gsm8kTask, answers_match, gsm8k
from reasoner_tasks.gsm8k.prompts import WORKED

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def gsm8k_line(question: str = "How many?", answer: str = "2 + 3 = 5\n#### 5") -> str:
    return json.dumps({"question": question, "answer": answer})


@pytest.fixture(scope="module")
def task(tmp_path_factory: pytest.TempPathFactory) -> Gsm8kTask:
    path = tmp_path_factory.mktemp("gsm8k") / "one.jsonl"
    path.write_text(gsm8k_line(), encoding="utf-8")
    return gsm8k(path=str(path))


@pytest.mark.parametrize(("folder", "source"), [("gsm8k", "gsm8k"), ("gsm-hard", "gsm-hard")])
def test_dev_files_load_cleanly_and_gold_scores_every_row(folder: str, source: str) -> None:
    path = DATA / folder / "dev.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    task = from_spec(f"gsm8k:path={path}")
    examples = list(task.examples())
    assert task.errors == []
    assert len(examples) == 200
    assert len({e.problem.id for e in examples}) == 200
    for example in examples:
        assert example.problem.difficulty["source"] == source
        assert task.score(example, task.parse(task.format(example.gold)))
        assert not task.score(example, task.parse(task.format(example.gold + 1)))


def test_corrupted_file_loads_good_rows_and_names_bad_lines(tmp_path: Path) -> None:
    lines = [
        gsm8k_line(),  # 1 good
        '{"question": "broken", "answer": ',  # 2 bad JSON
        json.dumps({"question": "No answer field"}),  # 3 missing field
        gsm8k_line(answer="so\n#### many"),  # 4 non-numeric answer
        "",  # 5 blank: skipped silently
        json.dumps({"input": "Hard one?", "target": 12.5}),  # 6 good GSM-Hard
        json.dumps({"input": "Hard two?", "target": "lots"}),  # 7 non-numeric target
        json.dumps([1, 2]),  # 8 not an object
        gsm8k_line(answer="no final line"),  # 9 no ####
        json.dumps({"text": "what"}),  # 10 unknown fields
    ]
    lines += [json.dumps({"question": "Numeric answer?", "answer": 7})]  # 11 good
    lines += ['{"question": "Not finite?", "answer": NaN}']  # 12 bad number
    data = "\n".join(lines).encode() + b'\n{"question": "caf\xe9", "answer": "#### 1"}\n'  # 13
    path = tmp_path / "bad.jsonl"
    path.write_bytes(data)
    task = gsm8k(path=str(path))
    assert [e.gold for e in task.examples()] == [Fraction(5), Fraction(25, 2), Fraction(7)]
    found = {error.line: error.message for error in task.errors}
    assert sorted(found) == [2, 3, 4, 7, 8, 9, 10, 12, 13]
    assert found[2].startswith("bad JSON")
    assert found[3] == "missing field 'answer'"
    assert "'many', not a number" in found[4]
    assert "'lots', not a number" in found[7]
    assert found[8].startswith("expected a JSON object")
    assert "no final '#### <number>' line" in found[9]
    assert "found: text" in found[10]
    assert "not a finite number" in found[12]
    assert found[13].startswith("not UTF-8 text (byte 0xe9")
    assert all(str(path) in str(error) for error in task.errors)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "is empty"), (b"\n  \n", "is empty"), (b"{oops}\n[]\n", "no usable row")],
)
def test_unusable_file_is_a_task_file_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(content)
    with pytest.raises(TaskFileError, match=message):
        gsm8k(path=str(path))


def test_missing_path_and_folder_are_task_file_errors(tmp_path: Path) -> None:
    with pytest.raises(TaskFileError, match="pass path="):
        gsm8k()
    with pytest.raises(TaskFileError, match="does not exist"):
        gsm8k(path=str(tmp_path / "nope.jsonl"))
    with pytest.raises(TaskFileError, match="is a folder"):
        gsm8k(path=str(tmp_path))


def test_byte_order_mark_and_crlf_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + gsm8k_line().encode() + b"\r\n" + gsm8k_line().encode())
    task = gsm8k(path=str(path))
    assert task.errors == [] and len(list(task.examples())) == 2


def test_limit_and_difficulty_steps(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    rows = [gsm8k_line(answer="a\nb\nc\n#### 3"), gsm8k_line(), gsm8k_line()]
    path.write_text("\n".join(rows), encoding="utf-8")
    examples = list(gsm8k(path=str(path), limit=2).examples())
    assert len(examples) == 2
    assert examples[0].problem.difficulty == {"source": "gsm8k", "steps": 3}
    assert examples[0].problem.id == "gsm8k-L1"
    assert "answer" not in examples[0].problem.payload  # no gold in what the pipeline sees


@pytest.mark.parametrize(
    ("reply", "value"),
    [
        ("The total is $1,234.50.", Fraction(246_900, 200)),
        ("She has 12 apples left.", Fraction(12)),
        ("The temperature is -5 degrees", Fraction(-5)),
        ("The answer is 1,000.", Fraction(1000)),
        ("2 + 70 = 72\n#### 72", Fraction(72)),
        ("Answer: 0.5", Fraction(1, 2)),
    ],
)
def test_parser_reads_word_problem_answers(task: Gsm8kTask, reply: str, value: Fraction) -> None:
    assert task.parse(reply) == value
    assert task.parse(task.format(value)) == value


def test_answers_match_rules() -> None:
    assert answers_match(Fraction(6_277_334_000), Fraction("6277334000.0"))
    assert not answers_match(Fraction(6_277_334_001), Fraction(6_277_334_000))
    assert answers_match(Fraction("1806106.8"), Fraction("1806106.8000000003"))
    assert answers_match(Fraction("2901807.83"), Fraction("2901807.8333333335"))
    assert not answers_match(Fraction("2901807.84"), Fraction("2901807.8333333335"))
    assert not answers_match(Fraction(2901808), Fraction("2901807.8333333335"))
    assert not answers_match(Fraction(694), Fraction(693))
    # GSM-Hard stores targets rounded to 10 places: the unrounded value matches, a near miss not.
    assert answers_match(Fraction("0.0008106057494644597"), Fraction("0.0008106057"))
    assert answers_match(Fraction("8.309940e-06"), Fraction("8.3099e-06"))
    assert not answers_match(Fraction("0.00081"), Fraction("0.0008106057"))
    assert not answers_match(Fraction("0.0008106058"), Fraction("0.0008106057"))
    # Short decimals and whole golds keep the strict rules.
    assert not answers_match(Fraction("2.54"), Fraction("2.5"))
    assert not answers_match(Fraction("12.4"), Fraction(12))


def test_check_is_unknown_except_without_a_number(task: Gsm8kTask) -> None:
    problem = next(iter(task.examples())).problem
    assert task.check(problem, Fraction(5)).status == "unknown"
    assert task.check(problem, None).failed


def test_whole_answers_fail_the_check_when_negative_or_fractional(tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(gsm8k_line(), encoding="utf-8")
    whole = from_spec(f"gsm8k:path={path},answers=whole")
    problem = next(iter(whole.examples())).problem
    assert whole.check(problem, Fraction(5)).status == "unknown"
    # A float rendering of a whole number is still whole.
    assert whole.check(problem, Fraction("18.000000000000004")).status == "unknown"
    for value, shown in [
        (Fraction(-12), "-12"),
        (Fraction("25.5"), "25.5"),
        (Fraction("0.3333333333333333"), "0.333"),
    ]:
        verdict = whole.check(problem, value)
        assert verdict.failed and shown in verdict.evidence, verdict
    anything = from_spec(f"gsm8k:path={path},answers=any")
    assert anything.check(problem, Fraction(-12)).status == "unknown"
    assert whole.answer_constraint(problem).regex != anything.answer_constraint(problem).regex
    with pytest.raises(BadTaskSpec, match="answers='integers' must be one of auto, any, whole"):
        from_spec(f"gsm8k:path={path},answers=integers")


def test_by_default_gsm8k_rows_are_whole_and_gsm_hard_rows_are_not(tmp_path: Path) -> None:
    # One file, both formats: the default decides per row by its format, never by its gold.
    path = tmp_path / "mixed.jsonl"
    hard = json.dumps({"input": "How much?", "target": -2.5})
    path.write_text(gsm8k_line() + "\n" + hard + "\n", encoding="utf-8")
    task = from_spec(f"gsm8k:path={path}")
    gsm8k_problem, hard_problem = (e.problem for e in task.examples())
    assert task.check(gsm8k_problem, Fraction(-6)).failed
    assert task.check(gsm8k_problem, Fraction(6)).status == "unknown"
    # GSM-Hard's targets are often negative or fractional, as this row's gold is.
    assert task.check(hard_problem, Fraction(-6)).status == "unknown"
    assert task.check(hard_problem, Fraction("2.5")).status == "unknown"
    assert task.answer_constraint(gsm8k_problem).regex != task.answer_constraint(hard_problem).regex
    # `answers=any` takes the claim back for a GSM8K-format file of one's own.
    anything = from_spec(f"gsm8k:path={path},answers=any")
    assert anything.check(next(iter(anything.examples())).problem, Fraction(-6)).status == "unknown"


def test_pal_exemplars_score_their_own_questions(task: Gsm8kTask) -> None:
    exemplars = task.pal_exemplars()
    assert len(exemplars) == len(WORKED) >= 3
    for exemplar, (question, _, answer) in zip(exemplars, WORKED, strict=True):
        assert exemplar.question == question and exemplar.inputs == {}
        problem = Problem(id="x", task="gsm8k", prompt=question)
        example = Example(problem=problem, gold=task.parse(answer))
        output = run_exemplar(exemplar.program, exemplar.inputs)
        assert task.score(example, task.parse(output)), output
        assert not task.score(example, task.parse(output) + 1)
    assert task.direct_exemplars() == [(q, f"Answer: {a}") for q, _, a in WORKED]


@settings(max_examples=200)
@given(text=st.text())
def test_no_text_crashes_the_parser(task: Gsm8kTask, text: str) -> None:
    value = task.parse(text)
    assert value is None or isinstance(value, Fraction)
