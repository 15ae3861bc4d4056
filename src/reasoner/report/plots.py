"""The report's plots, as PNG bytes (matplotlib, Agg backend: no display needed).

- accuracy vs difficulty: one panel per task and difficulty axis, one line per pipeline
  (the Hanoi collapse curve);
- accuracy vs cost: one panel per task, a point per pipeline, the Pareto front drawn;
- abstention vs error: one panel per task, a point per pipeline, with lines of equal accuracy.

A pipeline keeps its colour and marker in every plot. Every figure is laid out by
`page_figure` (its grid, legend and PNG), which the calibration and collapse plots share.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reasoner.report import page_figure
from reasoner.report.calibration_plots import calibration_plots
from reasoner.report.collapse_plot import COLLAPSE_PNG, collapse_plot
from reasoner.report.metrics import DifficultyRow, Summary, SummaryRow, level_sort_key

PLOTS = ("accuracy_vs_difficulty.png", "accuracy_vs_cost.png", "abstention_vs_error.png")
_MARKERS = "osD^v<>Pp*Xh"


def draw_plots(summary: Summary) -> dict[str, bytes]:
    """All three plots of a summary, and the collapse plot when a task has a size axis.

    Args:
        summary: the run's summary.

    Returns:
        PNG bytes by file name (`PLOTS`, and `COLLAPSE_PNG` for Hanoi runs).
    """
    styles = _styles(_pipelines(summary))
    drawn = {
        "accuracy_vs_difficulty.png": accuracy_vs_difficulty(summary, styles),
        "accuracy_vs_cost.png": accuracy_vs_cost(summary, styles),
        "abstention_vs_error.png": abstention_vs_error(summary, styles),
    }
    drawn.update(calibration_plots(summary, styles))  # risk-coverage, S(t), reliability
    collapse = collapse_plot(summary, styles)  # only for runs with a size axis (Hanoi)
    if collapse is not None:
        drawn[COLLAPSE_PNG] = collapse
    return drawn


def accuracy_vs_difficulty(summary: Summary, styles: dict[str, dict[str, Any]]) -> bytes:
    panels: dict[tuple[str, str], list[DifficultyRow]] = {}
    for row in summary.by_difficulty:
        panels.setdefault((row.task, row.axis), []).append(row)
    # An axis with one level has no curve to draw (the tables still show it).
    panels = {key: rows for key, rows in panels.items() if len({r.level for r in rows}) > 1}
    fig, axes = page_figure.grid(len(panels), "Accuracy by difficulty", len(styles))
    if not panels:
        _empty(axes[0], "no difficulty axis has more than one level")
    for ax, ((task, axis), rows) in zip(axes, panels.items(), strict=False):
        levels = _levels(rows)
        numeric = all(isinstance(v, int | float) for v in levels)
        position = {v: _position(v, i, numeric) for i, v in enumerate(levels)}
        pipelines = _order(r.pipeline for r in rows)
        step = _min_step(list(position.values()))
        for k, pipeline in enumerate(pipelines):
            mine = sorted(
                (r for r in rows if r.pipeline == pipeline), key=lambda r: levels.index(r.level)
            )
            # Dodge: pipelines with equal scores would hide each other's line and bars.
            shift = (k - (len(pipelines) - 1) / 2) * step * 0.06
            xs = [position[r.level] + shift for r in mine]
            ys = [r.accuracy for r in mine]
            low = [r.accuracy - r.accuracy_ci95[0] for r in mine]
            high = [r.accuracy_ci95[1] - r.accuracy for r in mine]
            ax.errorbar(
                xs,
                ys,
                yerr=[low, high],
                capsize=3,
                elinewidth=0.8,
                linewidth=1.8,
                alpha=0.9,
                **{**styles[pipeline], "markersize": 6},
            )
        if not numeric:
            ax.set_xticks(list(position.values()), [str(v) for v in levels], rotation=30)
        elif len(levels) <= 12:
            ax.set_xticks(list(position.values()))
        page_figure.accuracy_axes(ax, task, axis)
    return page_figure.finish(fig, styles, _pipelines(summary))


def accuracy_vs_cost(summary: Summary, styles: dict[str, dict[str, Any]]) -> bytes:
    tasks = _order(r.task for r in summary.rows)
    fig, axes = page_figure.grid(len(tasks), "Accuracy vs cost (Pareto front dashed)", len(styles))
    if not tasks:
        _empty(axes[0], "no results")
    for ax, task in zip(axes, tasks, strict=False):
        rows = [r for r in summary.rows if r.task == task]
        points = [(_tokens(r), r.accuracy, r) for r in rows]
        for x, y, row in points:
            ax.plot([x], [y], linestyle="none", alpha=0.9, **styles[row.pipeline])
        front = _pareto([(x, y) for x, y, _ in points])
        if len(front) > 1:
            ax.plot(*zip(*front, strict=True), linestyle="--", color="0.5", linewidth=1, zorder=0)
        xs = [x for x, _, _ in points]
        if xs and min(xs) > 0 and max(xs) / min(xs) > 20:
            ax.set_xscale("log")
        page_figure.accuracy_axes(ax, task, "mean tokens per problem (in + out)")
    return page_figure.finish(fig, styles, _pipelines(summary))


def abstention_vs_error(summary: Summary, styles: dict[str, dict[str, Any]]) -> bytes:
    tasks = _order(r.task for r in summary.rows)
    fig, axes = page_figure.grid(
        len(tasks), "Abstention vs error (dotted: equal accuracy)", len(styles)
    )
    if not tasks:
        _empty(axes[0], "no results")
    for ax, task in zip(axes, tasks, strict=False):
        for accuracy in (0.0, 0.25, 0.5, 0.75):
            ax.plot(
                [0, 1 - accuracy],
                [1 - accuracy, 0],
                linestyle=":",
                color="0.75",
                linewidth=0.8,
                zorder=0,
            )
            ax.annotate(
                f"acc {accuracy:.0%}",
                (0.0, 1 - accuracy),
                fontsize=7,
                color="0.5",
                xytext=(3, -9),
                textcoords="offset points",
            )
        for row in (r for r in summary.rows if r.task == task):
            ax.plot(
                [row.abstention_rate],
                [row.wrong_rate],
                linestyle="none",
                alpha=0.9,
                **styles[row.pipeline],
            )
        ax.set_title(page_figure.short(task), fontsize=10)
        ax.set_xlabel("abstention rate")
        ax.set_ylabel("error rate (incl. no answer)")
        ax.set_xlim(-0.03, 1.03)
        ax.set_ylim(-0.03, 1.03)
        ax.set_aspect("equal")
        ax.grid(alpha=0.3)
    return page_figure.finish(fig, styles, _pipelines(summary))


def _pipelines(summary: Summary) -> list[str]:
    return _order(r.pipeline for r in summary.rows)


def _styles(pipelines: Sequence[str]) -> dict[str, dict[str, Any]]:
    import matplotlib

    cmap = matplotlib.colormaps["tab10" if len(pipelines) <= 10 else "tab20"]
    # Later pipelines get smaller markers, so points that coincide stay visible as rings.
    return {
        p: {
            "color": cmap(i % cmap.N),
            "marker": _MARKERS[i % len(_MARKERS)],
            "label": p,
            "markersize": max(5.0, 12.0 - 1.5 * i),
        }
        for i, p in enumerate(pipelines)
    }


def _min_step(xs: list[float]) -> float:
    gaps = [b - a for a, b in zip(xs, xs[1:], strict=False) if b > a]
    return min(gaps) if gaps else 1.0


def _position(level: int | float | str, index: int, numeric: bool) -> float:
    return float(level) if numeric else float(index)


def _empty(ax: Any, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="0.4")
    ax.set_xticks([])
    ax.set_yticks([])


def _tokens(row: SummaryRow) -> float:
    return row.cost.tokens_in + row.cost.tokens_out


def _pareto(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points no other point beats on both cost (lower) and accuracy (higher), by cost."""
    front: list[tuple[float, float]] = []
    for x, y in sorted(points, key=lambda p: (p[0], -p[1])):
        if not front or y > front[-1][1]:
            front.append((x, y))
    return front


def _levels(rows: Sequence[DifficultyRow]) -> list[int | float | str]:
    return sorted({r.level for r in rows}, key=level_sort_key)


def _order(names: Any) -> list[str]:
    return list(dict.fromkeys(names))
