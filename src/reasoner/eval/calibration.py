"""Fitting calibrations on a calibration split, never on the items being scored.

A calibration maps an answer's confidence signals (agreement of sampled programs' outputs,
verifier outcome, token probability, cross-strategy agreement) to P(correct). It is fitted
per pipeline on results from development tasks (`reasoner eval --calibrate-on SPEC`, or
`reasoner calibrate RUN` on a finished run), with scikit-learn:

- `logistic`: Platt scaling over the signals (`LogisticRegression`);
- `isotonic` (default): the logistic combination of the signals, then `IsotonicRegression`
  on that score, so several signals are combined and the result is calibrated without
  assuming a sigmoid shape (Zadrozny & Elkan 2002).

The abstention rule is then "answer when P(correct) >= t": with calibrated probabilities it
maximizes the expected confidence-target score at t, so no threshold is tuned per t on a
small split. The S(t) this gives on the calibration split is stored for reference.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from reasoner.calibration import Calibration
from reasoner.errors import ReasonerError
from reasoner.report.metrics import THRESHOLDS
from reasoner.report.selective import selective_score
from reasoner.types import Result

#: Signals a calibration may use, in this order (those no calibration result has are dropped).
SIGNALS = ("agreement", "answered", "verified", "token_prob", "cross_agreement")
#: A missing verdict or cross-check means "unknown": halfway, not the split's mean (which
#: would count an unchecked answer as checked when most calibration answers were checked).
NEUTRAL = {"verified": 0.5, "cross_agreement": 0.5}
METHODS = ("isotonic", "logistic")
#: Inverse regularization strength of the logistic combination (see fit_calibration).
LOGISTIC_C = 100.0


def fit_calibration(
    results: Sequence[Result],
    *,
    method: str = "isotonic",
    signals: Sequence[str] = SIGNALS,
    pipeline: str = "",
    fitted_on: Sequence[str] = (),
) -> Calibration:
    """Fit P(correct | signals) on a calibration split's results.

    Args:
        results: results of one pipeline on the calibration tasks (gold-scored).
        method: "isotonic" (logistic combination, then isotonic) or "logistic" (Platt).
        signals: the signals to consider; those absent from every result are dropped.
        pipeline: the pipeline the results came from (recorded).
        fitted_on: the calibration task specs (recorded: the report says which split set it).

    Returns:
        The fitted Calibration.

    Raises:
        ReasonerError: no results, or an unknown method.
    """
    from sklearn.isotonic import IsotonicRegression
    from sklearn.linear_model import LogisticRegression

    if method not in METHODS:
        raise ReasonerError(f"calibration method '{method}' is unknown; use one of {METHODS}")
    if not results:
        raise ReasonerError("no calibration results to fit on: the calibration split was empty")
    features = [name for name in signals if any(name in r.signals for r in results)]
    fill = {name: _fill(name, results) for name in features}
    y = np.array([r.candidate_right for r in results], dtype=int)
    base = Calibration(
        method="isotonic" if method == "isotonic" else "logistic",
        features=features,
        fill=fill,
        pipeline=pipeline,
        fitted_on=list(fitted_on),
        n=len(results),
        accuracy=float(y.mean()),
    )
    x = np.array([base.vector(r.signals) for r in results], dtype=float).reshape(len(y), -1)
    if features and 0 < y.sum() < len(y):
        # Weak regularization: at sklearn's default C=1 a few dozen perfectly separated
        # items still get P = 0.69 (measured), under-confident where the signals are clear.
        logistic = LogisticRegression(C=LOGISTIC_C).fit(x, y)
        coef, intercept = [float(c) for c in logistic.coef_[0]], float(logistic.intercept_[0])
    else:
        # One class only (a split the model never, or always, gets right): the smoothed base
        # rate for everyone; no signal can be told apart from it on this split.
        rate = (y.sum() + 0.5) / (len(y) + 1.0)
        coef, intercept = [0.0] * len(features), math.log(rate / (1.0 - rate))
    fitted = base.model_copy(update={"coef": coef, "intercept": intercept})
    if method == "isotonic":
        scores = x @ np.array(coef) + intercept if features else np.full(len(y), intercept)
        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(scores, y)
        fitted = fitted.model_copy(
            update={"x": iso.X_thresholds_.tolist(), "y": iso.y_thresholds_.tolist()}
        )
    probabilities = [fitted.predict(r.signals) for r in results]
    split_scores = {
        f"{t:g}": selective_score(probabilities, y.astype(bool).tolist(), t) for t in THRESHOLDS
    }
    return fitted.model_copy(update={"calibration_split_scores": split_scores})


def fit_per_pipeline(
    results: Sequence[Result], *, method: str = "isotonic", fitted_on: Sequence[str] = ()
) -> dict[str, Calibration]:
    """One calibration per pipeline in `results` (each fitted on its own results only)."""
    groups: dict[str, list[Result]] = {}
    for result in results:
        groups.setdefault(result.pipeline, []).append(result)
    return {
        pipeline: fit_calibration(group, method=method, pipeline=pipeline, fitted_on=fitted_on)
        for pipeline, group in groups.items()
    }


def fit_from_run(
    folder: str | Path, *, pipeline: str | None = None, method: str = "isotonic"
) -> Calibration:
    """Fit a calibration from a finished (or interrupted) run folder's results.

    Args:
        folder: an eval `--out` folder on development tasks.
        pipeline: which of its pipelines (needed when it ran several).
        method: "isotonic" or "logistic".

    Returns:
        The Calibration, recording the run's task specs as the split it was fitted on.
    """
    from reasoner.report.run_folder import RESULTS, load_results, read_config

    run = Path(folder)
    config = read_config(run)
    results = load_results(run / RESULTS) if (run / RESULTS).exists() else []
    pipelines = list(dict.fromkeys(r.pipeline for r in results))
    if pipeline is None:
        if len(pipelines) != 1:
            raise ReasonerError(
                f"{run} has results of {len(pipelines)} pipelines ({', '.join(pipelines)}); "
                "say which with --pipeline"
            )
        pipeline = pipelines[0]
    chosen = [r for r in results if r.pipeline == pipeline]
    if not chosen:
        raise ReasonerError(f"{run} has no results of pipeline '{pipeline}'")
    return fit_calibration(
        chosen, method=method, pipeline=pipeline, fitted_on=list(config.get("tasks", []))
    )


def _fill(name: str, results: Sequence[Result]) -> float:
    if name in NEUTRAL:
        return NEUTRAL[name]
    present = [r.signals[name] for r in results if name in r.signals]
    return float(np.mean(present)) if present else 0.0
