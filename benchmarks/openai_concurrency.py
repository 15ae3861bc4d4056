"""The same eval against a real OpenAI-compatible server on loopback, at concurrency 1 and 16.

Starts `transformers serve` on the dequantized embedded model (127.0.0.1 only), runs `pal`
on the same arithmetic problems at both concurrency levels through `reasoner.evaluate`, and
prints both throughputs. This is the scale-out path (vLLM and friends) in miniature: the
framework is an async client, the server does the batching. Last line: JSON with
problems_per_min_c1, problems_per_min_c16, ratio, accuracy_c1, accuracy_c16.

Run: .venv/bin/python benchmarks/openai_concurrency.py [--problems 16] [--continuous-batching]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from openai_servers import transformers_serve  # noqa: E402
from timed_eval import timed_pal_eval  # noqa: E402

from reasoner import load_model  # noqa: E402
from reasoner.models.dequantize import dequantize_embedded  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--problems", type=int, default=16)
    parser.add_argument("--continuous-batching", action="store_true")
    args = parser.parse_args()
    folder = dequantize_embedded()
    task = f"arithmetic:digits=3,terms=2,ops=+-*,n={args.problems},seed=11"
    extra = ["--continuous-batching"] if args.continuous_batching else []
    with transformers_serve(folder, extra_args=extra) as base_url:
        spec = f"openai:{base_url}?concurrency=16#{folder}"
        t1, row1, _ = timed_pal_eval(task, load_model(spec), 1)
        acc1 = row1.accuracy
        t16, row16, _ = timed_pal_eval(task, load_model(spec), 16)
        acc16 = row16.accuracy
    n = args.problems
    print(f"server: transformers serve {'--continuous-batching ' if extra else ''}on 127.0.0.1")
    print(
        f"concurrency 1:  {n} problems in {t1:.1f} s = {n / t1 * 60:.1f} problems/min, accuracy {acc1:.2f}"
    )
    print(
        f"concurrency 16: {n} problems in {t16:.1f} s = {n / t16 * 60:.1f} problems/min, accuracy {acc16:.2f}"
    )
    print(f"ratio: {t1 / t16:.2f}")
    print(
        json.dumps(
            {
                "problems": n,
                "problems_per_min_c1": round(n / t1 * 60, 2),
                "problems_per_min_c16": round(n / t16 * 60, 2),
                "ratio": round(t1 / t16, 3),
                "accuracy_c1": round(acc1, 4),
                "accuracy_c16": round(acc16, 4),
                "continuous_batching": bool(extra),
            }
        )
    )


if __name__ == "__main__":
    main()
