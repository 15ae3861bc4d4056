"""Abstention that pays: fit the calibration on development tasks, score held-out tasks.

The recommended procedure (docs/abstention.md), on the embedded model unless --model says
otherwise: the pipeline runs on the --dev-task specs; a calibration of its confidence
signals (agreement of the sampled programs' outputs, the checker's verdict, token
probability) is fitted on those results only; then the pipeline, ending in abstain(t),
runs on the --test-task specs with that calibration. It is exactly

    reasoner eval -t TEST... -s "PIPELINE >> abstain(t=T)" --calibrate-on DEV... --out OUT

so OUT is an ordinary, resumable run folder (`reasoner report OUT --markdown`).

Printed for the test items (each task and all pooled): accuracy (answered and right),
abstained (fraction), S(t) at 0.75 and 0.9, ECE and AURC of the calibrated confidence, and
the baseline measured in the same run: the same pipeline answering every item (no
abstention), i.e. its candidates' accuracy and the S(t) that gives. S(0.75) is the run's
own outcome; S(0.9) answers when P(correct) >= 0.9, what abstain(t=0.9) would do with the
same calibration on the same candidates.

Task specs contain commas, so each --dev-task/--test-task flag takes one spec; repeat the
flag for several.

Run: .venv/bin/python benchmarks/abstention.py \\
       --dev-task "gsm8k:path=../shared/data/gsm8k/dev.jsonl,limit=16" \\
       --test-task "gsm8k:path=../shared/data/gsm8k/dev.jsonl,start=100,limit=16"
Last line: JSON with pipeline, accuracy, abstained, s_075, s_09, ece (pooled test items).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence

from reasoner.eval import evaluate
from reasoner.report.metrics import score_t
from reasoner.report.run_folder import load_results
from reasoner.report.selective import aurc, ece, selective_score
from reasoner.types import Result

PIPELINE = "pal(max_tokens=200) >> vote(n=5) >> check"


def figures(results: Sequence[Result], t: float) -> dict[str, float | int | None]:
    """The test figures of a group of results (see the module docstring)."""
    n = len(results)
    outcomes = [
        "correct" if r.correct and not r.error else "abstained" if r.abstained else "wrong"
        for r in results
    ]
    confidence = [r.confidence for r in results]
    right = [bool(r.candidate_correct) for r in results]
    candidates = sum(right) / n if n else 0.0
    return {
        "n": n,
        "accuracy": outcomes.count("correct") / n if n else 0.0,
        "abstained": outcomes.count("abstained") / n if n else 0.0,
        f"s_{_key(t)}": score_t(outcomes, t),
        "s_075": score_t(outcomes, 0.75) if t == 0.75 else selective_score(confidence, right, 0.75),
        "s_09": selective_score(confidence, right, 0.9),
        "ece": ece(confidence, right),
        "aurc": aurc(confidence, right),
        "always_answer_accuracy": candidates,
        "always_answer_s_075": candidates - (1 - candidates) * 3.0,
        "always_answer_s_09": candidates - (1 - candidates) * 9.0,
    }


def _key(t: float) -> str:
    return f"{t:g}".replace("0.", "0")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev-task", action="append", required=True, help="repeatable")
    parser.add_argument("--test-task", action="append", required=True, help="repeatable")
    parser.add_argument("--limit", type=int, default=None, help="problems per task (all)")
    parser.add_argument("--pipeline", default=PIPELINE, help="before abstain(t)")
    parser.add_argument("--t", type=float, default=0.75, help="abstain's threshold")
    parser.add_argument("--method", default="isotonic", choices=["isotonic", "logistic"])
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--out", default="runs/abstention")
    args = parser.parse_args()

    pipeline = f"{args.pipeline} >> abstain(t={args.t:g})"
    started = time.perf_counter()
    summary = evaluate(
        args.test_task,
        [pipeline],
        args.model,
        out=args.out,
        limit=args.limit,
        concurrency=args.concurrency,
        progress=False,
        calibrate_on=args.dev_task,
        calibration_method=args.method,
    )
    results = load_results(f"{args.out}/results.jsonl")
    calibration = summary.config["calibration"][summary.rows[0].pipeline]
    print(f"pipeline: {summary.rows[0].pipeline}")
    print(
        f"calibration ({calibration['method']}) fitted on {', '.join(args.dev_task)}: "
        f"{calibration['n']} candidates, {calibration['accuracy']:.0%} right; signals "
        f"{', '.join(calibration['features'])}"
    )
    for task in dict.fromkeys(r.task for r in results):
        row = figures([r for r in results if r.task == task], args.t)
        print(f"{task}: " + ", ".join(f"{k} {_fmt(v)}" for k, v in row.items()))
    pooled = figures(results, args.t)
    print("all test items: " + ", ".join(f"{k} {_fmt(v)}" for k, v in pooled.items()))
    print(f"wall time {time.perf_counter() - started:.0f} s (resumed runs count only the rest)")
    print(json.dumps({"pipeline": summary.rows[0].pipeline, **pooled, "out": args.out}))


def _fmt(value: float | int | None) -> str:
    if value is None:
        return "-"
    return str(value) if isinstance(value, int) else f"{value:.3f}"


if __name__ == "__main__":
    main()
