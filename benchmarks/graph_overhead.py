"""Per-stage overhead of the compiled LangGraph pipeline, with no-op stages and no model work.

Baseline in the same run: the same problem through a 1-stage pipeline, so the marginal cost
of a stage is (t6 - t1) / 5. Last line: JSON with ms_per_stage (total/6) and ms_per_stage_marginal.

Run: .venv/bin/python benchmarks/graph_overhead.py
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from toy import ToyTask, fake_runner  # noqa: E402

from reasoner import Pipeline, Session, asolve  # noqa: E402
from reasoner.models.scripted import ScriptedModel  # noqa: E402


async def noop(s: Session) -> None:
    return None


def pipeline_of(stages: int) -> Pipeline:
    pipe = Pipeline.of(noop, "noop")
    for _ in range(stages - 1):
        pipe = pipe >> Pipeline.of(noop, "noop")
    return pipe


async def time_runs(pipe: Pipeline, runs: int) -> float:
    task = ToyTask()
    problem = next(task.examples()).problem
    model = ScriptedModel(["Answer: 5"])
    for _ in range(20):  # warm-up
        await asolve(problem, pipe, model, task=task, run_program=fake_runner)
    started = time.perf_counter()
    for _ in range(runs):
        await asolve(problem, pipe, model, task=task, run_program=fake_runner)
    return (time.perf_counter() - started) / runs


def main(runs: int = 300) -> None:
    t6 = asyncio.run(time_runs(pipeline_of(6), runs))
    t1 = asyncio.run(time_runs(pipeline_of(1), runs))
    per_stage = t6 / 6 * 1000
    marginal = (t6 - t1) / 5 * 1000
    print(f"6 no-op stages: {t6 * 1000:.3f} ms per run; 1 stage: {t1 * 1000:.3f} ms per run")
    print(f"per stage: {per_stage:.3f} ms (total/6), {marginal:.3f} ms marginal; target <= 1 ms")
    print(
        json.dumps(
            {
                "ms_per_stage": round(per_stage, 4),
                "ms_per_stage_marginal": round(marginal, 4),
                "ms_per_run_6": round(t6 * 1000, 4),
                "ms_per_run_1": round(t1 * 1000, 4),
                "ratio_to_target": round(per_stage / 1.0, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
