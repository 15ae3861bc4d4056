"""What `reasoner run` tells a user when there is no answer, and how many problems it ran."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from reasoner import BadQuestion, ReasonerError, solve
from reasoner.cli import EXIT_ABSTAINED, EXIT_NO_ANSWER, app, main
from reasoner.models.scripted import ScriptedModel
from reasoner.outcomes import outcome_line
from reasoner.types import Answer, Attempt, TraceEvent

runner = CliRunner()


def invoke_main(args: list[str], monkeypatch, capsys) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["reasoner", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


def test_a_failed_program_prints_its_error_in_one_line_and_exits_1(monkeypatch, capsys):
    code, out, err = invoke_main(
        ["run", "-m", "scripted:print(legs.l)", "-s", "pal", "How many legs?"], monkeypatch, capsys
    )
    assert code == EXIT_NO_ANSWER == 1
    assert out == ""  # stdout carries answers only
    (line,) = err.strip().splitlines()
    assert line.startswith("no answer (pal): ")
    assert "NameError" in line and "legs" in line and "--json" in line
    assert "None" not in line


def test_an_abstention_prints_why_and_exits_3(monkeypatch, capsys):
    spec = "direct >> vote(n=2) >> abstain(t=0.9)"
    code, out, err = invoke_main(
        ["run", "-m", "scripted:Answer: 5|Answer: 6", "-s", spec, "How many legs?"],
        monkeypatch,
        capsys,
    )
    assert code == EXIT_ABSTAINED == 3
    assert out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith(f"abstained ({spec}): confidence 0.50 is below t=0.9")


def test_json_keeps_the_exit_code_and_prints_the_whole_answer(monkeypatch, capsys):
    code, out, err = invoke_main(
        ["run", "--json", "-m", "scripted:print(legs.l)", "-s", "pal", "How many legs?"],
        monkeypatch,
        capsys,
    )
    assert code == EXIT_NO_ANSWER
    answer = Answer.model_validate_json(out)
    assert answer.value is None and answer.trace
    assert err.startswith("no answer (pal): ")


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_an_empty_question_is_refused_before_the_model_loads(question, monkeypatch, capsys):
    # The model spec points nowhere: loading it first would fail with another message.
    code, out, err = invoke_main(
        ["run", "-m", "hf:/nonexistent/model", question], monkeypatch, capsys
    )
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert "the question is empty" in line and "nonexistent" not in line


def test_solve_refuses_an_empty_question_with_bad_question():
    with pytest.raises(BadQuestion, match="the question is empty") as info:
        solve("  ", "direct", "hf:/nonexistent/model")
    assert isinstance(info.value, ReasonerError)


def test_run_on_a_task_says_how_many_problems_ran_and_ends_with_a_score():
    result = runner.invoke(
        app, ["run", "-m", "scripted:Answer: 7", "-s", "direct", "-t", "arithmetic:n=5"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert "ran 3 of 5 problems of arithmetic:n=5 (--limit 3; --limit 0 runs all)" in lines
    assert lines[-1] == "score: 0/3 correct"


def test_run_on_two_tasks_scores_each_then_the_total():
    answer = "Answer: 7"
    result = runner.invoke(
        app,
        ["run", "-m", f"scripted:{answer}", "-s", "direct", "-t", "arithmetic:n=2"]
        + ["-t", "hanoi:disks=1", "--limit", "0"],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert "ran 2 of 2 problems of arithmetic:n=2" in lines
    assert "ran 3 of 3 problems of hanoi:disks=1" in lines
    assert "score: 0/3 correct (3 without an answer)" in lines
    assert lines[-1] == "total: 0/5 correct"


def test_outcome_line_prefers_the_stage_error_then_the_last_failure():
    assert outcome_line(Answer(value="5")) is None
    assert outcome_line(Answer(value=None, error="stage 'x' failed: boom", pipeline="x")) == (
        "no answer (x): stage 'x' failed: boom"
    )
    trace = [
        TraceEvent(stage="pal", kind="attempt", content="(no answer)", data={"error": "first"}),
        TraceEvent(
            stage="check", kind="verdict", content="last", data={"status": "failed", "checker": "t"}
        ),
    ]
    failed = Answer(value=None, trace=trace, attempts=[Attempt(strategy="pal", error="first")])
    assert outcome_line(failed) == "no answer: t check failed: last"
    silent = Answer(value=None, attempts=[Attempt(strategy="direct", text="hm")])
    assert outcome_line(silent) == "no answer: the model's reply had no answer in the required form"


def test_solve_with_a_scripted_model_gives_a_reason_for_no_answer():
    answer = solve("How many legs?", "pal", ScriptedModel(["print(legs.l)"]))
    assert answer.value is None
    assert "NameError" in (outcome_line(answer) or "")


def test_tables_are_not_wrapped_at_80_columns_when_stdout_is_not_a_terminal(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    done = subprocess.run(
        [sys.executable, "-m", "reasoner", "eval", "-m", "scripted:Answer: 7", "-s"]
        + ["direct >> vote(n=3, temperature=0.7) >> abstain(t=0.75)", "-t", "arithmetic:n=2"]
        + ["--out", str(tmp_path / "run"), "--no-progress"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=True,
    )
    lines = done.stdout.splitlines()
    # The whole pipeline spec on one line, and the legend in one line (not cut at 80).
    assert any("direct >> vote(n=3, temperature=0.7) >> abstain(t=0.75)" in ln for ln in lines)
    legend = next(ln for ln in lines if ln.startswith("n: problems"))
    assert len(legend) > 80 and "err: problems whose run failed" in legend


def test_a_failed_checker_is_named_once():
    def failed(checker: str) -> Answer:
        event = TraceEvent(
            stage="s", kind="verdict", content="why", data={"status": "failed", "checker": checker}
        )
        return Answer(value=None, trace=[event], attempts=[Attempt(strategy="pal")])

    assert outcome_line(failed("check")) == "no answer: check failed: why"
    assert outcome_line(failed("double_check")) == "no answer: double_check failed: why"
    assert outcome_line(failed("hanoi")) == "no answer: hanoi check failed: why"


@pytest.mark.model
def test_the_real_model_s_failed_answer_is_explained_in_one_line(smollm2):
    # Greedy SmolLM2-135M writes `legs.l` for this question (issue 15's example).
    answer = solve("How many legs do 3 spiders and 2 ants have?", "pal >> check", smollm2)
    line = outcome_line(answer)
    if answer.value is not None:
        assert line is None
        return
    assert line is not None and line.startswith("no answer (pal >> check): ")
    assert "None" not in line and len(line.splitlines()) == 1
