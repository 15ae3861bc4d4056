"""`agent`: the recommended composition, for every task (see docs/agents.md for why).

Plan, verify, switch (XoT, Liu et al. 2023) and vote only where it is needed
(Adaptive-Consistency, Aggarwal et al. 2023; Prove, Toh et al. 2024):
1. `pal` writes a program and the sandbox runs it; `check` runs the task's checker.
2. A candidate a checker passed stands (Hanoi's simulator, a chess mate): one completion.
3. Otherwise `switch` brings in `cot`, a different method; both answers go into the pool.
4. `vote` weighs the pool and samples more only while the majority is unsettled, checking
   every sample (failed ones do not vote), up to `n` samples in all.
"""

from __future__ import annotations

from reasoner import strategy
from reasoner.pipeline import Pipeline


@strategy
def agent(n: int = 5, stop: float | None = None, abstain: float | None = None) -> Pipeline:
    """The recommended agent pipeline; `reasoner show agent` prints its full spec.

    Args:
        n: the most samples its vote may draw, the first two included.
        stop: how settled the vote's majority must be to stop sampling (0.5 to 1); by
            default 0.6 (a third sample that sides with one method ends the vote), and 0.8
            when it abstains, so that the answers it keeps have a settled majority (both
            chosen on GSM8K development items: docs/results.md).
        abstain: when set, abstain below this confidence (the Kalai et al. threshold t).
    """
    if stop is None:
        stop = 0.6 if abstain is None else 0.8
    spec = (
        "pal >> check >> switch(cot, when=unverified)"
        f" >> vote(n={n}, adaptive=True, stop={stop}, filter=True)"
    )
    if abstain is not None:
        spec += f" >> abstain(t={abstain})"
    return Pipeline.parse(spec)
