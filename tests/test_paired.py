"""Paired differences: counts, interval and McNemar p on hand-made outcomes, and the CLI."""

from __future__ import annotations

import pytest
from scipy.stats import binomtest
from typer.testing import CliRunner

from reasoner.cli import app
from reasoner.report.paired import compare, mcnemar_p, paired_differences, paired_markdown
from reasoner.types import Result


def _result(pid: str, pipeline: str, kind: str, task: str = "t") -> Result:
    return Result.model_validate(
        {
            "task": task,
            "problem_id": pid,
            "pipeline": pipeline,
            "answer": None if kind == "abstained" else "1",
            "abstained": kind == "abstained",
            "correct": kind == "correct",
        }
    )


@pytest.mark.parametrize(("a_only", "b_only"), [(0, 0), (5, 0), (31, 5), (7, 9), (0, 12)])
def test_mcnemar_p_is_the_exact_two_sided_binomial_test(a_only, b_only):
    expected = 1.0 if a_only + b_only == 0 else binomtest(a_only, a_only + b_only).pvalue
    assert mcnemar_p(a_only, b_only) == pytest.approx(expected)


def test_pairs_count_only_common_problems_and_abstaining_is_not_right():
    run_a = [_result(f"p{i}", "pal", "correct") for i in range(8)]
    run_a += [_result("p8", "pal", "abstained"), _result("p9", "pal", "wrong")]
    run_a += [_result("only-in-a", "pal", "correct")]
    run_b = [_result(f"p{i}", "cot", "correct" if i < 3 else "wrong") for i in range(10)]
    run_b[9] = _result("p9", "cot", "correct")
    (row,) = paired_differences([("a", run_a), ("b", run_b)])
    assert (row.a, row.b, row.n) == ("pal", "cot", 10)
    assert (row.a_right, row.b_right, row.a_only, row.b_only) == (8, 4, 5, 1)
    assert row.difference == pytest.approx(0.4)
    assert -1 <= row.ci95[0] < 0.4 < row.ci95[1] <= 1
    assert row.p_value == pytest.approx(binomtest(5, 6).pvalue)


def test_identical_outcomes_give_a_zero_interval_and_p_1():
    row = compare("t", "a", "b", {"x": True, "y": False}, {"x": True, "y": False})
    assert row is not None
    assert (row.difference, row.ci95, row.p_value) == (0.0, (0.0, 0.0), 1.0)


def test_same_pipeline_in_two_runs_is_named_by_run_and_tasks_stay_apart():
    run_a = [_result("p1", "pal", "correct"), _result("q1", "pal", "wrong", task="u")]
    run_b = [_result("p1", "pal", "wrong"), _result("p1", "pal", "correct")]  # resumed twice
    rows = paired_differences([("first", run_a), ("second", run_b)])
    assert [(r.task, r.a, r.b) for r in rows] == [("t", "pal [first]", "pal [second]")]
    assert (rows[0].a_only, rows[0].b_only) == (1, 0)  # the first line of p1 counts


def test_markdown_names_the_task_once_and_escapes_pipes():
    runs = [("r", [_result("p", name, "correct") for name in ("a", "b|c", "d")])]
    text = paired_markdown(paired_differences(runs))
    lines = text.splitlines()
    assert lines[0].startswith("| task | A | B | n |")
    assert lines[2].startswith("| `t` | `a` | `b\\|c` | 1 |")
    assert lines[3].startswith("|  | `a` | `d` |") and len(lines) == 7
    assert paired_markdown([]) == ""


def test_report_paired_compares_the_pipelines_of_two_runs(tmp_path):
    runner = CliRunner()
    for name, reply in (("five", "Answer: 5"), ("six", "Answer: 6")):
        args = ["eval", "-m", f"scripted:{reply}", "-s", "direct", "-t", "arithmetic:n=4"]
        result = runner.invoke(app, [*args, "--out", str(tmp_path / name), "--no-progress"])
        assert result.exit_code == 0, result.output
    outs = [str(tmp_path / "five"), str(tmp_path / "six")]
    result = runner.invoke(app, ["report", *outs, "--paired", "--markdown"])
    assert result.exit_code == 0, result.output
    assert "| `arithmetic:n=4` | `direct [five]` | `direct [six]` | 4 |" in result.output
    result = runner.invoke(app, ["report", *outs, "--paired"])
    assert result.exit_code == 0 and "paired differences" in result.output
