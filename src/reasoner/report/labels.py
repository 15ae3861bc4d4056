"""How every report names a task and notes what its PAL programs were handed: shared by the
terminal table, the Markdown table and report.html."""

from __future__ import annotations

import re

from reasoner.report.metrics import Summary

_PATH = re.compile(r"(path=)([^,]*/)?([^,/]+/[^,/]+)(?=,|$)")


def task_label(spec: str) -> str:
    """A task spec as reports show it: a data file by its folder and name, not its full
    path, which would crowd out a table column (summary.json keeps the spec whole)."""
    return _PATH.sub(lambda m: m.group(1) + ("…/" if m.group(2) else "") + m.group(3), spec)


def input_notes(summary: Summary) -> list[str]:
    """One sentence per task whose PAL programs were handed variables, and one per task whose
    programs were handed nothing: it changes what the score measures, so every report says so."""
    given = [
        f"{task_label(task)}: programs were given {', '.join(names)} as predefined variables, "
        "so PAL scores measure the program's logic, not the model's copying of them."
        for task, names in summary.program_inputs.items()
    ]
    return given + [
        f"{task_label(task)}: programs were handed nothing: they read the question, so PAL "
        "scores include the model's reading and copying of it."
        for task in summary.handed_nothing
    ]
