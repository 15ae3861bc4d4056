"""Our suites as inspect tasks: `reasoner/arithmetic`, `reasoner/hanoi`, `reasoner/chess`,
`reasoner/gsm8k`, and `reasoner/suite` for any task plug-in by its spec.

Options are our task's own parameters, given as `-T key=value` (docs/tasks.md lists them):
`inspect eval reasoner/arithmetic -T digits=3 -T n=4`. Each task's default solver runs
`pal >> check`; `--solver reasoner/pipeline -S pipeline=...` runs any other pipeline.
"""

from __future__ import annotations

from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset

from reasoner.bridges.inspect.samples import samples_of, task_spec
from reasoner.bridges.inspect.scorer import grade
from reasoner.bridges.inspect.solver import pipeline
from reasoner.loading import load_task


def inspect_task(spec: str) -> Task:
    """One of our tasks as an inspect Task: its examples, our pipeline, our grading.

    Args:
        spec: a task spec, e.g. `hanoi:disks=1-4`.

    Returns:
        The inspect Task (solver `pipeline("pal >> check")`, scorer `grade()`).
    """
    ours = load_task(spec)
    dataset = MemoryDataset(list(samples_of(ours)), name=ours.spec)
    return Task(dataset=dataset, solver=pipeline(), scorer=grade(), name=ours.spec)


@task
def arithmetic(**options: Any) -> Task:
    """Exact arithmetic on generated expressions; options as `reasoner_tasks.arithmetic`
    (digits, ops, terms, n, seed, parens)."""
    return inspect_task(task_spec("arithmetic", options))


@task
def hanoi(**options: Any) -> Task:
    """Tower of Hanoi move lists, checked by simulation; options as `reasoner_tasks.hanoi`
    (disks, per_size, seed, vary_pegs, inputs)."""
    return inspect_task(task_spec("hanoi", options))


@task
def chess(**options: Any) -> Task:
    """Chess puzzles (mate-in-N and best moves); options as `reasoner_tasks.chess`."""
    return inspect_task(task_spec("chess", options))


@task
def gsm8k(**options: Any) -> Task:
    """Grade-school word problems from a GSM8K or GSM-Hard JSONL file (`-T path=FILE`);
    options as `reasoner_tasks.gsm8k` (path, limit, start, answers)."""
    return inspect_task(task_spec("gsm8k", options))


@task
def suite(spec: str) -> Task:
    """Any task our registry knows, by its spec (`-T spec=legs:n=2`), plug-ins included."""
    return inspect_task(spec)
