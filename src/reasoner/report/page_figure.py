"""The page-wide figure every plot of the report draws on: its grid of panels, legend and PNG.

Shared by `plots`, `calibration_plots` and `collapse_plot`, so that each figure is as wide
as report.html's page and no legend entry is clipped, however long the pipeline names.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

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


def grid(panels: int, title: str, legend_entries: int = 0) -> tuple[Any, list[Any]]:
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
    panel_grid = fig.subplots(rows, cols, squeeze=False)
    fig.suptitle(title, fontsize=13, fontweight="bold", y=1 - 0.18 / height, va="top")
    axes = list(panel_grid.flat)
    for ax in axes[max(panels, 1) :]:
        ax.set_visible(False)
    return fig, axes


def finish(fig: Any, styles: dict[str, dict[str, Any]], pipelines: list[str]) -> bytes:
    """Add the pipeline legend under the axes and return the figure as PNG bytes.

    Args:
        fig: a figure from `grid`, its axes drawn.
        styles: each pipeline's colour and marker.
        pipelines: the legend's entries, in order (none: no legend).

    Returns:
        The PNG, through `png`.
    """
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], linestyle="-", **{**styles[p], "markersize": 7}) for p in pipelines]
    if handles:
        place_legend(fig, handles)
    return png(fig)


def png(fig: Any) -> bytes:
    """The figure as PNG bytes at `DPI`.

    Args:
        fig: a matplotlib Figure.

    Returns:
        The PNG file's bytes.
    """
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


def accuracy_axes(ax: Any, task: str, xlabel: str) -> None:
    """Title, labels, limits and grid shared by the plots with accuracy on the y axis.

    Args:
        ax: the panel.
        task: the task spec (the title, shortened).
        xlabel: the x axis's label.
    """
    ax.set_title(short(task), fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("accuracy")
    ax.set_ylim(-0.03, 1.03)
    ax.grid(alpha=0.3)


def short(text: str, width: int = 48) -> str:
    """`text` cut to `width` characters with an ellipsis, for panel titles.

    Args:
        text: a title (a task spec can be long).
        width: the most characters kept, the ellipsis included.

    Returns:
        The text, shortened when it was longer than `width`.
    """
    return text if len(text) <= width else text[: width - 1] + "…"
