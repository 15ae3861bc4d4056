"""The report's plots, as PNG bytes (matplotlib, Agg backend: no display needed).

- accuracy vs difficulty: one panel per task and difficulty axis, one line per pipeline
  (the Hanoi collapse curve);
- accuracy vs cost: one panel per task, a point per pipeline, the Pareto front drawn;
- abstention vs error: one panel per task, a point per pipeline, with lines of equal accuracy.

A pipeline keeps its colour and marker in every plot.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

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
    fig, axes = _grid(len(panels), "Accuracy by difficulty", len(styles))
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
        _accuracy_axes(ax, task, axis)
    return _finish(fig, styles, _pipelines(summary))


def _accuracy_axes(ax: Any, task: str, xlabel: str) -> None:
    """Title, labels, limits and grid shared by the plots with accuracy on the y axis."""
    ax.set_title(_short(task), fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("accuracy")
    ax.set_ylim(-0.03, 1.03)
    ax.grid(alpha=0.3)


def accuracy_vs_cost(summary: Summary, styles: dict[str, dict[str, Any]]) -> bytes:
    tasks = _order(r.task for r in summary.rows)
    fig, axes = _grid(len(tasks), "Accuracy vs cost (Pareto front dashed)", len(styles))
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
        _accuracy_axes(ax, task, "mean tokens per problem (in + out)")
    return _finish(fig, styles, _pipelines(summary))


def abstention_vs_error(summary: Summary, styles: dict[str, dict[str, Any]]) -> bytes:
    tasks = _order(r.task for r in summary.rows)
    fig, axes = _grid(len(tasks), "Abstention vs error (dotted: equal accuracy)", len(styles))
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
        ax.set_title(_short(task), fontsize=10)
        ax.set_xlabel("abstention rate")
        ax.set_ylabel("error rate (incl. no answer)")
        ax.set_xlim(-0.03, 1.03)
        ax.set_ylim(-0.03, 1.03)
        ax.set_aspect("equal")
        ax.grid(alpha=0.3)
    return _finish(fig, styles, _pipelines(summary))


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


# Layout in inches, fixed rather than computed by tight_layout (which costs most of the
# drawing time). Every figure is as wide as report.html's page, so a plot is shown at its
# own size, whatever its number of panels (up to three a row).
#: Figure width: at `DPI` about the 1344 px of report.html's page.
PAGE_WIDTH = 12.6
DPI = 110
_AX_H_MIN, _AX_H_MAX = 2.8, 4.0
_GAP_W, _GAP_H = 1.0, 1.0
_LEFT, _RIGHT, _TOP = 0.8, 0.25, 0.75
#: Room under the lowest panels for tick labels and the axis label; `place_legend` adds
#: what the legend needs.
_BOTTOM = 0.8


def _grid(panels: int, title: str, legend_entries: int = 0) -> tuple[Any, list[Any]]:
    """A page-wide figure with `panels` axes (three a row) and a title.

    Args:
        panels: how many axes (at least one is made; the extra ones are hidden).
        title: the figure's title.
        legend_entries: unused (kept for callers): `place_legend` makes the legend's room.

    Returns:
        The figure and its axes, row by row.
    """
    # A bare Figure on the Agg canvas: no pyplot, so no GUI backend, no global figure list,
    # and a faster import.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    cols = min(3, max(1, panels))
    rows = max(1, math.ceil(panels / cols))
    ax_w = (PAGE_WIDTH - _LEFT - _RIGHT - (cols - 1) * _GAP_W) / cols
    ax_h = min(_AX_H_MAX, max(_AX_H_MIN, 0.55 * ax_w))
    height = _TOP + rows * ax_h + (rows - 1) * _GAP_H + _BOTTOM
    fig = Figure(figsize=(PAGE_WIDTH, height), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(
        left=_LEFT / PAGE_WIDTH,
        right=1 - _RIGHT / PAGE_WIDTH,
        top=1 - _TOP / height,
        bottom=_BOTTOM / height,
        wspace=_GAP_W / ax_w,
        hspace=_GAP_H / ax_h,
    )
    grid = fig.subplots(rows, cols, squeeze=False)
    fig.suptitle(title, fontsize=13, fontweight="bold", y=1 - 0.18 / height, va="top")
    axes = list(grid.flat)
    for ax in axes[max(panels, 1) :]:
        ax.set_visible(False)
    return fig, axes


def _finish(fig: Any, styles: dict[str, dict[str, Any]], pipelines: list[str]) -> bytes:
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], linestyle="-", **{**styles[p], "markersize": 7}) for p in pipelines]
    if handles:
        place_legend(fig, handles)
    return _png(fig)


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def place_legend(
    fig: Any, handles: Sequence[Any], *, title: str = "pipeline", fontsize: float = 9.0
) -> Any:
    """Put a figure legend under all the axes with every entry whole, growing the figure
    at the bottom as much as the legend needs.

    Long labels (pipeline specs) wrap at spaces onto indented lines; the legend takes as
    many columns (up to four) as fit the figure's width. Use it for any plot of this
    report, after drawing the axes and before saving, so that no entry is clipped however
    long or many the pipeline names are.

    Args:
        fig: a matplotlib Figure with its axes drawn (any layout).
        handles: legend handles whose labels are the entries (e.g. `Line2D`s with `label`).
        title: the legend's title.
        fontsize: the entries' font size in points.

    Returns:
        The matplotlib Legend.
    """
    renderer = fig.canvas.get_renderer()
    margin = 0.12 * fig.dpi  # pixels kept free at the figure's edges
    room = fig.bbox.width - 2 * margin
    labels = [str(h.get_label()) for h in handles]
    char_px = 0.62 * fontsize * fig.dpi / 72  # a generous mean glyph width
    handle_px = 4.0 * fontsize * fig.dpi / 72  # marker, line and padding before the text
    legend = None
    for ncol in range(min(4, len(labels)), 0, -1):
        chars = max(12, int((room / ncol - handle_px) / char_px))
        while True:
            if legend is not None:
                legend.remove()
            legend = fig.legend(
                handles,
                [_wrap(label, chars) for label in labels],
                loc="upper center",
                ncol=ncol,
                fontsize=fontsize,
                frameon=False,
                title=title,
            )
            width = legend.get_window_extent(renderer).width
            if width <= room or ncol > 1 or chars <= 12:
                break
            chars = max(12, int(chars * 0.85))  # one column still too wide: wrap shorter
        if width <= room:
            break
    assert legend is not None
    gap = 0.1 * fig.dpi
    visible = [ax for ax in fig.axes if ax.get_visible()]
    lowest = min((ax.get_tightbbox(renderer).y0 for ax in visible), default=fig.bbox.height)
    needed = legend.get_window_extent(renderer).height + gap + margin
    if needed > lowest:
        _grow_at_bottom(fig, (needed - lowest) / fig.dpi)
        lowest = needed
    legend.set_bbox_to_anchor((0.5, (lowest - gap) / fig.bbox.height), transform=fig.transFigure)
    return legend


def _wrap(label: str, chars: int) -> str:
    import textwrap

    lines = textwrap.wrap(
        label, chars, subsequent_indent="  ", break_on_hyphens=False, break_long_words=True
    )
    return "\n".join(lines) or label


def _grow_at_bottom(fig: Any, inches: float) -> None:
    # Make the figure taller by `inches` at the bottom: the axes and the figure's texts
    # (its title) keep their place counted from the top.
    width, height = fig.get_size_inches()
    new_height = height + inches

    def moved(y: float) -> float:
        return (y * height + inches) / new_height

    for ax in fig.axes:
        box = ax.get_position(original=True)
        ax.set_position(
            [box.x0, moved(box.y0), box.width, box.height * height / new_height], which="both"
        )
    for text in fig.texts:
        if text.get_transform() == fig.transFigure:
            text.set_y(moved(text.get_position()[1]))
    fig.set_size_inches(width, new_height)


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


def _short(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
