"""One timed `reasoner.evaluate` run of `pal`, shared by the throughput benchmarks."""

from __future__ import annotations

import json
import tempfile
import time
from typing import Any

from reasoner import evaluate


def timed_pal_eval(task: str, model: Any, concurrency: int) -> tuple[float, Any, int]:
    """Evaluate `pal` on one task in a throwaway folder.

    Args:
        task: the task spec.
        model: a loaded model or a model spec.
        concurrency: problems in flight.

    Returns:
        (wall seconds, the summary row, generated tokens summed over the results).
    """
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        summary = evaluate(
            tasks=[task],
            pipelines=["pal"],
            model=model,
            out=out,
            concurrency=concurrency,
            progress=False,
            plots=False,
        )
        seconds = time.perf_counter() - started
        with open(f"{out}/results.jsonl") as lines:
            tokens = sum(json.loads(line)["cost"]["tokens_out"] for line in lines)
    return seconds, summary.rows[0], tokens
