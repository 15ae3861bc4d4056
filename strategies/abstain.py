"""`abstain(t=...)`: answer only when confident enough; otherwise say "I don't know".

Scored with the confidence-target rule of Kalai et al. 2025 ("Why Language Models
Hallucinate"): at threshold t a wrong answer costs t/(1-t), an abstention 0, so answering is
worth it only when the chance of being right exceeds t. With a calibration (fitted on a
development split, see docs/abstention.md) the confidence IS that chance, so t itself is the
threshold that maximizes the expected score.
"""

from __future__ import annotations

from reasoner import Session, strategy
from reasoner.calibration import load_calibration
from reasoner.session import below


@strategy
def abstain(t: float = 0.75, calibration: str | None = None):
    """Abstain unless confidence reaches t.

    Confidence is, in order: P(correct) from `calibration` (a file from `reasoner calibrate`)
    or from the run's `--calibrate-on` fit; else vote agreement; else verdicts (failed 0,
    passed 1); else mean token probability.

    Args:
        t: the confidence threshold in [0, 1]; unknown confidence counts as 0.
        calibration: a calibration JSON file mapping the answer's signals to P(correct).
    """
    if not 0.0 <= t <= 1.0:
        raise ValueError("t must be between 0 and 1")
    fitted = load_calibration(calibration) if calibration else None

    async def run(s: Session) -> None:
        if fitted is not None and s.candidate_index is not None:
            s.set_confidence(fitted.predict(s.signals()))
        confidence = s.confidence()
        reason = below(confidence, t, "t=")
        if reason is not None:
            s.abstain(reason)
        else:
            s.note("decision", f"answer: confidence {confidence:.2f} >= t={t}")

    return run
