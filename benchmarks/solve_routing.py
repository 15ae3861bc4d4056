"""`solve()` on free-text arithmetic: routed exemplars against the generic set, same run.

Questions come from the arithmetic generator (3-4 digit operands, 2-4 terms, + - * with
parentheses; a seed other than the one the arithmetic exemplars were tuned on) and are phrased
as an app would send them, with no task given: "What is 4821 - (2213 * 17) + 96?", and, with
--phrasings, also "Compute ...", "Calculate ..." and the bare expression. The baseline is the
same model on the same questions with the generic freeform exemplars (`task="freeform"`, no
routing). Prints a line per variant and, last, one JSON line.

    nice -n 10 .venv/bin/python benchmarks/solve_routing.py --n 40
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from fractions import Fraction

from reasoner import asolve, load_model, load_task
from reasoner.models.base import Model
from reasoner_tasks.freeform import answers_equal

PHRASINGS = {
    "what_is": "What is {}?",
    "compute": "Compute {}.",
    "calculate": "Calculate {}",
    "bare": "{}",
}


async def _accuracy(
    model: Model, questions: list[tuple[str, Fraction]], task: str | None
) -> tuple[float, float, list[str]]:
    started = time.perf_counter()
    answers = await asyncio.gather(*(asolve(q, "pal", model, task=task) for q, _ in questions))
    wall = time.perf_counter() - started
    wrong = [
        f"{q} -> {a.value!r} (gold {gold})"
        for (q, gold), a in zip(questions, answers, strict=True)
        if not answers_equal(_number(a.value), gold)
    ]
    return 1 - len(wrong) / len(questions), wall, wrong


def _number(value: str | None) -> Fraction | str | None:
    from reasoner_tasks.freeform import parse_free_answer

    return None if value is None else parse_free_answer(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40, help="questions (default 40)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--phrasings", action="store_true", help="also Compute/Calculate/bare")
    parser.add_argument("--no-baseline", action="store_true", help="skip the generic set")
    args = parser.parse_args()
    per_level = -(-args.n // 6)  # 2 digit widths x 3 term counts
    task = load_task(f"arithmetic:digits=3-4,terms=2-4,ops=+-*,n={per_level},seed={args.seed}")
    items = [(e.problem.payload["expression"], e.gold) for e in task.examples()]
    # Interleave the levels so a smaller n still spans every level.
    items = [items[i] for k in range(per_level) for i in range(k, len(items), per_level)]
    items = items[: args.n]
    model = load_model("smollm2")
    report: dict[str, object] = {"n": len(items), "seed": args.seed}
    variants = ["what_is", *(["compute", "calculate", "bare"] if args.phrasings else [])]
    for name in variants:
        questions = [(PHRASINGS[name].format(e), Fraction(gold)) for e, gold in items]
        accuracy, wall, wrong = asyncio.run(_accuracy(model, questions, None))
        print(f"routed  {name:9s} accuracy {accuracy:.3f} ({wall:.0f} s)")
        for line in wrong:
            print(f"    wrong: {line}")
        report[f"routed_{name}"] = round(accuracy, 4)
    if not args.no_baseline:
        questions = [(PHRASINGS["what_is"].format(e), Fraction(g)) for e, g in items]
        accuracy, wall, _ = asyncio.run(_accuracy(model, questions, "freeform"))
        print(f"generic what_is   accuracy {accuracy:.3f} ({wall:.0f} s)")
        report["generic_what_is"] = round(accuracy, 4)
        if accuracy:
            report["ratio_routed_over_generic"] = round(
                float(report["routed_what_is"]) / accuracy,  # type: ignore[arg-type]
                3,
            )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
