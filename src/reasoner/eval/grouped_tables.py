"""The layout the reports' per-pipeline tables share: one row per (task, pipeline), the
task named by its label, in Markdown (several runs, grouped by task) and in HTML (one run),
so a reader lines the summary, confidence and revision tables up by eye."""

from __future__ import annotations

import html
from collections.abc import Sequence

from reasoner.eval.labels import task_label
from reasoner.eval.metrics import Summary, SummaryRow


def escape_cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|")


def grouped_table(
    columns: Sequence[str], entries: Sequence[tuple[Summary, SummaryRow, Sequence[str]]]
) -> list[str]:
    """The header, the rule and one line per entry (its run, its row, the cells after the
    pipeline), grouped by task in first-seen order and in run order within a task, the task
    named once per group. A model column follows the task when the runs used more than one
    model: without it two models' rows for one pipeline would read alike.

    Args:
        columns: the headings after "task", "model" and "pipeline".
        entries: the rows to show, in run order.

    Returns:
        The table's lines, without a trailing newline.
    """
    models = {id(summary): str(summary.config.get("model", "?")) for summary, _, _ in entries}
    with_model = len(set(models.values())) > 1
    heading = ["task", *(["model"] if with_model else []), "pipeline", *columns]
    lines = ["| " + " | ".join(heading) + " |", "|" + "---|" * len(heading)]
    tasks = list(dict.fromkeys(row.task for _, row, _ in entries))
    previous = None
    for summary, row, cells in sorted(entries, key=lambda e: tasks.index(e[1].task)):
        task = f"`{escape_cell(task_label(row.task))}`" if row.task != previous else ""
        previous = row.task
        model = [f"`{escape_cell(models[id(summary)])}`"] if with_model else []
        pipeline = f"`{escape_cell(row.pipeline)}`"
        lines.append("| " + " | ".join([task, *model, pipeline, *cells]) + " |")
    return lines


def html_table(columns: Sequence[str], rows: Sequence[tuple[SummaryRow, Sequence[str]]]) -> str:
    """One run's rows as an HTML table: the task (its full spec on hover), the pipeline, then
    each row's cells under `columns`."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in ["task", "pipeline", *columns])
    body = "".join(
        "<tr>"
        + f"<td title='{html.escape(row.task)}'>{html.escape(task_label(row.task))}</td>"
        + f"<td><code>{html.escape(row.pipeline)}</code></td>"
        + "".join(f"<td>{html.escape(cell)}</td>" for cell in cells)
        + "</tr>"
        for row, cells in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"
