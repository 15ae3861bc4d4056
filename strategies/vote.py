"""`vote`: self-consistency (Wang et al. 2022, "Self-Consistency Improves Chain of Thought
Reasoning in Language Models"): sample several answers, keep the majority, and report the
agreement as confidence.

Two refinements from the literature, each a keyword:
- `adaptive=True` samples in rounds and stops once the majority is settled: the
  Beta stopping rule of Adaptive-Consistency (Aggarwal et al. 2023, arXiv 2305.11860): with
  a votes for the leader and b for the runner-up, stop when P(p_leader > p_runner_up) under
  Beta(a + 1, b + 1) reaches `stop`. Each round is a pass through the vote's node, repeated
  by a conditional edge of the graph, at most `n` samples in all.
- `filter=True` lets only samples that pass the task's checker vote, as Prove (Toh et al.
  2024, arXiv 2410.12608) keeps only answers whose program verifies: every new sample is
  checked; failed ones (and failed programs) do not vote, and when some sample passed a
  check, only passed samples vote (a verified answer settles an adaptive vote at once).
  A chain of thought is also checked the way a program's run checks a program: its
  stated calculations ("12 * 7 = 84") are recomputed exactly, and one false step keeps
  it from voting.
- `weighted=True` weighs each vote by the model's own confidence in the sample, as
  Confidence-Informed Self-Consistency does (Taubenfeld et al. 2025, arXiv 2502.06233):
  the softmax of the samples' mean token log-probabilities at temperature
  `CONFIDENCE_TEMPERATURE`. Two samples that disagree then need no third when the model was
  much surer of one; an adaptive vote applies its stopping rule to the weighted tally.
After a branch (`(pal | cot) >> vote`) the methods' answers vote together, new samples are
drawn from each method in turn, and `methods` records how many methods back the winner.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

from scipy.stats import beta

from reasoner import Problem, Session, Task, strategy
from reasoner.checks import claims_verdict
from reasoner.strategy import Rounds
from reasoner.types import Attempt, Verdict

#: The checker name on a sample whose stated arithmetic is false.
ARITHMETIC_CHECKER = "arithmetic"

#: The softmax temperature of `weighted` votes over mean token log-probabilities. Chosen
#: by replaying the recorded `pal >> vote(n=5)` samples of the first 100 GSM8K and GSM-Hard
#: development items (docs/results.md): right programs averaged -0.066 to -0.074 per token,
#: wrong ones -0.100 to -0.132, so a gap of a few hundredths is already strong evidence.
CONFIDENCE_TEMPERATURE = 0.03

#: The fewest samples an adaptive vote settles on (unless a check verified the answer):
#: one sample is no majority, yet the Beta rule gives it 0.75, so below that a `stop`
#: would end the vote at the first sample.
MIN_SAMPLES = 2


@strategy
def vote(
    n: int = 5,
    temperature: float = 0.7,
    adaptive: bool = False,
    stop: float = 0.95,
    filter: bool = False,  # noqa: A002 - `filter` is the documented spec keyword
    weighted: bool = False,
) -> Any:
    """Self-consistency: the majority answer over samples, agreement as confidence.

    Records signals for the chosen answer: `agreement` (its votes over all voting samples,
    so samples without an answer count against it), `answered` (the share of samples that
    gave any answer), `samples` (how many samples were drawn in all) and, when several
    methods voted, `methods` (the share of them whose samples include the winner). After
    `pal` the votes are over the programs' printed outputs.

    Args:
        n: total samples, counting the candidates already in the pool; with `adaptive`,
            the most it may draw.
        temperature: sampling temperature for the extra samples.
        adaptive: sample one at a time and stop once the majority is settled.
        stop: with `adaptive`, how sure the leader must be to stop (0.5 to 1).
        filter: only samples that pass the task's check vote (failed ones never do, nor
            chains of thought with a false calculation); when none is left, the vote
            abstains rather than answer with a failed sample.
        weighted: weigh each vote by the model's confidence in its sample (the softmax of
            mean token log-probabilities); the votes are counted plainly when the backend
            reports no log-probabilities. Agreement is then the winner's weighted share.
    """
    if n < 1:
        raise ValueError("n must be >= 1")
    if not 0.5 <= stop <= 1.0:
        raise ValueError("stop must be between 0.5 and 1")

    async def run_once(s: Session) -> None:
        voters = await _voters(s, n, temperature, filter)
        _tally(s, voters, filter, weighted, final=True)

    if not adaptive:
        return run_once

    async def one_round(s: Session) -> None:
        memory = s.memory()
        voters = list(memory.get("voters", s.pool))
        if filter and not memory:
            voters = await _check_all(s, voters)
        if not _settled(s, voters, stop, filter, weighted) and len(voters) < n:
            voters += await _sample(s, 1, temperature, filter, len(voters))
        settled = _settled(s, voters, stop, filter, weighted) or len(voters) >= n
        s.remember(voters=voters, done=settled)
        _tally(s, voters, filter, weighted, final=settled)

    def again(s: Session) -> bool:
        return not s.memory().get("done", True)

    return Rounds(step=one_round, again=again, max_rounds=n)


async def _voters(s: Session, n: int, temperature: float, filter: bool) -> list[int]:
    voters = s.pool
    if filter:
        voters = await _check_all(s, voters)
    return voters + await _sample(s, n - len(voters), temperature, filter, len(voters))


async def _sample(
    s: Session, count: int, temperature: float, filter: bool, drawn: int
) -> list[int]:
    """`count` new samples, from the pool's generators in turn; checked when filtering."""
    generators = s.generators
    if count <= 0 or not generators:
        if not generators:
            s.note("vote", "no generator before vote: nothing to sample")
        return []
    per_generator = Counter(generators[(drawn + k) % len(generators)] for k in range(count))
    batches = await asyncio.gather(
        *(g.propose(s, n=k, temperature=temperature) for g, k in per_generator.items())
    )
    indices = [s.add_attempt(a) for batch in batches for a in batch]
    return await _check_all(s, indices) if filter else indices


