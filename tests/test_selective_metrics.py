"""Risk-coverage, AURC, reliability, ECE and the S(t) sweep: pure functions of
(confidence, correct) pairs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reasoner.report.selective import (
    aurc,
    ece,
    reliability,
    risk_coverage,
    score_sweep,
    selective_score,
)

pairs = st.lists(
    st.tuples(st.floats(0.0, 1.0, allow_nan=False), st.booleans()), min_size=1, max_size=30
)


def optimal_aurc(n_correct: int, n_wrong: int) -> float:
    n = n_correct + n_wrong
    risks = [max(0, k - n_correct) / k for k in range(1, n + 1)]
    return sum(risks) / n


def test_aurc_of_a_perfect_ranking_is_the_optimum():
    confidence = [0.9, 0.8, 0.7, 0.3, 0.2]
    correct = [True, True, True, False, False]
    assert aurc(confidence, correct) == pytest.approx(optimal_aurc(3, 2))


def test_aurc_is_zero_without_errors_and_one_when_all_are_wrong():
    assert aurc([0.1, 0.5, 0.9], [True, True, True]) == 0.0
    assert aurc([0.1, 0.5, 0.9], [False, False, False]) == pytest.approx(1.0)


def test_aurc_of_a_reversed_ranking_is_worse_than_the_perfect_one():
    correct = [True, True, True, False, False]
    assert aurc([0.1, 0.2, 0.3, 0.8, 0.9], correct) > aurc([0.9, 0.8, 0.7, 0.3, 0.2], correct)


def test_aurc_gives_ties_no_ordering_advantage():
    # One confidence for everyone: every coverage has the overall error rate.
    assert aurc([0.5] * 4, [True, False, True, False]) == pytest.approx(0.5)


@given(pairs)
def test_no_ranking_beats_the_perfect_one(items):
    correct = [c for _, c in items]
    confidence = [p for p, _ in items]
    best = optimal_aurc(sum(correct), len(correct) - sum(correct))
    assert aurc(confidence, correct) >= best - 1e-9


@given(pairs)
def test_risk_coverage_ends_at_full_coverage_with_the_overall_accuracy(items):
    confidence = [p for p, _ in items]
    correct = [c for _, c in items]
    curve = risk_coverage(confidence, correct)
    coverages = [p.coverage for p in curve]
    assert coverages == sorted(coverages)
    assert curve[-1].coverage == 1.0
    assert curve[-1].selective_accuracy == pytest.approx(sum(correct) / len(correct))


def test_ece_of_a_perfectly_calibrated_set_is_zero():
    confidence = [0.8] * 10 + [0.3] * 10
    correct = [True] * 8 + [False] * 2 + [True] * 3 + [False] * 7
    assert ece(confidence, correct) == pytest.approx(0.0)


def test_ece_of_confident_errors_is_one():
    assert ece([1.0, 1.0], [False, False]) == pytest.approx(1.0)


def test_ece_weights_bins_by_size():
    # 3 at 0.9 all right (gap 0.1), 1 at 0.05 right (gap 0.95): (3*0.1 + 0.95) / 4
    assert ece([0.9, 0.9, 0.9, 0.05], [True] * 4) == pytest.approx((0.3 + 0.95) / 4)


@given(pairs)
def test_reliability_bins_hold_every_result_once(items):
    confidence = [p for p, _ in items]
    table = reliability(confidence, [c for _, c in items])
    assert len(table) == 10
    assert sum(b.count for b in table) == len(items)
    for b in table:
        if b.count:
            assert b.low <= b.mean_confidence <= b.high + 1e-12


def test_unknown_confidence_counts_as_zero():
    assert reliability([None], [False])[0].count == 1
    assert selective_score([None, 0.9], [True, True], 0.5) == pytest.approx(0.5)


def test_selective_score_answers_only_at_or_above_t():
    confidence, correct = [0.9, 0.6, 0.95], [True, False, False]
    # t=0.75: answer 0.9 (right, +1) and 0.95 (wrong, -3); abstain on 0.6.
    assert selective_score(confidence, correct, 0.75) == pytest.approx((1 - 3) / 3)
    assert selective_score(confidence, correct, 0.0) == pytest.approx(1 / 3)


@given(pairs)
def test_never_answering_below_every_confidence_scores_zero(items):
    confidence = [min(p, 0.49) for p, _ in items]
    assert selective_score(confidence, [c for _, c in items], 0.5) == 0.0


def test_the_sweep_covers_0_to_095():
    sweep = score_sweep([0.5], [True])
    assert list(sweep) == [f"{0.05 * k:g}" for k in range(20)]
    assert sweep["0"] == 1.0 and sweep["0.55"] == 0.0


def test_mismatched_lengths_are_an_error():
    with pytest.raises(ValueError):
        aurc([0.5], [True, False])


def test_candidate_accuracy_counts_held_back_candidates_with_an_interval():
    from reasoner.report.confidence_table import confidence_markdown
    from reasoner.report.metrics import summarize
    from reasoner.types import Result

    def cell(i: int, *, abstained: bool, candidate_right: bool) -> Result:
        return Result(
            task="t",
            problem_id=f"p{i}",
            pipeline="pal >> abstain(t=0.75)",
            answer=None if abstained else "1",
            abstained=abstained,
            correct=candidate_right and not abstained,
            confidence=0.9 if not abstained else 0.2,
            candidate_correct=candidate_right,
        )

    # 6 answered (5 right), 4 held back (1 of them right): candidates right 6 of 10.
    results = [cell(i, abstained=False, candidate_right=i != 0) for i in range(6)]
    results += [cell(6 + i, abstained=True, candidate_right=i == 0) for i in range(4)]
    row = summarize(results, seed=3).rows[0]
    assert row.accuracy == 0.5 and row.candidate_accuracy == 0.6
    low, high = row.candidate_accuracy_ci95
    assert low < 0.6 < high
    assert summarize(results, seed=3).rows[0].candidate_accuracy_ci95 == (low, high)
    assert f"| 60% ({low:.0%}-{high:.0%}) |" in confidence_markdown([summarize(results, seed=3)])
