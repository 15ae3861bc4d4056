"""Bad rows of task data files: collected per task, reported everywhere, fatal with --strict.

A data file with bad rows still loads its good ones (each task lists the bad ones in
`Task.errors`); a run must never drop them silently, so every report names each one with
its file, line and what is wrong, and a strict run refuses to start.
"""

from __future__ import annotations

from collections.abc import Sequence

from reasoner.errors import TaskFileError
from reasoner.task import Task
from reasoner.types import RowError

#: Terminal output lists this many bad rows per task; the files list every one.
SHOWN = 20


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
        f"{_count(total, 'bad row')} in task data ({', '.join(skipped)}); first: {rows[0]}; "
        "fix the file, or run without --strict to skip bad rows (each is then reported)"
    )


def notice(skipped: dict[str, list[RowError]]) -> list[str]:
    """One line per task with bad rows, for the terminal before a run starts."""
    return [
        f"skipping {_count(len(rows), 'bad row')} of {spec} (listed after the results; "
        "--strict makes a bad row an error)"
        for spec, rows in skipped.items()
    ]


def groups(skipped: dict[str, list[RowError]], shown: int = SHOWN) -> list[tuple[str, list[str]]]:
    """Each task's heading and the lines under it (`file:line: what is wrong`), `shown` rows
    at most per task, so the terminal and Markdown lay out the same content their own way.

    Args:
        skipped: the bad rows by task spec.
        shown: how many rows per task to list; the rest are counted, and named in
            summary.json and report.html.

    Returns:
        [(heading, [line, ...]), ...]; empty when nothing was skipped.
    """
    out = []
    for spec, rows in skipped.items():
        items = [str(row) for row in rows[:shown]]
        if len(rows) > shown:
            items.append(f"... and {len(rows) - shown} more (all in summary.json, report.html)")
        out.append((f"skipped {_count(len(rows), 'bad row')} of {spec}:", items))
    return out


def listing(skipped: dict[str, list[RowError]], shown: int = SHOWN) -> list[str]:
    """Lines naming each skipped row, indented under its task, for the terminal.

    Returns:
        The lines to print; empty when nothing was skipped.
    """
    return [
        line
        for heading, items in groups(skipped, shown)
        for line in [heading, *(f"  {item}" for item in items)]
    ]


def _count(k: int, noun: str) -> str:
    return f"{k} {noun}" + ("" if k == 1 else "s")