async def _check_all(s: Session, indices: list[int]) -> list[int]:
    """Checks every attempt that has no verdict yet (in threads: a check can take seconds)."""
    attempts = s.all_attempts()
    todo = [i for i in indices if attempts[i].answer is not None and not s.verdicts_for(i)]
    judged = await asyncio.gather(
        *(asyncio.to_thread(judge, s.task, s.problem, attempts[i]) for i in todo)
    )
    for i, verdicts in zip(todo, judged, strict=True):
        for verdict in verdicts:
            s.verdict(verdict.checker or "check", verdict.status, verdict.evidence, index=i)
    return indices


def judge(task: Task, problem: Problem, attempt: Attempt) -> list[Verdict]:
    """The task's verdict on a sample's answer and, for a chain of thought, a failed verdict
    when one of its stated calculations is false.

    A reasoning text that miscalculates has not earned its vote: on the agent's GSM-Hard
    and GSM8K runs (docs/results.md) 39 chains of thought had a false step and 2 of them
    ended right. Steps that all hold are no evidence that the question was read right, so
    they add no passed verdict (which would settle the vote on that one sample).
    """
    verdicts = [task.check(problem, task.parse(attempt.answer))]
    if attempt.program is None and attempt.text:
        steps = claims_verdict(attempt.text, checker=ARITHMETIC_CHECKER)
        if steps.failed:
            verdicts.append(steps)
    return verdicts


def _miscalculated(s: Session, index: int) -> bool:
    """Whether the sample's only failure is a false calculation in its reasoning."""
    failed = [v for v in s.verdicts_for(index) if v.failed]
    return bool(failed) and all(v.checker == ARITHMETIC_CHECKER for v in failed)


def _eligible(s: Session, voters: list[int], filter: bool) -> list[int]:
    """The samples whose answers count: all with an answer, or with `filter`, those no
    check failed (only the passed ones when any passed)."""
    attempts = s.all_attempts()
    if not filter:
        return voters
    unfailed = [
        i
        for i in voters
        if attempts[i].answer is not None
        and not attempts[i].error
        and not any(v.failed for v in s.verdicts_for(i))
    ]
    passed = [i for i in unfailed if any(v.passed for v in s.verdicts_for(i))]
    return passed or unfailed


def _ballots(s: Session, eligible: list[int]) -> dict[int, str]:
    """Each eligible sample's vote: the first answer cast that the task deems the same as
    its own (two programs may print one number as 852828.6363636367 and ...358)."""
    attempts = s.all_attempts()
    cast: list[tuple[str, Any]] = []  # (answer text, parsed value) of each distinct vote
    ballots: dict[int, str] = {}
    for i in eligible:
        answer = attempts[i].answer
        if answer is None:
            continue
        value = s.task.parse(answer)
        same = next((text for text, v in cast if _same(s, text, v, answer, value)), None)
        if same is None:
            cast.append((answer, value))
        ballots[i] = same or answer
    return ballots


def _same(s: Session, text: str, value: Any, other_text: str, other: Any) -> bool:
    if text == other_text:
        return True
    return value is not None and other is not None and s.task.same_answer(value, other)


def _counts(s: Session, ballots: dict[int, str], weighted: bool) -> Counter[str]:
    attempts = s.all_attempts()
    return vote_counts(
        [(answer, attempts[i].mean_logprob) for i, answer in ballots.items()], weighted
    )


