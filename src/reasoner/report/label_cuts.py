"""Accuracy cut by the labelled difficulty axes (a chess puzzle's `theme` and `rating_band`),
for the terminal and Markdown reports; report.html and summary.json cut by every axis.

Only axes whose levels are labels and that have more than one level are shown: a numeric
axis (Hanoi's `disks`) has its curve in the plots, and one level says nothing a summary row
does not. Each cell gives the accuracy, n and the level's boolean details (e.g. `legal 98%`),
so a reader sees where a pipeline gains and whether its moves stay legal there.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from reasoner.report.grouped_tables import escape_cell
from reasoner.report.labels import task_label
from reasoner.report.metrics import DifficultyRow, Summary, level_sort_key

#: (task, axis) -> (levels in order, pipelines in order, {(level, pipeline): row}).
Cuts = dict[tuple[str, str], tuple[list[str], list[str], dict[tuple[str, str], DifficultyRow]]]


def label_cuts(summaries: Sequence[Summary]) -> Cuts:
    """Per (task, axis) with labelled levels, more than one of them: levels, pipelines, rows.

    Args:
        summaries: the runs, in the order their pipelines should appear.

    Returns:
        The cuts, in the order the runs list them.
    """
    cuts: Cuts = {}
    for summary in summaries:
        for row in summary.by_difficulty:
            if not isinstance(row.level, str):
                continue
            levels, pipelines, cells = cuts.setdefault((row.task, row.axis), ([], [], {}))
            levels.append(row.level)
            pipelines.append(row.pipeline)
            cells[(row.level, row.pipeline)] = row
    return {
        key: (
            sorted(set(levels), key=level_sort_key),
            list(dict.fromkeys(pipelines)),
            cells,
        )
        for key, (levels, pipelines, cells) in cuts.items()
        if len(set(levels)) > 1
    }


def cut_cell(row: DifficultyRow | None) -> str:
    """'45% of 20, legal 95%': accuracy, n and the share of results where each detail held."""
    if row is None:
        return ""
    details = "".join(f", {key} {rate.true:.0%}" for key, rate in row.flags.items())
    return f"{row.accuracy:.0%} of {row.n}{details}"


def label_cuts_markdown(summaries: Sequence[Summary]) -> str:
    """One Markdown table per (task, labelled axis): a line per level, a column per pipeline.

    Args:
        summaries: the runs.

    Returns:
        The tables, each under a bold caption, or "" when no axis qualifies.
    """
    out = []
    for (task, axis), (levels, pipelines, cells) in label_cuts(summaries).items():
        out.append(f"**`{escape_cell(task_label(task))}`: accuracy by {escape_cell(axis)}**")
        out.append("")
        heading = [axis, *(f"`{escape_cell(p)}`" for p in pipelines)]
        out.append("| " + " | ".join(heading) + " |")
        out.append("|" + "---|" * len(heading))
        for level in levels:
            row = [escape_cell(level), *(cut_cell(cells.get((level, p))) for p in pipelines)]
            out.append("| " + " | ".join(row) + " |")
        out.append("")
    return "\n".join(out)


def print_label_cuts(summary: Summary, console: Console) -> None:
    """The same cuts as terminal tables (nothing when no axis qualifies).

    Args:
        summary: the run's summary.
        console: where to print.
    """
    for (task, axis), (levels, pipelines, cells) in label_cuts([summary]).items():
        # The caption on its own line: a table title wraps at the (narrow) table's width.
        console.print(f"[bold]{escape(task_label(task))}: accuracy by {escape(axis)}[/]")
        table = Table(box=box.SIMPLE_HEAD, header_style="bold")
        table.add_column(axis)
        for pipeline in pipelines:
            table.add_column(escape(pipeline), justify="right")
        for level in levels:
            table.add_row(escape(level), *(cut_cell(cells.get((level, p))) for p in pipelines))
        console.print(table)
