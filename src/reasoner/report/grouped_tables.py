"""The layout the reports' per-pipeline tables share: one row per (task, pipeline), the
task named by its label, in Markdown (several runs, grouped by task) and in HTML (one run),
so a reader lines the summary, confidence and revision tables up by eye."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from reasoner.report.labels import task_label
from reasoner.report.metrics import Summary, SummaryRow


def escape_cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|")


def grouped_table(
    columns: Sequence[str],
    summaries: Sequence[Summary],
    cells: Callable[[SummaryRow], Sequence[str] | None],
) -> list[str]:
    """The header, the rule and one line per row that `cells` gives cells for (None leaves
    the row out), grouped by task and in run order within a task, the task named once per
    group. Tasks come in the order of every run's rows, shown or not, and a model column
    follows the task when the runs used more than one model, so every table of one report
    lines up with its summary table (and two models' rows for a pipeline never read alike).

    Args:
        columns: the headings after "task", "model" and "pipeline".
        summaries: the runs, in the order their rows should appear within a task.
        cells: a row's cells under `columns`, or None to leave it out.

    Returns:
        The table's lines, without a trailing newline.
    """
    models = [str(summary.config.get("model", "?")) for summary in summaries]
    with_model = len(set(models)) > 1
    heading = ["task", *(["model"] if with_model else []), "pipeline", *columns]
    lines = ["| " + " | ".join(heading) + " |", "|" + "---|" * len(heading)]
    tasks = list(dict.fromkeys(row.task for summary in summaries for row in summary.rows))
    for task in tasks:
        label = f"`{escape_cell(task_label(task))}`"
        for summary, model in zip(summaries, models, strict=True):
            for row in summary.rows:
                shown = cells(row) if row.task == task else None
                if shown is None:
                    continue
                model_cell = [f"`{escape_cell(model)}`"] if with_model else []
                pipeline = f"`{escape_cell(row.pipeline)}`"
                lines.append("| " + " | ".join([label, *model_cell, pipeline, *shown]) + " |")
                label = ""
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
