"""Plot legends keep every entry whole, below the axes, with long and many pipeline names;
plots are as wide as the report's page."""

from __future__ import annotations

from typing import Any

import pytest

from reasoner.report import page_figure, plots
from reasoner.report.metrics import summarize
from reasoner.types import Cost, Result

LONG_PIPELINES = [
    "direct",
    "pal >> program_vote(n=3) >> abstain(t=0.6)",
    "pal >> check >> retry(max=2) >> abstain(t=0.75)",
    "cot",
    "cot >> vote(n=5, temperature=0.7) >> sympy_check(recompute=True) >> abstain(t=0.9)",
    "a_single_very_long_stage_name_without_any_space_to_break_it_at_so_it_must_be_cut(k=1)",
]


def _summary(tasks: list[str], pipelines: list[str]) -> Any:
    results = [
        Result(
            task=task,
            problem_id=f"p{level}",
            pipeline=pipeline,
            difficulty={"disks": level},
            answer="x",
            abstained=False,
            correct=(level + k) % 2 == 0,
            cost=Cost(tokens_in=100 * (k + 1)),
        )
        for task in tasks
        for level in (1, 2, 3)
        for k, pipeline in enumerate(pipelines)
    ]
    return summarize(results)


def _drawn_figures(monkeypatch: pytest.MonkeyPatch, summary: Any) -> list[Any]:
    figures: list[Any] = []

    def keep(fig: Any) -> bytes:
        figures.append(fig)
        return b""

    monkeypatch.setattr(page_figure, "png", keep)
    plots.draw_plots(summary)
    return figures


def _assert_legend_whole(fig: Any, pipelines: list[str]) -> None:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    (legend,) = fig.legends
    box = legend.get_window_extent(renderer)
    assert page.x0 - 0.5 <= box.x0 and box.x1 <= page.x1 + 0.5, (box, page)
    assert page.y0 - 0.5 <= box.y0 and box.y1 <= page.y1 + 0.5, (box, page)
    for item in [*legend.get_texts(), *legend.legend_handles]:
        inner = item.get_window_extent(renderer)
        assert page.x0 - 0.5 <= inner.x0 and inner.x1 <= page.x1 + 0.5
        assert page.y0 - 0.5 <= inner.y0 and inner.y1 <= page.y1 + 0.5
    # Under the axes, not over them: the legend's top is below every panel's labels.
    for ax in fig.axes:
        if ax.get_visible():
            assert box.y1 <= ax.get_tightbbox(renderer).y0 + 0.5
    # Every label whole: wrapping only adds line breaks and indentation.
    shown = ["".join(t.get_text().split()) for t in legend.get_texts()]
    assert shown == ["".join(p.split()) for p in pipelines]


@pytest.mark.parametrize("tasks", [["hanoi:disks=1-3"], ["a", "b", "c", "d"]])
def test_every_legend_entry_is_inside_the_figure_with_long_pipeline_names(monkeypatch, tasks):
    summary = _summary(tasks, LONG_PIPELINES)
    figures = _drawn_figures(monkeypatch, summary)
    assert len(figures) >= 3
    for fig in figures:
        _assert_legend_whole(fig, LONG_PIPELINES)


def test_one_short_pipeline_keeps_a_one_line_legend(monkeypatch):
    figures = _drawn_figures(monkeypatch, _summary(["a"], ["pal"]))
    for fig in figures:
        _assert_legend_whole(fig, ["pal"])
        assert [t.get_text() for t in fig.legends[0].get_texts()] == ["pal"]


def test_plots_are_as_wide_as_the_report_page():
    drawn = plots.draw_plots(_summary(["a"], ["direct", "pal"]))
    for name, data in drawn.items():
        width = int.from_bytes(data[16:20], "big")
        assert width == round(page_figure.PAGE_WIDTH * page_figure.DPI), name


def test_place_legend_works_on_any_figure_layout():
    # The helper other plot modules call: a plain one-axes figure, legend added last.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 3), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    lines = [
        ax.plot([0, 1], [i, i + 1], label=p, marker="o")[0] for i, p in enumerate(LONG_PIPELINES)
    ]
    ax.set_xlabel("coverage")
    height = fig.get_size_inches()[1]
    page_figure.place_legend(fig, lines)
    assert fig.get_size_inches()[1] > height  # grew at the bottom to hold the legend
    _assert_legend_whole(fig, LONG_PIPELINES)
