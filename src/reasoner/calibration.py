"""A fitted calibration: maps an answer's confidence signals to the probability it is right.

Fitting lives in `reasoner.eval.calibration` (scikit-learn); this module only holds the fitted
parameters and evaluates them, so a pipeline can apply a saved calibration (a JSON file from
`reasoner calibrate` or from a run's config.json) without scikit-learn or any gold.

Two methods (both fitted with scikit-learn); both first combine the signals linearly,
z = coef . x + intercept (a logistic regression):
- `logistic` (Platt scaling): p = sigmoid(z);
- `isotonic`: p = the monotone step function through (x, y) at z, linearly interpolated and
  clipped at the ends, exactly as `IsotonicRegression.predict` computes it.
A signal an answer lacks (e.g. no verifier ran) takes its `fill` value: its mean on the
calibration split.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field, ValidationError

from reasoner.errors import ReasonerError


class Calibration(BaseModel):
    """Fitted parameters that turn confidence signals into P(correct), and where they came from."""

    method: Literal["logistic", "isotonic"]
    #: The signals used, in the order of `coef`.
    features: list[str]
    #: The value a missing signal takes (its mean on the calibration split).
    fill: dict[str, float] = Field(default_factory=dict)
    coef: list[float] = Field(default_factory=list)
    intercept: float = 0.0
    #: Isotonic breakpoints over z (sklearn's X_thresholds_ / y_thresholds_).
    x: list[float] = Field(default_factory=list)
    y: list[float] = Field(default_factory=list)
    #: The pipeline whose results it was fitted on, and the task specs of that split.
    pipeline: str = ""
    fitted_on: list[str] = Field(default_factory=list)
    #: Size and accuracy of the calibration split (candidates, abstained ones included).
    n: int = 0
    accuracy: float = 0.0
    #: How abstain decides: answer when the calibrated probability reaches t itself.
    threshold_rule: str = "calibrated probability >= t"
    #: The confidence-target score S(t) that rule gives on the calibration split itself,
    #: keyed "0.5", "0.75", "0.9" (in-sample, for reference; not a held-out figure).
    calibration_split_scores: dict[str, float] = Field(default_factory=dict)

    def vector(self, signals: Mapping[str, float]) -> np.ndarray:
        """The feature vector of one answer's signals, missing ones filled."""
        return np.array(
            [float(signals.get(f, self.fill.get(f, 0.0))) for f in self.features], dtype=float
        )

    def predict(self, signals: Mapping[str, float]) -> float:
        """P(correct) for one answer's signals.

        Args:
            signals: the answer's signals (`Answer.signals`); missing ones take `fill`.

        Returns:
            A probability in [0, 1].
        """
        z = float(np.dot(self.coef, self.vector(signals))) + self.intercept
        if self.method == "isotonic":
            if not self.x:
                return float(self.accuracy)
            return float(np.clip(np.interp(z, self.x, self.y), 0.0, 1.0))
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def save(self, path: str | Path) -> None:
        """Write the calibration as JSON."""
        Path(path).write_text(self.model_dump_json(indent=2) + "\n")


def load_calibration(path: str | Path) -> Calibration:
    """Read a calibration file written by `Calibration.save` or `reasoner calibrate`.

    Raises:
        ReasonerError: the file is missing or is not a calibration.
    """
    file = Path(path).expanduser()
    try:
        return Calibration.model_validate(json.loads(file.read_text()))
    except FileNotFoundError:
        raise ReasonerError(
            f"calibration file '{file}' not found: write one with `reasoner calibrate RUN -o FILE`"
        ) from None
    except (OSError, ValueError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise ReasonerError(
            f"'{file}' is not a calibration file ({first}); write one with `reasoner calibrate`"
        ) from None
