"""`select`: when the pooled methods disagree, show the model two solutions and let it choose
(Zhao et al. 2023, "Automatic Model Selection with Large Language Models for Reasoning",
arXiv 2305.14333): one completion instead of more samples, used after a branch or a switch,
e.g. `pal >> check >> switch(cot, when=unverified) >> select`.

The two solutions are the pool's two most common answers (ties: the earlier one first); each
is shown as its method wrote it (the program and what it printed, or the reasoning). The
reply is one letter, constrained to `A` or `B` where the backend can enforce it.

Not in `agent`: Qwen2.5-Coder-1.5B answered `A` whichever solution came first
(`scripts/replay_select.py`, docs/agents.md); a judge needs a larger model.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from reasoner import Session, strategy
from reasoner.session import clip
from reasoner.types import AnswerConstraint, Attempt

PROMPT = """There are two solutions to the same problem. Exactly one of them is correct.
Read both, check each step, and say which one answers the problem correctly.

Problem: {problem}

(A) {first}

(B) {second}

Which solution is correct, (A) or (B)? Answer with the letter only."""

SHOWN_CHARS = 2500


@strategy
def select(max_tokens: int = 4):
    """Choose between the pool's two leading answers by asking the model (Zhao et al. 2023).

    Records `selected` (the chosen letter's probability, when the backend reports it) and
    sets confidence to it; when the pool agrees there is nothing to choose and no call.

    Args:
        max_tokens: the most tokens of the reply (a letter).
    """

    async def run(s: Session) -> None:
        attempts = s.all_attempts()
        pair = leading_pair([(i, attempts[i]) for i in s.pool])
        if pair is None:
            s.note("select", "the pool agrees (or has no answer): nothing to choose")
            return
        first, second = pair
        prompt = PROMPT.format(
            problem=s.problem.prompt,
            first=shown_solution(attempts[first]),
            second=shown_solution(attempts[second]),
        )
        generation = await s.ask(
            prompt,
            purpose="select",
            max_tokens=max_tokens,
            constraint=AnswerConstraint(choices=["A", "B"]),
        )
        reply = generation.text.strip().strip("()").upper()[:1]
        if reply not in ("A", "B"):
            s.note("select", f"no choice read from {generation.text!r}: keeping the candidate")
            return
        chosen = first if reply == "A" else second
        s.choose(chosen)
        logprob = generation.completions[0].logprob
        confidence = math.exp(logprob) if logprob is not None else 0.5
        s.set_confidence(confidence)
        s.set_signal("selected", confidence, index=chosen)
        s.note("select", f"chose ({reply}) {attempts[chosen].answer} over the other answer")

    return run


def leading_pair(candidates: Sequence[tuple[int, Attempt]]) -> tuple[int, int] | None:
    """The indices of the first attempts with the two most common answers (ties: the earlier
    answer first), or None when fewer than two answers were given."""
    answered = [(i, a.answer) for i, a in candidates if a.answer is not None]
    counts = Counter(answer for _, answer in answered)
    if len(counts) < 2:
        return None
    (first, _), (second, _) = counts.most_common(2)
    return (
        next(i for i, answer in answered if answer == first),
        next(i for i, answer in answered if answer == second),
    )


def shown_solution(attempt: Attempt) -> str:
    """A solution as the model is shown it: the program and what it printed, or the text."""
    if attempt.program:
        printed = attempt.execution.stdout.strip() if attempt.execution else ""
        return clip(f"A Python program:\n{attempt.program}\nIt printed: {printed}", SHOWN_CHARS)
    return clip(attempt.text.strip(), SHOWN_CHARS)
