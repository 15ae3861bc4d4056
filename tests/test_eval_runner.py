"""The runner: scoring against gold, failures as records, concurrency, config, samples."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console
from test_eval_support import PIPELINES, run_small_eval, toy_model, toy_tasks
from toy import ToyTask, fake_runner

from reasoner import Pipeline, ReasonerError, Session
from reasoner.eval import cells, evaluate, print_summary
from reasoner.eval.store import ResultStore
from reasoner.models.base import Model
from reasoner.models.scripted import ScriptedModel
from reasoner.report.labels import task_label
from reasoner.report.markdown import markdown_table
from reasoner.report.metrics import THRESHOLDS, Summary
from reasoner.types import Generation, GenerationRequest


def _lines(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Summary]:
    """One finished small eval, shared by the tests that only read it."""
    out = tmp_path_factory.mktemp("small_run")
    return out, run_small_eval(out, n=8, seed=7)


def test_every_pipeline_runs_on_every_problem_once_in_canonical_order(small_run) -> None:
    keys = [(r["task"], r["problem_id"], r["pipeline"]) for r in _lines(small_run[0])]
    expected = [
        (task, f"toy-{i}", p) for task in ("toy", "toy:big") for i in range(8) for p in PIPELINES
    ]
    assert keys == expected


def test_results_are_scored_against_gold_after_the_pipeline_answers(small_run) -> None:
    tmp_path = small_run[0]
    for line in _lines(tmp_path):
        assert set(line) >= {
            "task",
            "problem_id",
            "pipeline",
            "answer",
            "abstained",
            "correct",
            "confidence",
            "verdicts",
            "cost",
            "difficulty",
            "gold",
            "details",
            "error",
            "trace",
            "attempts",
        }
        expected = (
            not line["abstained"]
            and line["answer"] is not None
            and int(line["answer"]) == line["gold"]
        )
        assert line["correct"] == expected
        assert line["trace"], "every result keeps its full trace"
    # The toy replies are wrong for some problems and abstain for others: both must show.
    assert {line["correct"] for line in _lines(tmp_path)} == {True, False}
    assert any(line["abstained"] for line in _lines(tmp_path))


def test_summary_agrees_with_the_result_lines(small_run) -> None:
    tmp_path, summary = small_run
    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert on_disk["rows"] == json.loads(summary.model_dump_json())["rows"]
    lines = _lines(tmp_path)
    for row in on_disk["rows"]:
        mine = [r for r in lines if r["task"] == row["task"] and r["pipeline"] == row["pipeline"]]
        correct = sum(r["correct"] for r in mine)
        abstained = sum(r["abstained"] and not r["correct"] for r in mine)
        wrong = len(mine) - correct - abstained
        assert (row["n"], row["correct"], row["abstained"], row["wrong"]) == (
            len(mine),
            correct,
            abstained,
            wrong,
        )
        assert row["accuracy"] == pytest.approx(correct / len(mine))
        for t in THRESHOLDS:
            by_hand = (correct - wrong * t / (1 - t)) / len(mine)
            assert row["score_t"][f"{t:g}"] == pytest.approx(by_hand)
        calls = sum(r["cost"]["model_calls"] for r in mine) / len(mine)
        assert row["cost"]["model_calls"] == pytest.approx(calls)
        assert row["cost"]["tokens_out"] == pytest.approx(
            sum(r["cost"]["tokens_out"] for r in mine) / len(mine)
        )
    cuts = {
        (r["task"], r["pipeline"], r["axis"], r["level"]): r["n"] for r in on_disk["by_difficulty"]
    }
    for (task, pipeline, axis, level), n in cuts.items():
        assert n == sum(
            1
            for r in lines
            if r["task"] == task and r["pipeline"] == pipeline and r["difficulty"][axis] == level
        )


def test_limit_takes_the_first_problems_of_each_task() -> None:
    summary = run_small_eval(None, n=6, limit=2)
    assert [r.n for r in summary.rows] == [2, 2, 2, 2]
    assert {r.level for r in summary.by_difficulty if r.task == "toy"} == {1}


def test_samples_overrides_votes_n_and_names_it_in_the_pipeline() -> None:
    model = toy_model()
    summary = evaluate(
        [ToyTask()],
        ["direct >> vote(n=3)"],
        model,
        samples=5,
        run_program=fake_runner,
        progress=False,
    )
    assert [r.pipeline for r in summary.rows] == ["direct >> vote(n=5)"]
    assert sorted(r.n for r in model.requests) == [1, 1, 4, 4]  # greedy first, then 4 more


def _exploding_stage(problem_id: str):
    async def boom(s: Session) -> None:
        if s.problem.id == problem_id:
            raise RuntimeError("plug-in bug")

    return boom


def test_a_stage_that_raises_becomes_a_recorded_failed_result(tmp_path: Path) -> None:
    pipeline = Pipeline("direct") >> Pipeline.of(_exploding_stage("toy-1"), "boom")
    summary = evaluate(
        [ToyTask([(1, 1), (2, 2), (3, 4)])],
        [pipeline],
        toy_model(),
        out=tmp_path,
        run_program=fake_runner,
        progress=False,
        plots=False,
    )
    lines = {r["problem_id"]: r for r in _lines(tmp_path)}
    assert "plug-in bug" in lines["toy-1"]["error"]
    assert lines["toy-1"]["correct"] is False
    assert lines["toy-0"]["error"] is None and lines["toy-0"]["correct"] is True
    assert summary.rows[0].errors == 1 and summary.rows[0].n == 3


def test_a_cell_whose_solve_raises_is_recorded_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = cells.asolve

    async def flaky(problem, *args, **kwargs):
        if problem.id == "toy-0":
            raise ConnectionError("model server is down")
        return await real(problem, *args, **kwargs)

    monkeypatch.setattr(cells, "asolve", flaky)
    summary = run_small_eval(tmp_path, n=3)
    failed = [r for r in _lines(tmp_path) if r["error"]]
    assert {r["problem_id"] for r in failed} == {"toy-0"}
    assert all("model server is down" in r["error"] and not r["correct"] for r in failed)
    assert sum(r.n for r in summary.rows) == 12


class _BadScoreTask(ToyTask):
    def score(self, example, value):  # a task plug-in with a bug in its scorer
        raise KeyError("gold field")


def test_a_scorer_that_raises_is_a_recorded_error_naming_the_task(tmp_path: Path) -> None:
    evaluate(
        [_BadScoreTask()],
        ["direct"],
        toy_model(),
        out=tmp_path,
        run_program=fake_runner,
        progress=False,
        plots=False,
    )
    for line in _lines(tmp_path):
        assert "scoring failed in task 'toy'" in line["error"]
        assert line["correct"] is False


class _CountingModel(Model):
    """Records how many generate calls are in flight at once."""

    def __init__(self) -> None:
        self.inner = ScriptedModel(lambda r: "Answer: 3")
        self.spec = "counting"
        self.active = 0
        self.peak = 0

    async def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        self.active += 1
        self.peak = max(self.peak, self.active)
        await asyncio.sleep(0.01)
        try:
            return await self.inner.generate(requests)
        finally:
            self.active -= 1


def test_concurrency_bounds_the_cells_in_flight() -> None:
    model = _CountingModel()
    task = ToyTask([(i, 1) for i in range(20)])
    evaluate([task], ["direct"], model, concurrency=3, run_program=fake_runner, progress=False)
    assert model.peak == 3


def test_a_folder_holding_another_run_is_refused(tmp_path: Path) -> None:
    run_small_eval(tmp_path, n=2)
    with pytest.raises(ReasonerError, match="another --out"):
        evaluate(
            toy_tasks(2),
            ["direct"],
            toy_model(),
            out=tmp_path,
            run_program=fake_runner,
            progress=False,
        )
    with pytest.raises(ReasonerError, match="limit"):
        run_small_eval(tmp_path, n=2, limit=1)


def test_a_folder_that_another_run_is_writing_is_refused(tmp_path: Path) -> None:
    with ResultStore(tmp_path).locked(), pytest.raises(ReasonerError, match="another run"):
        run_small_eval(tmp_path, n=1)
    run_small_eval(tmp_path, n=1)  # once the other run is gone, the folder is free


def test_config_records_the_run(small_run) -> None:
    config = json.loads((small_run[0] / "config.json").read_text())
    assert config["model"] == "scripted"
    assert config["tasks"] == ["toy", "toy:big"]
    assert config["pipelines"] == PIPELINES
    assert config["seed"] == 7 and config["concurrency"] == 4
    assert config["model_info"]["backend"] == "ScriptedModel"
    assert config["versions"]["reasoner"] and config["versions"]["python"]
    assert config["machine"]["cpu_count"] >= 1 and config["started_at"]


def test_the_same_task_listed_twice_is_refused() -> None:
    with pytest.raises(ReasonerError, match="listed twice"):
        evaluate([ToyTask(), ToyTask()], ["direct"], toy_model(), progress=False)


def test_without_out_nothing_is_written_and_the_summary_comes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    summary = evaluate(
        toy_tasks(2), ["direct"], toy_model(), run_program=fake_runner, progress=False
    )
    assert [r.n for r in summary.rows] == [2, 2]
    assert list(tmp_path.iterdir()) == []


def test_progress_prints_the_summary_table(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    evaluate([ToyTask()], ["direct"], toy_model(), run_program=fake_runner, progress=True)
    printed = capsys.readouterr().out
    assert "reasoner eval: scripted" in printed and "direct" in printed


@pytest.mark.parametrize("width", [80, 200])
def test_table_shows_every_task_and_pipeline_at_any_width(small_run, width: int) -> None:
    _, summary = small_run
    buffer = StringIO()
    print_summary(summary, Console(file=buffer, width=width))
    printed = buffer.getvalue()
    for row in summary.rows:
        assert row.task in printed
        assert row.pipeline.split()[0] in printed
    assert all(len(line) <= width for line in printed.splitlines())


def test_task_label_shortens_data_paths_only() -> None:
    assert task_label("chess:path=../shared/data/lichess/puzzles.csv,n=5") == (
        "chess:path=…/lichess/puzzles.csv,n=5"
    )
    assert task_label("gsm8k:path=dev.jsonl") == "gsm8k:path=dev.jsonl"
    assert task_label("hanoi:disks=1-12,per_size=1") == "hanoi:disks=1-12,per_size=1"


def test_markdown_table_has_one_line_per_row_with_its_numbers(small_run) -> None:
    _, summary = small_run
    table, *sections = markdown_table(summary).split("\n\n")
    lines = table.splitlines()
    assert len(lines) == 2 + len(summary.rows)
    # After the runs table: notes ("- ..." lines), then the confidence table and its legend.
    assert any(section.startswith("| task | pipeline | S t=0.5 |") for section in sections)
    for section in sections:
        if section.startswith("- "):
            assert all(note.startswith("- ") for note in section.splitlines())
    assert all(line.count("|") == lines[0].count("|") for line in lines)
    for row, line in zip(summary.rows, lines[2:], strict=True):
        assert f"`{row.pipeline}`" in line
        assert f"| {row.n} | {row.accuracy:.1%} (" in line
