"""Ask the model `select`'s question on the recorded pools of a run, to measure the selector.

Usage: python scripts/replay_select.py MODEL TASK_SPEC RUN/results.jsonl [...]

For every problem whose voting samples disagree, the model is shown pairs of them with
`select`'s own prompt, in both orders (A, B) and (B, A). Pairs:
- `top`: the pool's two most common answers, as `select` picks them;
- `methods`: the leading answer of each method (a program against a chain of thought),
  Zhao et al.'s comparison, where both methods answered and differ.
Printed per pairing: how often the model answered `A`, and how the vote's own answers would
change (made right / made wrong) if its choice were kept, read three ways: the letter when
the leader is shown first, the letter when it is shown second, and both orders together
(the leader wins when the model's probability of `A` is higher with the leader as `A`,
which cancels a bias towards one position). One completion of a few tokens per order;
the model is real and the pools are what the run drew, so this measures the selector alone.
Analysis of development runs only (docs/results.md).
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from replay_vote import right  # scripts/ is on the path when run as a script

from reasoner import Attempt, Problem, load_model, load_task
from reasoner.types import AnswerConstraint
from reasoner_strategies.select import PROMPT, leading_pair, shown_solution
from reasoner_strategies.vote import judge


def voters(task: Any, problem: Problem, row: dict) -> list[Attempt]:
    """The attempts that voted, judged as `vote(filter=True)` judges them: none a check
    failed, and only the passed ones when any passed."""
    judged = [
        (attempt, judge(task, problem, attempt))
        for attempt in map(Attempt.model_validate, row["attempts"])
        if attempt.answer is not None and not attempt.error
    ]
    unfailed = [(a, verdicts) for a, verdicts in judged if not any(v.failed for v in verdicts)]
    passed = [a for a, verdicts in unfailed if any(v.passed for v in verdicts)]
    return passed or [a for a, _ in unfailed]


def pairs(pool: list[Attempt]) -> dict[str, tuple[Attempt, Attempt]]:
    """The pair each rule would show, leader first; a rule with no pair is left out."""
    found: dict[str, tuple[Attempt, Attempt]] = {}
    top = leading_pair(list(enumerate(pool)))
    if top is not None:
        found["top"] = (pool[top[0]], pool[top[1]])
    counts = Counter(a.answer for a in pool)
    leaders = {}
    for method in ("pal", "cot"):
        mine = Counter(a.answer for a in pool if a.strategy.startswith(method))
        if mine:
            # most common within the method, ties broken by the pool's count, then order
            best = max(mine, key=lambda ans: (mine[ans], counts[ans]))
            leaders[method] = next(a for a in pool if a.answer == best)
    if len(leaders) == 2 and leaders["pal"].answer != leaders["cot"].answer:
        found["methods"] = (leaders["pal"], leaders["cot"])
    return found


#: Replies already read, by (problem, first answer and method, second answer and method):
#: both pairings often show the same pair, and it is asked once.
_asked: dict[tuple, tuple[str, float] | None] = {}


async def ask(model: Any, problem: str, a: Attempt, b: Attempt) -> tuple[str, float] | None:
    """The letter the model picks for (A, B) and that letter's probability."""
    key = (problem, a.answer, a.strategy, b.answer, b.strategy)
    if key not in _asked:
        prompt = PROMPT.format(problem=problem, first=shown_solution(a), second=shown_solution(b))
        generation = await model.ask(
            prompt, max_tokens=4, constraint=AnswerConstraint(choices=["A", "B"])
        )
        letter = generation.text.strip().strip("()").upper()[:1]
        logprob = generation.completions[0].logprob
        _asked[key] = None
        if letter in ("A", "B") and logprob is not None:
            _asked[key] = (letter, math.exp(logprob))
    return _asked[key]


def p_a(reply: tuple[str, float]) -> float:
    """P(A) as the model put it; when it chose B, the rest of B's probability."""
    letter, p = reply
    return p if letter == "A" else 1.0 - p


async def replay(model: Any, spec: str, path: str, tally: dict[str, Counter[str]]) -> None:
    task = load_task(spec)
    problems = {p.id: p for p in task.problems()}
    for line in filter(None, Path(path).read_text().splitlines()):
        row = json.loads(line)
        problem = problems[row["problem_id"]]
        for rule, (lead, other) in pairs(voters(task, problem, row)).items():
            forward = await ask(model, problem.prompt, lead, other)
            backward = await ask(model, problem.prompt, other, lead)
            if forward is None or backward is None:
                tally[rule]["no letter read"] += 1
                continue
            picks = {
                "shown first": forward[0] == "A",
                "shown second": backward[0] == "B",
                # position bias cancels: lead wins when P(A) is higher with lead as A
                "both orders": p_a(forward) >= p_a(backward),
            }
            ok_lead = right(task, lead.answer, row["gold"])
            ok_other = right(task, other.answer, row["gold"])
            t = tally[rule]
            t.update({"pools": 1, "leader right": ok_lead, "other right": ok_other})
            t["letter A"] += (forward[0] == "A") + (backward[0] == "A")
            for name, picks_lead in picks.items():
                ok = ok_lead if picks_lead else ok_other
                t[f"{name}: made right"] += ok and not row["correct"]
                t[f"{name}: made wrong"] += bool(row["correct"]) and not ok
            print(
                f"{row['problem_id']} {rule}: {lead.strategy} {lead.answer} vs {other.strategy} "
                f"{other.answer}, gold {row['gold']}, vote {'right' if row['correct'] else 'wrong'}: "
                f"lead first {forward[0]} P(A) {p_a(forward):.2f}, "
                f"lead second {backward[0]} P(A) {p_a(backward):.2f}",
                flush=True,
            )


async def main(model_spec: str, spec: str, paths: list[str]) -> None:
    model = load_model(model_spec)
    tally: dict[str, Counter[str]] = {"top": Counter(), "methods": Counter()}
    try:
        for path in paths:
            await replay(model, spec, path, tally)
    finally:
        await model.aclose()
    for rule, counts in tally.items():
        print(f"-- {rule}")
        for key, value in counts.items():
            print(f"{key:>32}: {value}")
    print(json.dumps({rule: dict(c) for rule, c in tally.items()}))


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
