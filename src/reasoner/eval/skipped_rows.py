"""Bad rows of task data files: collected per task, fatal with --strict.

A data file with bad rows still loads its good ones (each task lists the bad ones in
`Task.errors`); a run must never drop them silently, so every report names each one with
its file, line and what is wrong (`reasoner.report.skipped_rows` lists them), and a
strict run refuses to start.
"""

from __future__ import annotations

from collections.abc import Sequence

from reasoner.errors import TaskFileError
from reasoner.report.skipped_rows import bad_rows
from reasoner.task import Task
from reasoner.types import RowError


def collect(tasks: Sequence[tuple[str, Task]]) -> dict[str, list[RowError]]:
    """The bad rows of each task that has any, by task spec.

    Args:
        tasks: (spec, task) pairs of a run.

    Returns:
        {spec: [RowError, ...]} for the tasks whose data files had bad rows.
    """
    return {spec: list(task.errors) for spec, task in tasks if task.errors}


def strict_error(skipped: dict[str, list[RowError]]) -> TaskFileError:
    """The one-line error of a `--strict` run whose tasks have bad rows.

    Args:
        skipped: the bad rows by task spec (not empty).

    Returns:
        The error to raise: it counts the bad rows and names the first one.
    """
    total = sum(len(rows) for rows in skipped.values())
    spec, rows = next(iter(skipped.items()))
    return TaskFileError(
        f"{bad_rows(total)} in task data ({', '.join(skipped)}); first: {rows[0]}; "
        "fix the file, or run without --strict to skip bad rows (each is then reported)"
    )


def notice(skipped: dict[str, list[RowError]]) -> list[str]:
    """One line per task with bad rows, for the terminal before a run starts."""
    return [
        f"skipping {bad_rows(len(rows))} of {spec} (listed after the results; "
        "--strict makes a bad row an error)"
        for spec, rows in skipped.items()
    ]
