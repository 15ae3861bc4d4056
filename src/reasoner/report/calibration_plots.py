"""Plots of how well confidence predicts correctness: one panel per task, a line per pipeline.

- risk-coverage: selective accuracy against coverage when the most confident answers are
  given first (AURC in the legend of each panel);
- S(t) sweep: the confidence-target score of Kalai et al. 2025 when answering exactly when
  confidence >= t, for t in [0, 0.95];
- reliability diagram: accuracy against mean confidence per bin (a calibrated pipeline lies
  on the diagonal; ECE in each panel's legend).

Drawn from `SummaryRow.risk_coverage`, `score_sweep` and `reliability` alone, like every
other report; rows without confidence draw nothing.
"""

from __future__ import annotations

from typing import Any

from reasoner.report import page_figure
from reasoner.report.metrics import Summary, SummaryRow

RISK_COVERAGE_PNG = "risk_coverage.png"
SCORE_SWEEP_PNG = "score_sweep.png"
RELIABILITY_PNG = "reliability.png"
#: Every file this module draws (for a run with confidences).
CALIBRATION_PLOTS = (RISK_COVERAGE_PNG, SCORE_SWEEP_PNG, RELIABILITY_PNG)
#: S(t) falls to -t/(1-t) = -19 at t = 0.95 for a wrong answer: clip the axis so the
#: region around 0 stays readable.
SWEEP_FLOOR = -5.0


def calibration_plots(summary: Summary, styles: dict[str, dict[str, Any]]) -> dict[str, bytes]:
    """The three plots as PNG bytes by file name (none when no row has confidences).

    Args:
        summary: the run's summary.
        styles: each pipeline's colour and marker (shared with the other plots).
    """
    panels = _panels(summary)
    if not panels:
        return {}
    return {
        RISK_COVERAGE_PNG: _draw(panels, styles, "Risk-coverage (AURC)", _risk_coverage),
        SCORE_SWEEP_PNG: _draw(panels, styles, "S(t) when answering at confidence >= t", _sweep),
        RELIABILITY_PNG: _draw(panels, styles, "Reliability (ECE)", _reliability),
    }


def _panels(summary: Summary) -> dict[str, list[SummaryRow]]:
    panels: dict[str, list[SummaryRow]] = {}
    for row in summary.rows:
        if row.risk_coverage:
            panels.setdefault(row.task, []).append(row)
    return panels


def _draw(panels: dict[str, list[SummaryRow]], styles: dict[str, Any], title: str, one) -> bytes:
    pipelines = list(dict.fromkeys(r.pipeline for rows in panels.values() for r in rows))
    fig, axes = page_figure.grid(len(panels), title, len(pipelines))
    for ax, (task, rows) in zip(axes, panels.items(), strict=False):
        for row in rows:
            one(ax, row, styles[row.pipeline])
        ax.set_title(page_figure.short(task), fontsize=10)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, loc="best", frameon=False)
    return page_figure.finish(fig, styles, pipelines)


def _line_style(style: dict[str, Any]) -> dict[str, Any]:
    return {"color": style["color"], "marker": style["marker"], "markersize": 5}


def _risk_coverage(ax: Any, row: SummaryRow, style: dict[str, Any]) -> None:
    points = sorted(row.risk_coverage, key=lambda p: p.coverage)
    xs = [0.0] + [p.coverage for p in points]
    ys = [points[0].selective_accuracy] + [p.selective_accuracy for p in points]
    label = f"AURC {row.aurc:.2f}" if row.aurc is not None else None
    ax.step(xs, ys, where="post", label=label, **_line_style(style))
    ax.set_xlim(0, 1.02)
    ax.set_ylim(-0.03, 1.05)
    ax.set_xlabel("coverage (share answered)")
    ax.set_ylabel("selective accuracy")


def _sweep(ax: Any, row: SummaryRow, style: dict[str, Any]) -> None:
    ts = [float(t) for t in row.score_sweep]
    scores = [max(SWEEP_FLOOR, s) for s in row.score_sweep.values()]
    ax.plot(ts, scores, linewidth=1.6, **_line_style(style))
    ax.axhline(0.0, color="0.5", linewidth=0.8, linestyle="--")
    ax.set_ylim(SWEEP_FLOOR - 0.2, 1.1)
    ax.set_xlabel("t")
    ax.set_ylabel(f"S(t) (floored at {SWEEP_FLOOR:g})")


def _reliability(ax: Any, row: SummaryRow, style: dict[str, Any]) -> None:
    filled = [b for b in row.reliability if b.count]
    total = sum(b.count for b in filled) or 1
    xs = [b.mean_confidence for b in filled]
    ys = [b.accuracy for b in filled]
    ax.plot([0, 1], [0, 1], color="0.6", linewidth=0.8, linestyle="--")
    label = f"ECE {row.ece:.2f}" if row.ece is not None else None
    ax.plot(xs, ys, linewidth=1.2, label=label, **_line_style(style))
    # Marker area shows how many answers a bin holds.
    ax.scatter(xs, ys, s=[20 + 300 * b.count / total for b in filled], color=style["color"])
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.03, 1.05)
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
