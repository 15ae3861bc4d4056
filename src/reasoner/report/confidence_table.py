"""The confidence section of the reports: how well each pipeline knows when it is right.

Per (task, pipeline): S(t) at the three reported thresholds, AURC, ECE, the mean confidence,
and, for a calibrated run, which split set the calibration. Rendered as Markdown (for
`reasoner report --markdown`) and as HTML (for report.html).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from reasoner.report.grouped_tables import grouped_table, html_table
from reasoner.report.metrics import Summary, SummaryRow

COLUMNS = [
    "S t=0.5",
    "S t=0.75",
    "S t=0.9",
    "AURC",
    "ECE",
    "mean confidence",
    "candidates right",
]


def _cells(row: SummaryRow) -> list[str]:
    return [
        f"{row.score_t['0.5']:+.2f}",
        f"{row.score_t['0.75']:+.2f}",
        f"{row.score_t['0.9']:+.2f}",
        "-" if row.aurc is None else f"{row.aurc:.3f}",
        "-" if row.ece is None else f"{row.ece:.3f}",
        "-" if row.mean_confidence is None else f"{row.mean_confidence:.2f}",
        _candidates(row),
    ]


def _candidates(row: SummaryRow) -> str:
    if row.candidate_accuracy is None:
        return "-"
    low, high = row.candidate_accuracy_ci95 or (row.candidate_accuracy, row.candidate_accuracy)
    return f"{row.candidate_accuracy:.0%} ({low:.0%}-{high:.0%})"


def calibration_note(summary: Summary) -> str | None:
    """Which split set the run's calibration, in one sentence; None for an uncalibrated run."""
    split = summary.config.get("calibrate_on")
    if not split:
        return None
    stored = summary.config.get("calibration") or {}
    methods = sorted({c.get("method", "?") for c in stored.values()})
    return (
        f"Confidence is P(correct) from a calibration ({'/'.join(methods)}) fitted per pipeline "
        f"on {', '.join(split)} only (never on the scored items); abstain(t) answers when "
        "it reaches t."
    )


def confidence_markdown(summaries: Sequence[Summary]) -> str:
    """The confidence table in Markdown, one or several runs' rows grouped by task (empty
    when no row has confidences)."""
    if not any(r.risk_coverage for s in summaries for r in s.rows):
        return ""
    lines = grouped_table(COLUMNS, summaries, lambda r: _cells(r) if r.risk_coverage else None)
    notes = list(dict.fromkeys(n for s in summaries if (n := calibration_note(s))))
    legend = (
        "S t: the confidence-target score (correct +1, abstained 0, wrong -t/(1-t)); AURC: "
        "area under the risk-coverage curve (lower is better); ECE: expected calibration "
        "error over 10 bins; candidates right: share of candidates that were right, "
        "abstained ones included (the pipeline's accuracy without abstaining), with its 95% "
        "bootstrap interval."
    )
    return "\n".join(lines + ["", legend, *notes]) + "\n"


def confidence_html(summary: Summary) -> str:
    """The confidence table as an HTML section (empty when no row has confidences)."""
    rows = [(r, _cells(r)) for r in summary.rows if r.risk_coverage]
    if not rows:
        return ""
    note = calibration_note(summary)
    note_html = f"<p>{html.escape(note)}</p>" if note else ""
    return (
        "<h2>Knowing when not to answer</h2>"
        "<p>AURC: area under the risk-coverage curve (lower is better). ECE: expected "
        "calibration error. Both use every candidate, abstained ones included.</p>"
        f"{note_html}{html_table(COLUMNS, rows)}"
    )
