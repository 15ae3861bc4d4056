"""Scores: the confidence-target score, counts, intervals, difficulty cuts, details flags."""

from __future__ import annotations

import pytest

from reasoner.report.metrics import outcome, score_t, summarize, summarize_group
from reasoner.types import Cost, Result


def _result(i: int, kind: str, **fields: object) -> Result:
    values: dict[str, object] = {
        "task": "t",
        "problem_id": f"p{i}",
        "pipeline": "direct",
        "answer": None if kind in ("abstained", "none") else "1",
        "abstained": kind == "abstained",
        "correct": kind == "correct",
    }
    values.update(fields)
    return Result.model_validate(values)


def _hand_made() -> list[Result]:
    kinds = ["correct"] * 6 + ["abstained"] * 2 + ["wrong"] * 2
    return [_result(i, k) for i, k in enumerate(kinds)]


@pytest.mark.parametrize(("t", "expected"), [(0.5, 0.4), (0.75, 0.0), (0.9, -1.2)])
def test_score_t_rewards_right_answers_and_penalises_wrong_ones_by_t_over_1_minus_t(
    t: float, expected: float
) -> None:
    # 6 correct (+1), 2 abstained (0), 2 wrong (-t/(1-t) each), over 10 problems.
    row = summarize_group(_hand_made(), "t", "direct", seed=0)
    assert row.score_t[f"{t:g}"] == pytest.approx(expected)
    assert score_t([outcome(r) for r in _hand_made()], t) == pytest.approx(expected)


def test_abstaining_scores_zero_and_beats_guessing_wrong_at_high_t() -> None:
    abstain_all = [_result(i, "abstained") for i in range(4)]
    guess = [_result(0, "correct")] + [_result(i, "wrong") for i in range(1, 4)]
    assert summarize_group(abstain_all, "t", "p", 0).score_t["0.9"] == 0.0
    assert summarize_group(guess, "t", "p", 0).score_t["0.9"] < 0.0
    assert summarize_group(guess, "t", "p", 0).score_t["0.5"] == pytest.approx(-0.5)


def test_no_answer_and_errors_count_as_wrong_not_as_abstentions() -> None:
    results = [
        _result(0, "none"),
        _result(1, "correct", error="boom", correct=False),
        _result(2, "abstained", error="stage failed"),
        _result(3, "correct"),
    ]
    row = summarize_group(results, "t", "p", 0)
    assert (row.correct, row.abstained, row.wrong) == (1, 0, 3)
    assert row.no_answer == 2  # the 'none' one and the failed abstention
    assert row.errors == 2
    assert row.wrong_rate == pytest.approx(0.75)


def test_counts_rates_and_mean_cost() -> None:
    results = _hand_made()
    for i, r in enumerate(results):
        r.cost = Cost(model_calls=i, tokens_in=10, tokens_out=2 * i, wall_s=0.5, sandbox_runs=1)
    row = summarize_group(results, "t", "direct", seed=0)
    assert (row.n, row.correct, row.abstained, row.wrong) == (10, 6, 2, 2)
    assert row.accuracy == pytest.approx(0.6)
    assert row.abstention_rate == pytest.approx(0.2)
    assert row.cost.model_calls == pytest.approx(4.5)
    assert row.cost.tokens_out == pytest.approx(9.0)
    assert row.cost.tokens_in == pytest.approx(10.0)


def test_bootstrap_interval_brackets_accuracy_and_is_reproducible() -> None:
    row = summarize_group(_hand_made(), "t", "direct", seed=3)
    low, high = row.accuracy_ci95
    assert 0.0 <= low < row.accuracy < high <= 1.0
    assert summarize_group(_hand_made(), "t", "direct", seed=3).accuracy_ci95 == (low, high)
    low_t, high_t = row.score_t_ci95["0.9"]
    assert low_t < row.score_t["0.9"] < high_t


def test_bootstrap_does_not_depend_on_the_order_results_were_written() -> None:
    results = _hand_made()
    shuffled = results[3:] + results[:3]
    assert (
        summarize_group(results, "t", "p", 0).accuracy_ci95
        == summarize_group(shuffled, "t", "p", 0).accuracy_ci95
    )


def test_every_boolean_detail_gets_its_true_and_false_rate() -> None:
    results = [
        _result(0, "correct", details={"legal": True, "note": "x"}),
        _result(1, "wrong", details={"legal": False}),
        _result(2, "wrong", details={"legal": False, "optimal": False}),
        _result(3, "abstained"),
    ]
    row = summarize_group(results, "t", "p", 0)
    assert set(row.flags) == {"legal", "optimal"}  # "note" is not boolean
    assert row.flags["legal"].true == pytest.approx(0.25)
    assert row.flags["legal"].false == pytest.approx(0.5)  # the illegal-move rate
    assert row.flags["optimal"].false == pytest.approx(0.25)


def test_rows_follow_the_given_order_and_difficulty_levels_sort_numerically() -> None:
    results = []
    for i, disks in enumerate([10, 2, 10, 3]):
        for pipeline in ("b", "a"):
            results.append(
                _result(
                    i,
                    "correct" if disks < 10 else "wrong",
                    pipeline=pipeline,
                    difficulty={"disks": disks},
                )
            )
    summary = summarize(results, tasks=["t"], pipelines=["a", "b"])
    assert [r.pipeline for r in summary.rows] == ["a", "b"]
    cut = [(r.pipeline, r.level, r.n, r.accuracy) for r in summary.by_difficulty]
    assert cut[:3] == [("a", 2, 1, 1.0), ("a", 3, 1, 1.0), ("a", 10, 2, 0.0)]
    assert all(r.axis == "disks" for r in summary.by_difficulty)
