"""Selective prediction: how well a pipeline's confidence ranks and predicts its own correctness.

Pure functions of (confidence, correct) pairs, one pair per result:
- the risk-coverage curve (answer the most confident first; selective accuracy at each
  coverage) and its area AURC (Geifman & El-Yaniv 2017; lower is better; the mean risk over
  all coverages);
- the reliability diagram and expected calibration error (ECE; Naeini et al. 2015, Guo et
  al. 2017): equal-width confidence bins, |accuracy - mean confidence| weighted by bin size;
- the confidence-target score S(t) of Kalai et al. 2025 when answering exactly the results
  whose confidence reaches t (the rule a calibrated `abstain(t)` follows).

`correct` is whether the candidate was right, also when an abstention held it back
(`Result.candidate_correct`): otherwise an abstaining pipeline's curve would only show the
items it chose to answer. Unknown confidence counts as 0, as `abstain` treats it.
These are a few lines of numpy each; scikit-learn has no AURC or ECE, and its
`calibration_curve` drops empty bins and bin counts, which the diagram and ECE need.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel

#: The thresholds of the S(t) sweep: 0, 0.05, ..., 0.95.
SWEEP = tuple(round(0.05 * k, 2) for k in range(20))


class CoveragePoint(BaseModel):
    """One point of a risk-coverage curve: answering every result with confidence >= threshold."""

    threshold: float
    coverage: float
    selective_accuracy: float


class ReliabilityBin(BaseModel):
    """Results whose confidence falls in [low, high) (the last bin includes 1.0)."""

    low: float
    high: float
    count: int
    mean_confidence: float | None
    accuracy: float | None


def _arrays(
    confidence: Sequence[float | None], correct: Sequence[bool]
) -> tuple[np.ndarray, np.ndarray]:
    if len(confidence) != len(correct):
        raise ValueError("confidence and correct must have the same length")
    conf = np.array([0.0 if c is None else float(c) for c in confidence], dtype=float)
    return np.clip(conf, 0.0, 1.0), np.array(correct, dtype=bool)


def risk_coverage(
    confidence: Sequence[float | None], correct: Sequence[bool]
) -> list[CoveragePoint]:
    """The risk-coverage curve, one point per distinct confidence (ties are answered together).

    Args:
        confidence: each result's confidence (None counts as 0).
        correct: whether each result's candidate was right.

    Returns:
        Points from the highest threshold (least coverage) to the lowest (coverage 1).
    """
    conf, right = _arrays(confidence, correct)
    n = len(conf)
    points = []
    for threshold in sorted(set(conf.tolist()), reverse=True):
        answered = conf >= threshold
        points.append(
            CoveragePoint(
                threshold=threshold,
                coverage=float(answered.sum() / n),
                selective_accuracy=float(right[answered].mean()),
            )
        )
    return points


def aurc(confidence: Sequence[float | None], correct: Sequence[bool]) -> float | None:
    """Area under the risk-coverage curve: the mean selective risk over coverages k/n.

    Results are answered most confident first; within a group of equal confidence the risk
    is interpolated linearly (the expected risk over the group's orderings at its ends), so
    ties give no ordering an advantage. 0 for a perfect ranking with no error at all.

    Returns:
        AURC in [0, 1], or None for no results.
    """
    conf, right = _arrays(confidence, correct)
    n = len(conf)
    if n == 0:
        return None
    order = np.argsort(-conf, kind="stable")
    conf, wrong = conf[order], (~right[order]).astype(float)
    risks = np.empty(n)
    start = 0
    errors_before = 0.0
    while start < n:
        end = start
        while end + 1 < n and conf[end + 1] == conf[start]:
            end += 1
        size = end - start + 1
        group_rate = wrong[start : end + 1].mean()
        for j in range(size):  # k answered = start + j + 1; expected errors among them
            k = start + j + 1
            risks[k - 1] = (errors_before + group_rate * (j + 1)) / k
        errors_before += wrong[start : end + 1].sum()
        start = end + 1
    return float(risks.mean())


def reliability(
    confidence: Sequence[float | None], correct: Sequence[bool], bins: int = 10
) -> list[ReliabilityBin]:
    """Equal-width confidence bins with their accuracy: the reliability diagram's data.

    Args:
        confidence: each result's confidence (None counts as 0).
        correct: whether each result's candidate was right.
        bins: how many bins over [0, 1].

    Returns:
        `bins` bins, empty ones included (their mean and accuracy are None).
    """
    conf, right = _arrays(confidence, correct)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1], right=False), 0, bins - 1)
    out = []
    for b in range(bins):
        members = which == b
        count = int(members.sum())
        out.append(
            ReliabilityBin(
                low=float(edges[b]),
                high=float(edges[b + 1]),
                count=count,
                mean_confidence=float(conf[members].mean()) if count else None,
                accuracy=float(right[members].mean()) if count else None,
            )
        )
    return out


def ece(
    confidence: Sequence[float | None], correct: Sequence[bool], bins: int = 10
) -> float | None:
    """Expected calibration error over equal-width bins; None for no results."""
    table = reliability(confidence, correct, bins)
    n = sum(b.count for b in table)
    if n == 0:
        return None
    return float(
        sum(
            b.count / n * abs(b.accuracy - b.mean_confidence)
            for b in table
            if b.count and b.accuracy is not None and b.mean_confidence is not None
        )
    )


def selective_score(confidence: Sequence[float | None], correct: Sequence[bool], t: float) -> float:
    """S(t) when answering exactly the results whose confidence reaches t.

    A correct answer scores 1, an abstention 0, a wrong answer -t/(1-t) (Kalai et al. 2025).

    Returns:
        The mean over all results (0.0 for none).
    """
    conf, right = _arrays(confidence, correct)
    if len(conf) == 0:
        return 0.0
    answered = conf >= t
    points = np.where(answered, np.where(right, 1.0, -t / (1.0 - t)), 0.0)
    return float(points.mean())


def score_sweep(
    confidence: Sequence[float | None], correct: Sequence[bool], ts: Sequence[float] = SWEEP
) -> dict[str, float]:
    """`selective_score` at each t, keyed like "0.75"."""
    return {f"{t:g}": selective_score(confidence, correct, t) for t in ts}
