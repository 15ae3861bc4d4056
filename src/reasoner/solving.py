"""`solve`: one question or problem through one pipeline, as an app calls it."""

from __future__ import annotations

import asyncio
from typing import Any

from reasoner.graph import run_graph
from reasoner.loading import DEFAULT_MODEL, load_model, load_task
from reasoner.models.base import Model
from reasoner.pipeline import Pipeline
from reasoner.session import ProgramRunner, RunContext
from reasoner.task import Task
from reasoner.types import Answer, Problem


def default_program_runner() -> ProgramRunner:
    from reasoner.sandbox import arun_program

    return arun_program


def as_problem(question: str | Problem, task: Task | None) -> tuple[Problem, Task]:
    """A Problem and its Task: free text goes to the `freeform` task."""
    if isinstance(question, Problem):
        return question, task or load_task(question.task)
    task = task or load_task("freeform")
    return task.problem(question), task  # type: ignore[attr-defined]


async def asolve(
    question: str | Problem,
    pipeline: str | list[Any] | Pipeline = "pal >> check",
    model: str | Model = DEFAULT_MODEL,
    *,
    task: str | Task | None = None,
    run_program: ProgramRunner | None = None,
    program_timeout: float = 5.0,
) -> Answer:
    """Async `solve`; see `solve`."""
    pipe = Pipeline.parse(pipeline)
    problem, task_obj = as_problem(question, load_task(task) if task is not None else None)
    ctx = RunContext(
        problem=problem,
        task=task_obj,
        model=load_model(model),
        generators={},
        run_program=run_program or default_program_runner(),
        program_timeout=program_timeout,
    )
    return await run_graph(str(pipe), pipe.build(), pipe.graph(), ctx)


def solve(
    question: str | Problem,
    pipeline: str | list[Any] | Pipeline = "pal >> check",
    model: str | Model = DEFAULT_MODEL,
    *,
    task: str | Task | None = None,
    run_program: ProgramRunner | None = None,
    program_timeout: float = 5.0,
) -> Answer:
    """Answer one question (free text) or Problem with a pipeline of strategies.

    Args:
        question: free text such as "What is 2 + 3?", or a Problem from a task.
        pipeline: a spec like "pal >> check >> retry(max=2)", a list, or a Pipeline.
        model: a model spec or a loaded Model (load once, reuse across calls).
        task: the task that owns the problem (default: the one named by `problem.task`,
            or `freeform` for text).
        run_program: the sandbox runner for programs (default: reasoner.sandbox).
        program_timeout: seconds a generated program may run.

    Returns:
        An Answer: `value` (None when abstained), `abstained`, `confidence`, `verdicts`,
        `trace`, `cost`.
    """
    return asyncio.run(
        asolve(
            question,
            pipeline,
            model,
            task=task,
            run_program=run_program,
            program_timeout=program_timeout,
        )
    )
