"""The CLI as a user meets it: one-line errors with a non-zero exit, and real answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from reasoner.cli import app, main

runner = CliRunner()


def invoke_main(args: list[str], monkeypatch, capsys) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["reasoner", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


def test_run_answers_a_question_with_the_given_model():
    result = runner.invoke(app, ["run", "-m", "scripted:Answer: 5", "-s", "direct", "What is 2+3?"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "5"


def test_eval_then_report_markdown_prints_the_runs_table(tmp_path):
    out = tmp_path / "run"
    args = ["eval", "-m", "scripted:Answer: 5", "-s", "direct", "-t", "arithmetic:n=3"]
    result = runner.invoke(app, [*args, "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["report", str(out), "--markdown"])
    assert result.exit_code == 0, result.output
    # The runs table comes first; the confidence table and its legend follow a blank line.
    lines = result.output.split("\n\n")[0].splitlines()
    assert lines[0].startswith("| task | pipeline | n |") and len(lines) == 3
    assert lines[2].startswith("| `arithmetic:n=3` | `direct` | 3 | ")
    assert "| AURC | ECE |" in result.output


def test_run_json_prints_the_full_answer():
    result = runner.invoke(
        app, ["run", "-m", "scripted:Answer: 5", "-s", "direct", "--json", "2+3?"]
    )
    answer = json.loads(result.output[result.output.index("{") :])
    assert answer["value"] == "5" and answer["trace"] and answer["pipeline"] == "direct"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "-s", "pal >> nope", "q"], "unknown stage 'nope'"),
        (["run", "-m", "nosuch:x", "-s", "direct", "q"], "unknown backend 'nosuch'"),
        (["run", "-m", "hf:/nonexistent/dir", "-s", "direct", "q"], "does not exist"),
        (["run", "-m", "scripted", "-s", "direct", "-t", "hanoi:disks=abc"], "bad disks='abc'"),
        (
            ["run", "-m", "scripted", "-s", "direct", "-t", "gsm8k:path=/no/such.jsonl"],
            "/no/such.jsonl",
        ),
        (["run", "-m", "scripted", "-s", "direct"], "give a question"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message, monkeypatch, capsys):
    code, _out, err = invoke_main(args, monkeypatch, capsys)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_run_on_a_task_prints_each_problem_and_its_score():
    result = runner.invoke(
        app,
        ["run", "-m", "scripted:Answer: 7", "-s", "direct", "-t", "arithmetic:n=2", "--limit", "2"],
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("answer: 7") == 2


@pytest.mark.model
def test_reasoner_run_prints_an_answer_from_the_real_model():
    env = dict(os.environ, COLUMNS="120")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "reasoner",
            "run",
            "--model",
            "smollm2",
            "--strategy",
            "direct",
            "What is 2 + 3?",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=True,
    )
    assert done.stdout.strip(), done.stderr
