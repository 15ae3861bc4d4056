"""`switch(cot)`: when the candidate fails, try another method, as XoT does (Liu et al. 2023,
"Plan, Verify and Switch: Integrated Reasoning with Diverse X-of-Thoughts", arXiv
2310.14628): plan a method, verify its answer, switch to another method when verification
fails. Compiled as a conditional edge: the graph goes to the target's stages only when the
switch decides to, and the earlier candidates stay in the pool for a decider after it.
"""

from __future__ import annotations

from reasoner import strategy
from reasoner.pipeline import Pipeline
from reasoner.strategy import Switch

WHEN = ("failed", "unverified")


@strategy
def switch(to: str = "cot", when: str = "failed", below: float | None = None) -> Switch:
    """Switch to another generator (or sub-pipeline) when the candidate fails.

    Args:
        to: what to switch to: a generator or a pipeline, e.g. `cot` or `cot >> check`.
        when: "failed" (no answer, a failed program or a failed check) or "unverified"
            (no check passed it: for word problems, where a checker can only fail).
        below: also switch when the candidate's confidence is below this.
    """
    if when not in WHEN:
        raise ValueError(f"when must be one of {', '.join(WHEN)}, not {when!r}")
    if below is not None and not 0.0 <= below <= 1.0:
        raise ValueError("below must be between 0 and 1")
    target = Pipeline.parse(to)
    return Switch(target=target.build(), target_spec=str(target), when=when, below=below)
