"""`abstain(t=...)`: answer only when confident enough; otherwise say "I don't know".

Scored with the confidence-target rule of Kalai et al. 2025 ("Why Language Models
Hallucinate"): at threshold t a wrong answer costs t/(1-t), an abstention 0, so answering is
worth it only when the chance of being right exceeds t.
"""

from __future__ import annotations

from reasoner import Session, strategy


@strategy
def abstain(t: float = 0.75):
    """Abstain unless confidence (vote agreement, verdicts, or token probability) reaches t.

    Args:
        t: the confidence threshold in [0, 1]; unknown confidence counts as 0.
    """
    if not 0.0 <= t <= 1.0:
        raise ValueError("t must be between 0 and 1")

    async def run(s: Session) -> None:
        confidence = s.confidence()
        if confidence is None or confidence < t:
            shown = "unknown" if confidence is None else f"{confidence:.2f}"
            s.abstain(f"confidence {shown} is below t={t}")
        else:
            s.note("decision", f"answer: confidence {confidence:.2f} >= t={t}")

    return run
