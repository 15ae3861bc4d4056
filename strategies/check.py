"""`check`: the task's own inference-time checker as a stage (simulate Hanoi moves, test a
chess move for legality and mate, re-evaluate an expression). It sees the problem, never gold.

Neuro-symbolic verification in the sense of e.g. Pan et al. 2023 (Logic-LM): a symbolic
component judges what the language model proposed.
"""

from __future__ import annotations

import asyncio

from reasoner import Session, strategy


@strategy
def check():
    """Run the task's checker on the candidate (problem only, never gold); a failure is evidence."""

    async def run(s: Session) -> None:
        attempt = s.candidate
        if attempt is None or attempt.answer is None:
            reason = (
                attempt.error
                if attempt is not None and attempt.error
                else "no answer could be read from the reply"
            )
            s.verdict("check", "failed", reason)
            return
        value = s.candidate_value()
        # In a thread: a check may take seconds (a chess engine search, a million Hanoi
        # moves), and the event loop must keep serving the other problems' model calls.
        verdict = await asyncio.to_thread(s.task.check, s.problem, value)
        s.verdict(verdict.checker or "check", verdict.status, verdict.evidence)

    return run
