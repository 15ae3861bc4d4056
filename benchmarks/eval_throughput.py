"""Eval throughput: `reasoner eval` with `pal` at concurrency 8 vs a naive one-at-a-time loop.

Both sides use the same model object, the same PAL prompts and greedy decoding on the same 64
arithmetic problems. The baseline calls transformers `generate` for one problem at a time and
runs each program in a fresh `python` subprocess; ours is the evaluator (dynamic batching,
shared-prefix KV cache, warm sandbox, K problems in flight). When the llama.cpp engine is
installed, the same eval also runs on `smollm2-llamacpp` (the same GGUF on llama-server,
`--concurrency` slots). Last line: JSON with ratio, problems_per_min,
baseline_problems_per_min, tok_s, baseline_tok_s, peak_rss_mib, accuracy, baseline_accuracy,
and llamacpp_problems_per_min, llamacpp_ratio (over the naive loop), llamacpp_accuracy,
loadavg.

Run: .venv/bin/python benchmarks/eval_throughput.py [--problems 64] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import torch
from timed_eval import timed_pal_eval

from reasoner import load_model, load_task
from reasoner.models.engine_install import find_server
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
    # 16 in flight for a batch of 8: while one batch decodes, the next problems' programs run
    # in the sandbox and their prompts queue, so the batcher never waits for a full batch.
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--no-llamacpp", action="store_true", help="skip the llama.cpp engine")
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

    ours_s, row, ours_tokens = timed_pal_eval(spec, model, args.concurrency)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"reasoner eval (concurrency {args.concurrency}): {row.n} problems in {ours_s:.1f} s, "
        f"{row.correct}/{row.n} correct, {ours_tokens / ours_s:.1f} generated tok/s"
    )
    ratio = base_s / ours_s
    print(f"ratio (problems/min, ours over baseline): {ratio:.2f}; peak RSS {peak_rss:.0f} MiB")
    engine: dict[str, float] = {}
    if not args.no_llamacpp and find_server() is not None:
        fast = load_model(f"smollm2-llamacpp:parallel={min(args.concurrency, 8)}")
        fast_s, fast_row, fast_tokens = timed_pal_eval(spec, fast, args.concurrency)
        fast.server.stop()  # type: ignore[attr-defined]
        engine = {
            "llamacpp_problems_per_min": round(fast_row.n / fast_s * 60, 2),
            "llamacpp_ratio": round(base_s / fast_s, 3),
            "llamacpp_tok_s": round(fast_tokens / fast_s, 2),
            "llamacpp_accuracy": round(fast_row.accuracy, 4),
        }
        print(
            f"reasoner eval on smollm2-llamacpp (concurrency {args.concurrency}): {fast_row.n} "
            f"problems in {fast_s:.1f} s, {fast_row.correct}/{fast_row.n} correct, "
            f"{fast_tokens / fast_s:.1f} generated tok/s; {base_s / fast_s:.2f}x the naive loop"
        )
    else:
        print("llama.cpp engine: not installed (reasoner engine install); skipped")
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"load average at the end: {' '.join(load)}")
    print(
        json.dumps(
            {
                **engine,
                "loadavg": " ".join(load),
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
