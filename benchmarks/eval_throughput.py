"""Eval throughput: `reasoner eval` with `pal` at concurrency 8 vs a naive one-at-a-time loop.

Both sides use the same model object, the same PAL prompts and greedy decoding on the same 64
arithmetic problems. The baseline calls transformers `generate` for one problem at a time and
runs each program in a fresh `python` subprocess; ours is the evaluator (dynamic batching,
shared-prefix KV cache, warm sandbox, K problems in flight). Last line: JSON with ratio,
problems_per_min, baseline_problems_per_min, tok_s, baseline_tok_s, peak_rss_mib, accuracy,
baseline_accuracy.

Run: .venv/bin/python benchmarks/eval_throughput.py [--problems 64] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time

import torch

from reasoner import evaluate, load_model, load_task
from reasoner_strategies.pal import complete_program, extract_program, pal_messages

TASK = "arithmetic:digits=3,terms=2-3,ops=+-*,n={half},seed=7"


def naive(model, task, examples) -> tuple[float, int, int]:
    """One problem at a time: plain generate, then a cold subprocess for the program."""
    runner = model.runner
    tokenizer, hf = runner.tokenizer, runner.model
    correct = tokens = 0
    started = time.perf_counter()
    for example in examples:
        messages = pal_messages(task.pal_exemplars(), example.problem.prompt, {})
        prompt = tokenizer.apply_chat_template(
            [m.model_dump() for m in messages], add_generation_prompt=True, tokenize=False
        )
        encoded = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)
        with torch.inference_mode():
            out = hf.generate(
                **encoded, max_new_tokens=400, do_sample=False, pad_token_id=tokenizer.pad_token_id
            )
        new = out[0, encoded.input_ids.shape[1] :]
        tokens += int(new.shape[0])
        program = complete_program(extract_program(tokenizer.decode(new, skip_special_tokens=True)))
        try:
            run = subprocess.run(
                [sys.executable, "-c", program], capture_output=True, text=True, timeout=5
            )
            value = task.parse(run.stdout) if run.returncode == 0 else None
        except subprocess.TimeoutExpired:
            value = None
        correct += value is not None and task.score(example, value)
    return time.perf_counter() - started, correct, tokens


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--problems", type=int, default=64)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    spec = TASK.format(half=args.problems // 2)
    model = load_model("smollm2")
    task = load_task(spec)
    examples = list(task.examples())[: args.problems]
    n = len(examples)

    base_s, base_correct, base_tokens = naive(model, task, examples)
    print(
        f"baseline (one at a time): {n} problems in {base_s:.1f} s, "
        f"{base_correct}/{n} correct, {base_tokens / base_s:.1f} generated tok/s"
    )

    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        summary = evaluate(
            tasks=[spec],
            pipelines=["pal"],
            model=model,
            out=out,
            concurrency=args.concurrency,
            progress=False,
            plots=False,
        )
        ours_s = time.perf_counter() - started
        with open(f"{out}/results.jsonl") as lines:
            results = [json.loads(line) for line in lines]
    ours_tokens = sum(r["cost"]["tokens_out"] for r in results)
    row = summary.rows[0]
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"reasoner eval (concurrency {args.concurrency}): {row.n} problems in {ours_s:.1f} s, "
        f"{row.correct}/{row.n} correct, {ours_tokens / ours_s:.1f} generated tok/s"
    )
    ratio = base_s / ours_s
    print(f"ratio (problems/min, ours over baseline): {ratio:.2f}; peak RSS {peak_rss:.0f} MiB")
    print(
        json.dumps(
            {
                "ratio": round(ratio, 3),
                "problems_per_min": round(row.n / ours_s * 60, 2),
                "baseline_problems_per_min": round(n / base_s * 60, 2),
                "tok_s": round(ours_tokens / ours_s, 2),
                "baseline_tok_s": round(base_tokens / base_s, 2),
                "peak_rss_mib": round(peak_rss, 1),
                "accuracy": round(row.accuracy, 4),
                "baseline_accuracy": round(base_correct / n, 4),
                "problems": n,
                "concurrency": args.concurrency,
            }
        )
    )


if __name__ == "__main__":
    main()
