"""`solve`: one question or problem through one pipeline, as an app calls it."""

from __future__ import annotations

import asyncio
from typing import Any

from reasoner.calibration import Calibration, load_calibration
from reasoner.errors import BadQuestion
from reasoner.graph_run import run_graph
from reasoner.loading import DEFAULT_MODEL, load_model, load_task
from reasoner.models.base import Model
from reasoner.pipeline import Pipeline
from reasoner.session import ProgramRunner, RunContext
from reasoner.task import Task
from reasoner.types import Answer, Problem, TraceEvent


def default_program_runner() -> ProgramRunner:
    from reasoner.sandbox import arun_program

    return arun_program


def as_problem(question: str | Problem, task: Task | None) -> tuple[Problem, Task]:
    """A Problem and its Task. Free text with a task goes to that task's `problem`; without
    one it is routed by its text (reasoner_tasks.freeform.routing: a bare expression to the
    arithmetic exemplars, a Tower of Hanoi or FEN question to those tasks, else generic).

    Raises:
        BadQuestion: the text is empty or blank.
    """
    problem, task, _ = routed_problem(question, task)
    return problem, task


def routed_problem(
    question: str | Problem, task: Task | None
) -> tuple[Problem, Task, TraceEvent | None]:
    """`as_problem`, and the trace event that says where free text was routed and why.

    Raises:
        BadQuestion: the text is empty or blank.
    """
    if isinstance(question, str) and not question.strip():
        raise BadQuestion(
            "the question is empty: pass a question, e.g. solve('What is 2 + 3?') or "
            'reasoner run "What is 2 + 3?"'
        )
    if isinstance(question, Problem):
        return question, task or load_task(question.task), None
    if task is not None:
        return task.problem(question), task, None  # type: ignore[attr-defined]
    freeform = load_task("freeform")
    router = getattr(freeform, "route", None)  # a replaced freeform plug-in may not route
    if router is None:
        return freeform.problem(question), freeform, None  # type: ignore[attr-defined]
    chosen = router(question)
    event = TraceEvent(
        stage="solve",
        kind="route",
        content=chosen.reason,
        data={"exemplars": chosen.name, "task": chosen.task.spec},
    )
    return chosen.problem, chosen.task, event


async def asolve(
    question: str | Problem,
    pipeline: str | list[Any] | Pipeline = "pal >> check",
    model: str | Model = DEFAULT_MODEL,
    *,
    task: str | Task | None = None,
    run_program: ProgramRunner | None = None,
    program_timeout: float = 5.0,
    calibration: Calibration | str | None = None,
) -> Answer:
    """Async `solve`; see `solve`."""
    pipe = Pipeline.parse(pipeline)
    problem, task_obj, routed = routed_problem(
        question, load_task(task) if task is not None else None
    )
    ctx = RunContext(
        problem=problem,
        task=task_obj,
        model=load_model(model),
        generators={},
        run_program=run_program or default_program_runner(),
        program_timeout=program_timeout,
        calibration=load_calibration(calibration) if isinstance(calibration, str) else calibration,
    )
    answer = await run_graph(str(pipe), pipe.compiled(), ctx)
    if routed is not None:
        answer.trace.insert(0, routed)
    return answer


def solve(
    question: str | Problem,
    pipeline: str | list[Any] | Pipeline = "pal >> check",
    model: str | Model = DEFAULT_MODEL,
    *,
    task: str | Task | None = None,
    run_program: ProgramRunner | None = None,
    program_timeout: float = 5.0,
    calibration: Calibration | str | None = None,
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
        calibration: a fitted Calibration (or its JSON file, from `reasoner calibrate`):
            the answer's confidence becomes P(correct) from its signals, and `abstain(t)`
            compares that with t.

    Returns:
        An Answer: `value` (None when abstained or when the run failed: then `error`, or
        the failed verdicts and attempts in `trace`, say why; see
        `reasoner.outcomes.outcome_line`), `abstained`, `confidence`, `verdicts`, `trace`,
        `cost`.

    Raises:
        BadQuestion: `question` is empty or blank (before any model is loaded).
        BadPipelineSpec: the pipeline names an unknown stage or a bad argument.
    """
    return asyncio.run(
        asolve(
            question,
            pipeline,
            model,
            task=task,
            run_program=run_program,
            program_timeout=program_timeout,
            calibration=calibration,
        )
    )
