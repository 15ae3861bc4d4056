"""Our tasks' examples as inspect samples, and each sample's way back to its problem.

A sample carries its task spec and problem id in its metadata; the solver finds the Problem
by them (never the gold) and the scorer the Example (with the gold), both from the task
itself, so structured problems (a Hanoi payload, a FEN) and gold (a Fraction, a move list)
keep their exact types. A sample from someone else's inspect task has neither: its input
is a free-text question and its target the answer.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

from inspect_ai.dataset import Sample
from pydantic_core import to_jsonable_python

from reasoner.errors import BadTaskSpec
from reasoner.loading import load_task
from reasoner.task import Task
from reasoner.types import Example, Problem

#: Sample metadata: the task spec the sample came from.
TASK_KEY = "reasoner_task"


def task_spec(name: str, options: dict[str, Any]) -> str:
    """Our spec for a task and inspect's `-T` options: `arithmetic:digits=3,n=4`.

    Args:
        name: the task's name.
        options: `-T` values (inspect reads them as YAML: numbers, booleans, text).

    Returns:
        The spec, parsed by `reasoner.load_task` like one given to `reasoner eval`.

    Raises:
        BadTaskSpec: a value is a list or holds a comma (write ranges as "1-4" or "3+5").
    """
    parts = []
    for key, value in options.items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        if isinstance(value, (list, tuple, dict)) or "," in text:
            raise BadTaskSpec(
                f"task '{name}': option {key}={value!r} must be one value; write ranges and "
                "sets as our specs do, e.g. -T disks=1-4 or -T disks=3+5"
            )
        parts.append(f"{key}={text}")
    return f"{name}:{','.join(parts)}" if parts else name


def samples_of(task: Task) -> Iterator[Sample]:
    """The task's examples as samples: the prompt as input, the gold as target text.

    Args:
        task: a loaded task.

    Yields:
        One sample per example, in the task's order.
    """
    for example in task.examples():
        problem = example.problem
        target = task.gold_text(example.gold) or json.dumps(to_jsonable_python(example.gold))
        yield Sample(
            input=problem.prompt,
            target=target,
            id=problem.id,
            metadata={TASK_KEY: task.spec, "difficulty": dict(problem.difficulty)},
        )


def problem_of(spec: str, sample_id: str | int) -> tuple[Problem, Task]:
    """The problem behind one of our samples, with its task; no gold.

    Args:
        spec: the sample's task spec.
        sample_id: the sample's id (the problem id).

    Returns:
        The Problem and the Task.
    """
    example, task = example_of(spec, sample_id)
    return example.problem, task


def example_of(spec: str, sample_id: str | int) -> tuple[Example, Task]:
    """The example (with gold) behind one of our samples, for scoring.

    Args:
        spec: the sample's task spec.
        sample_id: the sample's id.

    Returns:
        The Example and the Task.

    Raises:
        BadTaskSpec: the task has no problem with that id.
    """
    task = load_task(spec)
    found = _examples(spec).get(str(sample_id))
    if found is None:
        raise BadTaskSpec(f"task '{spec}' has no problem '{sample_id}'")
    return found, task


@functools.lru_cache(maxsize=16)
def _examples(spec: str) -> dict[str, Example]:
    # One pass over a task's examples per eval, not one per sample.
    return {e.problem.id: e for e in load_task(spec).examples()}
