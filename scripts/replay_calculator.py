"""Redo the recorded chains of thought of a run with `cot(calculator=True)`'s calculator.

Usage: python scripts/replay_calculator.py TASK_SPEC RUN/results.jsonl [...] [--show]

Every chain the model wrote (a completion asked for with "Let's think step by step") is
read as it came from the model, its false calculations are redone (`reasoner.checks.recompute`),
and both answers are scored: how many chains had a false step, how many the calculator
redid, and how many it made right and wrong. Exact: the calculator works after sampling,
so it changes no draw. `--show` prints each chain it made right or wrong, and each chain
with a false step it left alone. Analysis of development runs (docs/results.md).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from replay_vote import right  # scripts/ is on the path when run as a script

from reasoner import load_task
from reasoner.checks import claims_verdict, recompute
from reasoner.prompting import answer_of
from reasoner_strategies.cot import TRIGGER


def chains(row: dict) -> Iterator[tuple[str, str]]:
    """(question, chain as the model wrote it) for each chain of thought in a results row."""
    asked = ""
    for event in row["trace"]:
        if event["kind"] == "prompt":
            asked = event["content"]
        elif event["kind"] == "completion" and TRIGGER in asked:
            yield asked, event["content"]


def tally_row(task: Any, row: dict, tally: Counter[str], show: bool) -> None:
    """Score each chain of one results row as written and as the calculator redoes it."""
    for question, text in chains(row):
        before = answer_of(task, text)
        ok_before = right(task, before, row["gold"])
        false_step = claims_verdict(text).failed
        redone = recompute(text, question)
        after = answer_of(task, redone.text) if redone else before
        ok_after = right(task, after, row["gold"])
        tally.update(
            {
                "chains": 1,
                "right as written": ok_before,
                "with a false step": false_step,
                "redone": redone is not None,
                "right after the calculator": ok_after,
                "made right": ok_after and not ok_before,
                "made wrong": ok_before and not ok_after,
            }
        )
        if show and redone is None and false_step:
            print(f"LEFT ALONE {row['problem_id']}\n{text}\n")
        if show and redone is not None and ok_before != ok_after:
            print(f"{'RIGHT' if ok_after else 'WRONG'} {row['problem_id']}: {redone.summary()}")


def main(argv: list[str]) -> None:
    show = "--show" in argv
    spec, *paths = [a for a in argv if not a.startswith("--")]
    task = load_task(spec)
    tally: Counter[str] = Counter()
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            tally_row(task, json.loads(line), tally, show)
    print(json.dumps(dict(tally)))


if __name__ == "__main__":
    main(sys.argv[1:])
