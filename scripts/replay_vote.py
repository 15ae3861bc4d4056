"""Replay an adaptive vote's recorded samples under other budgets and stopping thresholds.

Usage: python scripts/replay_vote.py RUN/results.jsonl TASK_SPEC [PIPELINE] [--weighted]

Each problem's samples, in the order the run drew them, are voted again for n = 2..5 and
stop = 0.6, 0.7, 0.8 (never on fewer than two samples, as the vote does). Exact for a run
made with a larger n and a higher stop, since such a vote stops no later. `--weighted`
weighs each sample by the model's confidence in it, as `vote(weighted=True)` does.
Analysis of development runs only: it chose the `agent` defaults (docs/results.md).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import Any

from reasoner import Attempt, Example, Problem, load_task
from reasoner_strategies.vote import majority_settled, vote_counts


def right(task: Any, answer: str | None, gold: object) -> bool:
    """Whether the task scores `answer` right against a results row's gold."""
    if answer is None:
        return False
    example = Example(problem=Problem(id="-", task=task.name, prompt="-"), gold=gold)
    if isinstance(gold, str | int):
        example = example.model_copy(update={"gold": Fraction(str(gold))})
    return bool(task.score(example, task.parse(answer)))


def counts(voters: list[tuple[str | None, float | None]], weighted: bool) -> Counter[str]:
    """Votes per answer, as the vote counts them, from (answer, mean log-probability) pairs."""
    return vote_counts([(a, m) for a, m in voters if a is not None], weighted)


def replay(row: dict, n: int, stop: float, weighted: bool) -> tuple[str | None, int, float] | None:
    """(answer, samples drawn, agreement), or None when the run drew too few samples."""
    failed = {v["attempt"] for v in row["verdicts"] if v["status"] == "failed"}
    answers = [
        (
            None if (i in failed or a.get("error")) else a["answer"],
            Attempt.model_validate(a).mean_logprob,
        )
        for i, a in enumerate(row["attempts"])
    ]
    voters = answers[:2]
    while not majority_settled(counts(voters, weighted), stop) and len(voters) < n:
        if len(voters) >= len(answers):
            return None
        voters.append(answers[len(voters)])
    tally = counts(voters, weighted)
    if not tally:
        return None, len(voters), 0.0
    best, votes = tally.most_common(1)[0]
    return best, len(voters), votes / len(voters)


def main() -> None:
    weighted = "--weighted" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--weighted"]
    path, spec = args[0], args[1]
    pipeline = args[2] if len(args) > 2 else "agent"
    task = load_task(spec)
    rows = [json.loads(line) for line in Path(path).read_text().splitlines() if line]
    rows = [r for r in rows if r["pipeline"] == pipeline]

    print(f"{len(rows)} problems")
    for n in (2, 3, 4, 5):
        for stop in (0.6, 0.7, 0.8):
            out = [replay(r, n, stop, weighted) for r in rows]
            if any(o is None for o in out):
                print(f"n={n} stop={stop}: the run drew too few samples to replay")
                continue
            done = [
                (right(task, o[0], r["gold"]), o[1], o[2]) for o, r in zip(out, rows, strict=True)
            ]
            accuracy = sum(d[0] for d in done) / len(done)
            samples = sum(d[1] for d in done) / len(done)
            kept = sum((1 if d[0] else -3) for d in done if d[2] >= 0.75) / len(done)
            print(
                f"n={n} stop={stop}: accuracy {accuracy:.1%}, samples {samples:.2f}, "
                f"S(0.75) answering at agreement >= 0.75 {kept:+.2f}"
            )


if __name__ == "__main__":
    main()
