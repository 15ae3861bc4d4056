"""Confidence signals and calibrated abstention on the real embedded model."""

from __future__ import annotations

import pytest

from reasoner import load_task, solve
from reasoner.calibration import Calibration

pytestmark = pytest.mark.model


def test_real_pal_votes_record_every_signal_and_a_calibration_decides(smollm2):
    task = load_task("arithmetic:digits=3,terms=2,n=1,seed=5")
    example = next(task.examples())
    # P(correct) = agreement: answer only when every sampled program printed the winner.
    calibration = Calibration(
        method="logistic", features=["agreement"], coef=[60.0], intercept=-57.0
    )
    answer = solve(
        example.problem,
        "pal >> vote(n=3) >> check >> abstain(t=0.75)",
        smollm2,
        task=task,
        calibration=calibration,
    )
    signals = answer.signals
    assert set(signals) >= {"agreement", "answered", "verified", "token_prob"}
    assert 0.0 < signals["token_prob"] <= 1.0
    assert signals["agreement"] in (1 / 3, 2 / 3, 1.0)
    assert answer.confidence == pytest.approx(calibration.predict(signals))
    assert answer.abstained == (answer.confidence < 0.75)
    if answer.abstained:
        assert answer.withheld is not None and answer.value is None
    else:
        assert answer.value is not None and answer.withheld is None
