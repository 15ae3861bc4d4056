"""Replay agent designs on samples already recorded, to choose one before paying for a run.

Usage: python scripts/replay_agent.py TASK_SPEC VOTE_RUN/results.jsonl AGENT_RUN/results.jsonl...

Programs come from a `pal >> vote(n=5)` run (its greedy program, then its samples, in the
order drawn); chains of thought from agent runs of the same items (each distinct chain once,
the greedy one first). A design that needs more chains than were recorded for an item
cannot be replayed on it: those items are counted and left out of its figures, which is why
the table says n. Analysis of development runs only (docs/results.md).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from replay_vote import right  # scripts/ is on the path when run as a script

from reasoner import Attempt, load_task
from reasoner.checks import claims_verdict
from reasoner_strategies.vote import majority_settled, vote_counts


class TooFewSamples(Exception):
    pass


def load_rows(path: str) -> dict[str, dict]:
    lines = Path(path).read_text().splitlines()
    return {row["problem_id"]: row for row in map(json.loads, filter(None, lines))}


def samples(task: Any, vote_row: dict, agent_rows: list[dict]) -> dict[str, list[dict]]:
    def sample(attempt: dict, miscalculated: bool = False) -> dict:
        answer = None if attempt.get("error") or miscalculated else attempt["answer"]
        value = None if answer is None else task.parse(answer)
        return {
            "answer": answer,
            "value": value,
            "tokens": attempt["tokens_out"],
            "mean_logprob": Attempt.model_validate(attempt).mean_logprob,
            "miscalculated": miscalculated,
        }

    chains, seen = [], set()
    for row in agent_rows:
        for a in row["attempts"]:
            if a["strategy"] == "cot" and a["text"] not in seen:
                seen.add(a["text"])
                chains.append(sample(a, bool(a["text"]) and claims_verdict(a["text"]).failed))
    return {"pal": [sample(a) for a in vote_row["attempts"]], "cot": chains}


class Replay:
    """One item's run under a design: draws recorded samples in order, tallies votes."""

    def __init__(self, task: Any, recorded: dict[str, list[dict]]):
        self.task, self.recorded, self.drawn = task, recorded, []
        self.used = {"pal": 0, "cot": 0}

    def draw(self, method: str) -> None:
        if self.used[method] >= len(self.recorded[method]):
            raise TooFewSamples
        self.drawn.append(self.recorded[method][self.used[method]])
        self.used[method] += 1

    def tally(self) -> list[list]:
        groups: list[list] = []  # [first sample, votes]
        for s in self.drawn:
            if s["value"] is None:
                continue
            same = (g for g in groups if self.task.same_answer(g[0]["value"], s["value"]))
            group = next(same, None)
            if group is None:
                groups.append([s, 1])
            else:
                group[1] += 1
        return sorted(groups, key=lambda g: -g[1])

    def weighted_agreement(self) -> tuple[Any, float]:
        """The leader of a confidence-weighted vote and its agreement, as `vote(weighted=True)`
        computes them: each answer's share of the weight times the ballots, over all drawn."""
        groups = [first for first, _ in self.tally()]

        def vote_of(sample: dict) -> str:  # the first answer drawn that the task deems the same
            return next(
                g["answer"] for g in groups if self.task.same_answer(g["value"], sample["value"])
            )

        ballots = [(vote_of(s), s["mean_logprob"]) for s in self.drawn if s["value"] is not None]
        if not ballots:
            return None, 0.0
        best, votes = vote_counts(ballots, weighted=True).most_common(1)[0]
        return best, votes / len(self.drawn)

    def settled(self, stop: float) -> bool:
        return majority_settled(Counter({str(i): g[1] for i, g in enumerate(self.tally())}), stop)

    def vote(self, n: int, stop: float, methods: tuple[str, ...]) -> tuple[Any, float]:
        while not self.settled(stop) and len(self.drawn) < n:
            self.draw(methods[len(self.drawn) % len(methods)])
        groups = self.tally()
        if not groups:
            return None, 0.0
        # As the vote does: a chain that miscalculated does not count against the winner.
        counted = sum(1 for s in self.drawn if not s["miscalculated"])
        return groups[0][0]["answer"], groups[0][1] / counted


def old_agent(r: Replay, stop: float = 0.6) -> tuple[Any, float]:
    r.draw("pal")
    r.draw("cot")
    return r.vote(5, stop, ("pal", "cot"))


def two_programs_first(r: Replay) -> tuple[Any, float]:
    r.draw("pal")
    r.draw("pal")
    groups = r.tally()
    if groups and groups[0][1] == 2:
        return groups[0][0]["answer"], 1.0
    r.draw("cot")
    return r.vote(5, 0.6, ("pal", "cot"))


def surer_program_first(r: Replay) -> tuple[Any, float]:
    r.draw("pal")
    r.draw("pal")
    answer, agreement = r.weighted_agreement()
    if agreement >= 0.8:
        return answer, agreement
    r.draw("cot")
    return r.vote(5, 0.6, ("pal", "cot"))


DESIGNS: dict[str, Callable[[Replay], tuple[Any, float]]] = {
    "pal >> check >> switch(cot, when=unverified) >> vote(stop=0.6)": old_agent,
    "... vote(stop=0.8), the abstaining form": lambda r: old_agent(r, stop=0.8),
    "two programs, then cot when they disagree (agent)": two_programs_first,
    "two programs weighed by confidence, cot below 0.8": surer_program_first,
}


def main() -> None:
    task = load_task(sys.argv[1])
    votes, agents = load_rows(sys.argv[2]), [load_rows(p) for p in sys.argv[3:]]

    for name, design in DESIGNS.items():
        done, skipped = [], 0
        for pid, row in votes.items():
            replay = Replay(task, samples(task, row, [a[pid] for a in agents if pid in a]))
            try:
                answer, confidence = design(replay)
            except TooFewSamples:
                skipped += 1
                continue
            tokens = sum(s["tokens"] for s in replay.drawn)
            done.append((right(task, answer, row["gold"]), len(replay.drawn), tokens, confidence))
        k = len(done)
        kept = sum((1 if d[0] else -3) for d in done if d[3] >= 0.75)
        print(
            f"{name}: n={k} (skipped {skipped}), accuracy {sum(d[0] for d in done) / k:.1%}, "
            f"completions {sum(d[1] for d in done) / k:.2f}, tokens {sum(d[2] for d in done) / k:.0f}, "
            f"S(0.75) over all {len(votes)} items (skipped ones abstain) {kept / len(votes):+.2f}"
        )


if __name__ == "__main__":
    main()
