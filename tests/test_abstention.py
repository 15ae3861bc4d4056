"""Confidence signals, calibration and calibrated abstention, wired with a scripted model."""

from __future__ import annotations

import json

import pytest
from test_eval_support import toy_model, toy_tasks
from toy import ToyTask, fake_runner

from reasoner import solve
from reasoner.calibration import Calibration, load_calibration
from reasoner.errors import ReasonerError
from reasoner.eval import evaluate
from reasoner.eval.calibration import fit_calibration, fit_from_run
from reasoner.models.scripted import ScriptedModel
from reasoner.report.markdown import markdown_table
from reasoner.types import Result

TASK = ToyTask()
EXAMPLE = next(TASK.examples())  # What is 2 + 3?


def run(pipeline: str, replies, **kw):
    model = ScriptedModel(replies)
    return solve(EXAMPLE.problem, pipeline, model, task=TASK, run_program=fake_runner, **kw)


def test_vote_over_programs_counts_failed_programs_as_disagreement():
    answer = run("pal >> vote(n=4)", ["print(5)", "oops()", "print(5)", "print(6)"])
    assert answer.value == "5"
    assert answer.signals["agreement"] == pytest.approx(0.5)
    assert answer.signals["answered"] == pytest.approx(0.75)


def test_verified_records_the_checkers_outcome():
    assert run("pal >> check", ["print(5)"]).signals["verified"] == 1.0
    assert run("pal >> check", ["print(6)"]).signals["verified"] == 0.0
    assert "verified" not in run("pal", ["print(5)"]).signals


def test_cross_check_records_whether_another_strategy_agrees():
    agree = run("pal >> cross_check(generator=direct)", ["print(5)", "Answer: 5"])
    differ = run("pal >> cross_check(generator=direct)", ["print(5)", "Answer: 6"])
    assert agree.signals["cross_agreement"] == 1.0
    assert differ.signals["cross_agreement"] == 0.0
    assert differ.value == "5"  # a signal, not a verdict: the candidate stands
    assert [a.strategy for a in differ.attempts] == ["pal", "direct"]


def test_cross_check_needs_a_generator():
    with pytest.raises(ReasonerError, match="needs one generator"):
        run("pal >> cross_check(generator=check)", ["print(5)"])


def result(agreement: float, right: bool, **signals: float) -> Result:
    return Result(
        task="toy",
        problem_id=f"p{agreement}{right}",
        pipeline="p",
        answer="1",
        abstained=False,
        correct=right,
        candidate_correct=right,
        signals={"agreement": agreement, **signals},
    )


SPLIT = [result(1.0, True) for _ in range(8)] + [result(0.2, False) for _ in range(8)]


@pytest.mark.parametrize("method", ["isotonic", "logistic"])
def test_calibration_separates_what_the_signals_separate(method):
    fitted = fit_calibration(SPLIT, method=method, pipeline="p", fitted_on=["toy:dev"])
    assert fitted.features == ["agreement"]
    assert fitted.predict({"agreement": 1.0}) > 0.75 > 0.25 > fitted.predict({"agreement": 0.2})
    assert fitted.fitted_on == ["toy:dev"] and fitted.n == 16 and fitted.accuracy == 0.5


def test_isotonic_calibration_is_exact_on_pure_groups():
    fitted = fit_calibration(SPLIT, method="isotonic")
    assert fitted.predict({"agreement": 1.0}) == 1.0
    assert fitted.predict({"agreement": 0.2}) == 0.0
    assert fitted.calibration_split_scores["0.9"] == pytest.approx(0.5)


def test_a_split_the_model_never_gets_right_gives_a_low_constant():
    fitted = fit_calibration([result(a, False) for a in (0.2, 0.6, 1.0)])
    assert fitted.predict({"agreement": 1.0}) == fitted.predict({"agreement": 0.2}) < 0.2


def test_a_missing_verdict_counts_as_unknown_not_as_the_split_mean():
    split = [result(1.0, True, verified=1.0) for _ in range(5)] + [result(1.0, False)]
    fitted = fit_calibration(split, method="logistic")
    assert fitted.fill["verified"] == 0.5
    assert fitted.predict({"agreement": 1.0}) < fitted.predict({"agreement": 1.0, "verified": 1})


