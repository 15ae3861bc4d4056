"""One cell of an evaluation: a (task, problem, pipeline), run and then scored.

Gold never reaches a pipeline: `run_cell` runs `asolve` on the Problem alone, and only then
parses the answer and calls `Task.score` with the Example.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from pydantic_core import to_jsonable_python

from reasoner.calibration import Calibration
from reasoner.errors import ReasonerError
from reasoner.eval.store import CellKey
from reasoner.models.base import Model
from reasoner.pipeline import Pipeline
from reasoner.report.revision import first_answer
from reasoner.session import ProgramRunner, clip
from reasoner.solving import asolve
from reasoner.task import Task
from reasoner.types import Attempt, Cost, Example, Result

#: Longest gold text kept in a result (head and tail); reports show less.
GOLD_TEXT_CHARS = 2000
#: Stages whose sample count `samples=` overrides, and the keyword that holds it.
SAMPLING_STAGES = {"vote": "n"}


@dataclass(frozen=True)
class Cell:
    """One (task, problem, pipeline) to run."""

    task_spec: str
    task: Task
    example: Example
    pipeline_spec: str
    pipeline: Pipeline
    #: P(correct) from signals, fitted on a calibration split (--calibrate-on), or None.
    calibration: Calibration | None = None

    @property
    def key(self) -> CellKey:
        return (self.task_spec, self.example.problem.id, self.pipeline_spec)


async def run_cell(
    cell: Cell, model: Model, run_program: ProgramRunner | None, program_timeout: float
) -> Result:
    """Run one cell and score it; an exception becomes a failed Result, never a dead run.

    Args:
        cell: the task, example and pipeline.
        model: the loaded model.
        run_program: the sandbox runner (None: reasoner.sandbox).
        program_timeout: seconds a generated program may run.

    Returns:
        The scored Result; `correct` needs an answer, no abstention, no error, and gold's
        agreement; `details` holds `Task.details` of the parsed answer (empty without one).
    """
    problem = cell.example.problem
    base: dict[str, Any] = {
        "task": cell.task_spec,
        "problem_id": problem.id,
        "pipeline": cell.pipeline_spec,
        "difficulty": dict(problem.difficulty),
        "gold": _jsonable(cell.example.gold),
        "gold_text": _gold_text(cell.task, cell.example.gold),
    }
    started = time.perf_counter()
    try:
        answer = await asolve(
            problem,
            cell.pipeline,
            model,
            task=cell.task,
            run_program=run_program,
            program_timeout=program_timeout,
            calibration=cell.calibration,
        )
    except Exception as exc:
        return Result(
            **base,
            answer=None,
            abstained=False,
            correct=False,
            cost=Cost(wall_s=time.perf_counter() - started),
            error=f"pipeline failed: {type(exc).__name__}: {exc}",
        )
    error = answer.error
    correct, details = False, {}
    candidate_correct: bool | None = None
    first_correct: bool | None = None
    try:
        value = cell.task.parse(answer.value) if answer.value is not None else None
        if value is not None:
            correct = (
                not answer.abstained and not error and bool(cell.task.score(cell.example, value))
            )
            details = _jsonable(cell.task.details(problem, value))
        candidate_correct = _candidate_correct(cell, answer.value, answer.withheld, error)
        first_correct = _first_correct(cell, answer.attempts)
    except Exception as exc:
        correct, candidate_correct, first_correct = False, None, None
        error = f"scoring failed in task '{cell.task_spec}': {type(exc).__name__}: {exc}"
    return Result(
        **base,
        answer=answer.value,
        abstained=answer.abstained,
        correct=correct,
        confidence=answer.confidence,
        verdicts=answer.verdicts,
        cost=answer.cost,
        trace=answer.trace,
        attempts=answer.attempts,
        details=details,
        error=error,
        signals=answer.signals,
        candidate_correct=candidate_correct,
        withheld=answer.withheld,
        first_correct=first_correct,
    )


def _candidate_correct(
    cell: Cell, value: str | None, withheld: str | None, error: str | None
) -> bool:
    # Scored after the pipeline has finished, like `correct`: an abstention's held-back
    # candidate is graded only so reports can show what abstaining saved or cost.
    return not error and _right(cell, value if value is not None else withheld)


def _first_correct(cell: Cell, attempts: list[Attempt]) -> bool | None:
    # What the later stages started from, graded like the final answer (see eval/revision.py).
    return _right(cell, first_answer(attempts)) if attempts else None


def _right(cell: Cell, text: str | None) -> bool:
    parsed = cell.task.parse(text) if text is not None else None
    return parsed is not None and bool(cell.task.score(cell.example, parsed))


def plan_cells(
    tasks: list[tuple[str, Task]], pipes: list[tuple[str, Pipeline]], limit: int | None
) -> Iterator[Cell]:
    """Every cell in canonical order: task order, problem order, pipeline order."""
    for spec, task in tasks:
        examples = list(islice(task.examples(), limit))
        seen: set[str] = set()
        for example in examples:
            if example.problem.id in seen:
                raise ReasonerError(
                    f"task '{spec}' has two problems with id "
                    f"'{example.problem.id}': ids must be unique per task"
                )
            seen.add(example.problem.id)
            for pipe_spec, pipe in pipes:
                yield Cell(spec, task, example, pipe_spec, pipe)


def execution_order(cells: list[Cell]) -> list[Cell]:
    """Cells grouped by (task, pipeline): the problems in flight together then share one
    pipeline's prompts, so the model batches them into one pass with a shared cached prefix.
    Results are still written in canonical order at the end."""
    tasks = {spec: i for i, spec in enumerate(dict.fromkeys(c.task_spec for c in cells))}
    pipes = {spec: i for i, spec in enumerate(dict.fromkeys(c.pipeline_spec for c in cells))}
    return sorted(cells, key=lambda c: (tasks[c.task_spec], pipes[c.pipeline_spec]))


def task_spec(task: str | Task) -> str:
    """The name results carry for a task: its spec as given, or `Task.spec`."""
    return task.strip() if isinstance(task, str) else task.spec


def prepare_pipeline(spec: str | Pipeline, samples: int | None) -> tuple[str, Pipeline]:
    """A validated pipeline and its name, with `samples` written into its sampling stages."""
    pipe = Pipeline.parse(spec)
    if samples is not None:
        if samples < 1:
            raise ReasonerError(f"samples must be at least 1, got {samples}")
        pipe = Pipeline.parse(_with_samples(pipe, samples))
    return str(pipe), pipe


def _with_samples(pipe: Pipeline, samples: int) -> Pipeline:
    for name, key in SAMPLING_STAGES.items():
        pipe = pipe.with_argument(name, key, samples)
    return pipe


def _gold_text(task: Task, gold: Any) -> str | None:
    # Clipped like trace texts: a 20-disk Hanoi gold is a million moves.
    try:
        text = task.gold_text(gold)
    except Exception:  # a plug-in's override failing costs the report its gold text only
        return None
    return clip(text, GOLD_TEXT_CHARS) if isinstance(text, str) else None


def _jsonable(value: Any) -> Any:
    return to_jsonable_python(value, fallback=str)
