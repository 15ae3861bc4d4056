"""The collapse plot: accuracy against problem size per pipeline, as "The Illusion of Thinking"
(Shojaee et al. 2025, arXiv 2506.06941) draws it for the Tower of Hanoi.

One panel per task that has a size axis (Hanoi's `disks`) with more than one level: a solid
line per pipeline for accuracy and, where the task grades answers (Hanoi's reasoning-gym
`partial_credit`), a dashed line of the same colour for the mean graded score. The point
where a pipeline's solid line falls to zero is its collapse.
"""

from __future__ import annotations

from typing import Any

from reasoner.report import page_figure
from reasoner.report.metrics import DifficultyRow, Summary, level_sort_key

#: The report's file name for the plot.
COLLAPSE_PNG = "hanoi_collapse.png"
#: Difficulty axes that measure a problem's size.
SIZE_AXES = ("disks",)
GRADED = "partial_credit"


def collapse_panels(summary: Summary) -> dict[str, list[DifficultyRow]]:
    """Per task, its rows on a size axis, when that axis has more than one level.

    Args:
        summary: the run's summary.

    Returns:
        Rows by task, in the summary's order; empty when no task has a size axis.
    """
    panels: dict[str, list[DifficultyRow]] = {}
    for row in summary.by_difficulty:
        numeric = isinstance(row.level, int | float) and not isinstance(row.level, bool)
        if row.axis in SIZE_AXES and numeric:
            panels.setdefault(row.task, []).append(row)
    return {task: rows for task, rows in panels.items() if len({r.level for r in rows}) > 1}


def collapse_plot(summary: Summary, styles: dict[str, dict[str, Any]]) -> bytes | None:
    """The collapse plot as PNG bytes, or None when no task has a size axis to draw.

    Args:
        summary: the run's summary.
        styles: each pipeline's colour and marker (shared with the other plots).

    Returns:
        PNG bytes, or None.
    """
    panels = collapse_panels(summary)
    if not panels:
        return None
    title = "Collapse: accuracy (solid) and partial credit (dashed) by size"
    fig, axes = page_figure.grid(len(panels), title, len(styles))
    pipelines = list(dict.fromkeys(r.pipeline for r in summary.rows))
    for ax, (task, rows) in zip(axes, panels.items(), strict=False):
        axis = rows[0].axis
        for pipeline in pipelines:
            mine = sorted(
                (r for r in rows if r.pipeline == pipeline), key=lambda r: level_sort_key(r.level)
            )
            if not mine:
                continue
            xs = [float(r.level) for r in mine]  # type: ignore[arg-type]
            style = {**styles[pipeline], "markersize": 5}
            ax.plot(xs, [r.accuracy for r in mine], linewidth=1.8, **style)
            if all(GRADED in r.means for r in mine):
                graded = {k: v for k, v in style.items() if k != "label"}
                ax.plot(
                    xs,
                    [r.means[GRADED] for r in mine],
                    linestyle="--",
                    linewidth=1.2,
                    alpha=0.8,
                    **graded,
                )
        levels = sorted({float(r.level) for r in rows})  # type: ignore[arg-type]
        if len(levels) <= 16:
            ax.set_xticks(levels, [f"{v:g}" for v in levels])
        page_figure.accuracy_axes(ax, task, f"{axis} (N)")
        ax.set_ylabel("accuracy / partial credit")
    return page_figure.finish(fig, styles, pipelines)
