"""`cross_check(generator="cot")`: does an independent strategy reach the same answer?

Agreement between different ways of solving (a program and a chain of thought) is evidence
that neither made its own kind of mistake; disagreement is a reason to abstain. This is
self-consistency across strategies rather than across samples of one (Wang et al. 2022), in
the spirit of the cross-method agreement used to detect hallucinations (e.g. Manakul et al.
2023, "SelfCheckGPT"). It records the signal `cross_agreement` (1 or 0) for the candidate;
it does not fail the candidate, so it never triggers a repair on its own.
"""

from __future__ import annotations

from reasoner import Session, strategy
from reasoner.errors import BadPipelineSpec
from reasoner.pipeline import Pipeline
from reasoner.strategy import Generator


@strategy
def cross_check(generator: str = "cot", temperature: float = 0.0):
    """Run another generator on the problem; record whether its answer equals the candidate's.

    Args:
        generator: the other generator's stage spec, e.g. "cot", "direct" or "pal(exemplars=2)".
        temperature: its sampling temperature.
    """
    built = Pipeline.parse(generator).build()
    if len(built) != 1 or not isinstance(built[0].obj, Generator):
        raise BadPipelineSpec(
            f"cross_check(generator={generator!r}) needs one generator stage, "
            "e.g. 'cot', 'direct' or 'pal'"
        )
    other: Generator = built[0].obj

    async def run(s: Session) -> None:
        mine = s.candidate_value()
        if s.candidate_index is None:
            s.note("cross_check", "no candidate to cross-check")
            return
        attempts = await other.propose(s, n=1, temperature=temperature)
        theirs = None
        if attempts:
            s.add_attempt(attempts[0])
            if attempts[0].answer is not None:
                theirs = s.task.parse(attempts[0].answer)
        agree = mine is not None and theirs is not None and mine == theirs
        s.set_signal("cross_agreement", 1.0 if agree else 0.0)
        s.note("cross_check", f"{generator} gave {theirs}; {'agrees' if agree else 'differs'}")

    return run
