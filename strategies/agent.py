"""`agent`: the recommended composition, for every task (see docs/agents.md for why).

Plan, verify, switch (XoT, Liu et al. 2023) and vote only where it is needed
(Adaptive-Consistency, Aggarwal et al. 2023; Prove, Toh et al. 2024):
1. `pal` writes a program and the sandbox runs it; `check` runs the task's checker.
2. A candidate a checker passed stands (Hanoi's simulator, a chess mate): one completion.
3. Otherwise a second program is sampled; two programs that print the same answer stand
   (two completions). A failed one is replaced while the budget of two lasts.
4. When they disagree (or fail), `switch` brings in `cot`, a different method, whose
   false calculations its calculator redoes (`cot(calculator=True)`), and `vote` weighs
   all of them, sampling the two methods in turn only while the majority is
   unsettled, checking every sample (failed ones do not vote), up to `n`=4 samples in all
   (a fifth sample mostly broke four-way splits: on two development runs, deciding at
   four instead made 2 answers right and 1 wrong that the fifth had decided the other way,
   and saved 0.17 to 0.20 completions a problem; docs/results.md).

The abstaining form asks `cot` whenever no checker vouched for the program, since an
answer that two methods reached is the evidence worth answering on, and it keeps voting
until the majority is settled at `stop`=0.8 before `abstain` thresholds the agreement.
"""

from __future__ import annotations

from reasoner import strategy
from reasoner.pipeline import Pipeline

#: The second method: a brief chain of thought whose false calculations are redone before
#: it votes (a chain with a false step would otherwise be kept out of the vote).
CHAIN = "cot(calculator=True)"


@strategy
def agent(
    n: int | None = None, stop: float | None = None, abstain: float | None = None
) -> Pipeline:
    """The recommended agent pipeline; `reasoner show agent` prints its full spec.

    Args:
        n: the most samples its final vote may draw, the earlier ones included: by default
            4, and 5 when it abstains (its vote must settle at 0.8 to answer at all).
        stop: how settled the final vote's majority must be to stop sampling (0.5 to 1);
            by default 0.6 (a sample that breaks a tie ends the vote), and 0.8 when it
            abstains, so that the answers it keeps have a settled majority (both chosen on
            development items: docs/results.md).
        abstain: when set, abstain below this confidence (the Kalai et al. threshold t).
    """
    if abstain is None:
        first = "pal >> check >> vote(n=2, adaptive=True, stop=0.8, filter=True)"
        last = _vote(4 if n is None else n, 0.6 if stop is None else stop)
        spec = f"{first} >> switch({CHAIN}, below=1.0) >> {last}"
    else:
        vote = _vote(5 if n is None else n, 0.8 if stop is None else stop)
        spec = f"pal >> check >> switch({CHAIN}, when=unverified) >> {vote} >> abstain(t={abstain})"
    return Pipeline.parse(spec)


def _vote(n: int, stop: float) -> str:
    return f"vote(n={n}, adaptive=True, stop={stop}, filter=True)"