def test_abstain_applies_a_saved_calibration(tmp_path):
    path = tmp_path / "cal.json"
    fit_calibration(SPLIT, method="isotonic").save(path)
    assert isinstance(load_calibration(path), Calibration)
    agreed = run(f"direct >> vote(n=2) >> abstain(t=0.75,calibration='{path}')", ["Answer: 5"])
    split = run(
        f"direct >> vote(n=2) >> abstain(t=0.75,calibration='{path}')", ["Answer: 5", "Answer: 6"]
    )
    assert not agreed.abstained and agreed.confidence == 1.0
    # agreement 0.5 lies between the fitted groups: P(correct) interpolates to 0.375 < 0.75
    assert split.abstained and split.confidence == pytest.approx(0.375)
    assert split.withheld == "5" and split.value is None


def test_a_bad_calibration_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    with pytest.raises(ReasonerError, match="not a calibration file"):
        load_calibration(bad)
    with pytest.raises(ReasonerError, match="not found"):
        load_calibration(tmp_path / "missing.json")


PIPELINE = "direct >> vote(n=3) >> abstain(t=0.75)"


def test_calibrate_on_fits_on_the_calibration_split_only_and_stores_it(tmp_path):
    small, big = toy_tasks(6)
    out = tmp_path / "run"
    summary = evaluate(
        [big],
        [PIPELINE],
        toy_model(),
        out=out,
        run_program=fake_runner,
        progress=False,
        calibrate_on=[small],  # the small pairs, never the scored ones
    )
    config = json.loads((out / "config.json").read_text())
    assert config["calibrate_on"] == ["toy"]
    stored = Calibration.model_validate(config["calibration"][PIPELINE])
    assert stored.fitted_on == ["toy"] and stored.n == 6
    calibration_ids = {
        json.loads(line)["problem_id"]
        for line in (out / "calibration" / "results.jsonl").read_text().splitlines()
    }
    scored = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert all(r["task"] == "toy:big" for r in scored)
    assert calibration_ids == {f"toy-{i}" for i in range(6)}
    for r in scored:  # confidence is the stored calibration applied to the signals
        assert r["confidence"] == pytest.approx(stored.predict(r["signals"]))
        assert r["candidate_correct"] is not None
    row = summary.rows[0]
    assert row.ece is not None and row.aurc is not None and len(row.score_sweep) == 20
    for plot in ("risk_coverage.png", "score_sweep.png", "reliability.png"):
        assert (out / plot).read_bytes().startswith(b"\x89PNG")
    page = (out / "report.html").read_text()
    assert "Knowing when not to answer" in page and "fitted per pipeline on toy only" in page
    table = markdown_table(summary)
    assert "| AURC | ECE |" in table and "fitted per pipeline on toy only" in table


def test_a_resumed_calibrated_run_keeps_its_stored_calibration(tmp_path):
    small, big = toy_tasks(4)
    out = tmp_path / "run"
    kw = dict(out=out, run_program=fake_runner, progress=False, calibrate_on=[small])
    evaluate([big], [PIPELINE], toy_model(), **kw)
    config = json.loads((out / "config.json").read_text())
    config["calibration"][PIPELINE]["intercept"] = 42.0  # marks the stored one
    (out / "config.json").write_text(json.dumps(config))
    (out / "results.jsonl").unlink()
    evaluate([big], [PIPELINE], toy_model(), **kw)
    again = json.loads((out / "config.json").read_text())
    assert again["calibration"][PIPELINE]["intercept"] == 42.0
    with pytest.raises(ReasonerError, match="calibrate_on"):
        evaluate([big], [PIPELINE], toy_model(), **{**kw, "calibrate_on": [big]})


def test_fit_from_run_reads_a_finished_run(tmp_path):
    small, _ = toy_tasks(6)
    out = tmp_path / "dev"
    evaluate([small], ["direct >> vote(n=3)"], toy_model(), out=out, progress=False)
    fitted = fit_from_run(out)
    assert fitted.pipeline == "direct >> vote(n=3)" and fitted.n == 6
    assert fitted.fitted_on == ["toy"]
    with pytest.raises(ReasonerError, match="no results of pipeline"):
        fit_from_run(out, pipeline="pal")


def test_the_calibrate_command_writes_a_file_abstain_can_read(tmp_path):
    from typer.testing import CliRunner

    from reasoner.cli import app

    small, _ = toy_tasks(4)
    out = tmp_path / "dev"
    evaluate([small], ["direct >> vote(n=3)"], toy_model(), out=out, progress=False)
    target = tmp_path / "cal.json"
    done = CliRunner().invoke(app, ["calibrate", str(out), "-o", str(target)])
    assert done.exit_code == 0, done.output
    assert "fitted isotonic calibration of 'direct >> vote(n=3)' on 4 results" in done.output
    assert load_calibration(target).fitted_on == ["toy"]