def vote_counts(ballots: Sequence[tuple[str, float | None]], weighted: bool) -> Counter[str]:
    """Votes per answer from (answer, mean token log-probability) ballots.

    Weighted (CISC), each ballot weighs the softmax of its mean log-probability, and an
    answer gets its share of the weight times the number of ballots, so that equal weights
    give the plain counts and the stopping rule (a Beta posterior over vote counts) reads
    weighted votes on the same scale. Plain counts when some ballot has no log-probability
    (a backend that reports none).
    """
    means = [m for _, m in ballots if m is not None]
    if not weighted or len(means) < len(ballots):
        return Counter(answer for answer, _ in ballots)
    top = max(means, default=0.0)
    weights = [math.exp((m - top) / CONFIDENCE_TEMPERATURE) for m in means]
    total = sum(weights)
    # Weighted, the Counter holds float pseudo-counts: most_common and the Beta rule take them.
    shares: dict[str, float] = {}
    for (answer, _), weight in zip(ballots, weights, strict=True):
        shares[answer] = shares.get(answer, 0.0) + len(ballots) * weight / total
    return Counter(shares)


def _settled(s: Session, voters: list[int], stop: float, filter: bool, weighted: bool) -> bool:
    counts = _counts(s, _ballots(s, _eligible(s, voters, filter)), weighted)
    if not counts:
        return False
    if (
        filter
        and any(any(v.passed for v in s.verdicts_for(i)) for i in _eligible(s, voters, filter))
        and len(counts) == 1
    ):
        return True  # a verified answer, and no other verified one: nothing left to vote on
    if len(voters) < MIN_SAMPLES:
        return False
    return majority_settled(counts, stop)


def majority_settled(counts: Counter[str], stop: float) -> bool:
    """Adaptive-Consistency's rule: whether P(p_leader > p_runner_up) reaches `stop`.

    With a votes for the leader and b for the runner-up that is 1 - CDF(0.5) of
    Beta(a + 1, b + 1); no votes at all are never settled.
    """
    if not counts:
        return False
    ranked = counts.most_common(2)
    leader = ranked[0][1]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    return float(beta.sf(0.5, leader + 1, runner_up + 1)) >= stop


def _tally(s: Session, voters: list[int], filter: bool, weighted: bool, final: bool) -> None:
    attempts: list[Attempt] = s.all_attempts()
    s.writes["pool"] = list(voters)  # a later switch or decider weighs every sample drawn
    eligible = _eligible(s, voters, filter)
    ballots = _ballots(s, eligible)
    counts = _counts(s, ballots, weighted)
    if not counts:
        s.set_signal("samples", float(len(voters)))
        s.set_confidence(0.0)
        s.set_signal("agreement", 0.0)
        s.set_signal("answered", 0.0)
        s.note("vote", f"no sample of {len(voters)} gave an answer that may vote")
        if filter and final and not s.generators_ahead:
            # Every answer failed a check (an illegal move, a wrong tower): "I don't know"
            # is worth more than an answer known to be wrong (Kalai et al. 2025). Unless a
            # later stage can still answer (a switch to another method after this vote).
            s.abstain(f"none of the {len(voters)} samples passed the checks")
        return
    best, votes = counts.most_common(1)[0]
    backers = [i for i in eligible if ballots.get(i) == best]
    s.choose(backers[0])
    # A failed program or an unreadable reply is a vote against every answer: with PAL
    # this makes agreement the share of all programs whose OUTPUT is the winner. Only a
    # verified winner is judged among the verified samples alone: a check vouches for it,
    # whereas samples that failed beside an unverified winner say the problem is hard.
    # A chain of thought that miscalculated says nothing about the answer it missed (on
    # GSM-Hard it fails on seven-digit products the programs get right), so it does not
    # count against the winner either.
    verified = any(any(v.passed for v in s.verdicts_for(i)) for i in backers)
    if filter and verified:
        denominator = len(eligible)
    else:
        denominator = len(voters) - sum(1 for i in voters if _miscalculated(s, i))
    agreement = min(votes / max(denominator, 1), 1.0)
    answered = sum(1 for i in voters if attempts[i].answer is not None) / len(voters)
    s.set_confidence(agreement)
    s.set_signal("agreement", agreement)
    s.set_signal("answered", answered)
    s.set_signal("samples", float(len(voters)))
    methods = {attempts[i].strategy for i in voters}
    if len(methods) > 1:
        backing = {attempts[i].strategy for i in backers}
        s.set_signal("methods", len(backing) / len(methods))
    s.note(
        "vote",
        f"{best} won {votes:.3g}/{denominator} ({len(voters)} samples"
        + (", weighted by confidence)" if weighted else ")"),
        counts={answer: round(c, 3) for answer, c in counts.items()},
        samples=len(voters),
    )
