"""`vote`: self-consistency (Wang et al. 2022, "Self-Consistency Improves Chain of Thought
Reasoning in Language Models"): sample several answers, keep the majority, and report the
agreement as confidence."""

from __future__ import annotations

from collections import Counter

from reasoner import Session, strategy


@strategy
def vote(n: int = 5, temperature: float = 0.7):
    """Self-consistency: n samples from the generator, majority answer, agreement as confidence.

    Records two signals for the chosen answer: `agreement` (its votes over all n samples,
    so samples without an answer count against it) and `answered` (the share of samples
    that gave any answer). After `pal` the votes are over the programs' printed outputs.

    Args:
        n: total samples, counting the current candidate.
        temperature: sampling temperature for the extra samples.
    """
    if n < 1:
        raise ValueError("n must be >= 1")

    async def run(s: Session) -> None:
        if s.generator is None:
            s.note("vote", "no generator before vote: nothing to sample")
            return
        indices = [] if s.candidate_index is None else [s.candidate_index]
        extra = await s.generator.propose(s, n=n - len(indices), temperature=temperature)
        indices += [s.add_attempt(a) for a in extra]
        attempts = s.all_attempts()
        answers = [attempts[i].answer for i in indices]
        counts = Counter(a for a in answers if a is not None)
        answered = sum(counts.values()) / len(indices)
        if not counts:
            s.set_confidence(0.0)
            s.set_signal("agreement", 0.0)
            s.set_signal("answered", 0.0)
            s.note("vote", f"no sample of {len(indices)} gave an answer")
            return
        best, votes = counts.most_common(1)[0]
        s.choose(next(i for i in indices if attempts[i].answer == best))
        # A failed program or an unreadable reply is a vote against every answer: with
        # PAL this makes agreement the share of all programs whose OUTPUT is the winner.
        agreement = votes / len(indices)
        s.set_confidence(agreement)
        s.set_signal("agreement", agreement)
        s.set_signal("answered", answered)
        s.note("vote", f"{best} won {votes}/{len(indices)}", counts=dict(counts))

    return run
