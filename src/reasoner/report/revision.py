"""What a pipeline's later stages did to its first answer: how often a revision (`cove`), a
repair (`retry`) or a vote changed it, and whether the change fixed or broke it.

A pipeline that scores what its first answer scored may still have changed many answers,
fixing as many as it broke; accuracy alone cannot tell that apart from a stage that did
nothing. The first answer is the first attempt's, or that attempt's draft
(`Attempt.draft_answer`) when the generator revised it within one attempt.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from reasoner.types import Attempt, Result


class RevisionEffect(BaseModel):
    """First answer against final candidate over the results where both are known."""

    #: Results whose first answer was graded (`Result.first_correct` set).
    n: int
    #: The first answer was right.
    first_right: int
    #: The final candidate (answered or held back by an abstention) was right.
    final_right: int
    #: The final candidate differs from the first answer.
    changed: int
    #: Wrong first, right in the end.
    fixed: int
    #: Right first, wrong in the end.
    broken: int


def first_answer(attempts: Sequence[Attempt]) -> str | None:
    """The pipeline's first answer: the first attempt's draft when it had one, else its
    answer (None without an attempt, or when neither could be read)."""
    if not attempts:
        return None
    first = attempts[0]
    return first.draft_answer if first.draft_answer is not None else first.answer


def revised(result: Result) -> bool:
    """Whether anything after the first answer could have changed it: a second attempt
    (repair, vote) or a draft revised within the attempt."""
    return len(result.attempts) > 1 or any(a.draft_answer is not None for a in result.attempts)


def revision_effect(results: Sequence[Result]) -> RevisionEffect | None:
    """The effect over the results whose first answer was graded, when at least one of
    them was revised (those a repair never touched count as unchanged); None otherwise (a
    single-stage pipeline, or a run from before `Result.first_correct`)."""
    known = [r for r in results if r.first_correct is not None]
    if not any(revised(r) for r in known):
        return None
    final = [r.candidate_right for r in known]
    first = [bool(r.first_correct) for r in known]
    return RevisionEffect(
        n=len(known),
        first_right=sum(first),
        final_right=sum(final),
        changed=sum(1 for r in known if first_answer(r.attempts) != _final_answer(r)),
        fixed=sum(1 for a, b in zip(first, final, strict=True) if not a and b),
        broken=sum(1 for a, b in zip(first, final, strict=True) if a and not b),
    )


def _final_answer(result: Result) -> str | None:
    return result.answer if result.answer is not None else result.withheld
