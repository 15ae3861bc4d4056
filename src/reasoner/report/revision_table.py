"""The revision section of the reports: what each revising pipeline's later stages (a
`cove` revision, a `retry` repair, a vote) did to its first answer. Rendered as Markdown
(for `reasoner report --markdown`) and as HTML (for report.html); rows only for pipelines
that revised (see eval/revision.py).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from reasoner.report.grouped_tables import grouped_table, html_table
from reasoner.report.metrics import Summary
from reasoner.report.revision import RevisionEffect

COLUMNS = ["n", "first answer right", "final right", "changed", "fixed", "broken"]
LEGEND = (
    "first answer: the first attempt's, or its draft's for a generator that revises its own "
    "draft (`cove`); final: the pipeline's candidate, abstained ones included; changed: the "
    "final answer differs from the first; fixed: wrong first, right in the end; broken: "
    "right first, wrong in the end."
)


def _cells(effect: RevisionEffect) -> list[str]:
    return [
        str(effect.n),
        f"{effect.first_right} ({effect.first_right / effect.n:.0%})",
        f"{effect.final_right} ({effect.final_right / effect.n:.0%})",
        str(effect.changed),
        str(effect.fixed),
        str(effect.broken),
    ]


def revision_markdown(summaries: Sequence[Summary]) -> str:
    """The revision table in Markdown, one or several runs' rows grouped by task (empty
    when no pipeline revised)."""
    if not any(r.revision for s in summaries for r in s.rows):
        return ""
    lines = grouped_table(COLUMNS, summaries, lambda r: _cells(r.revision) if r.revision else None)
    return "\n".join([*lines, "", LEGEND]) + "\n"


def revision_html(summary: Summary) -> str:
    """The revision table as an HTML section (empty when no pipeline revised)."""
    rows = [(r, _cells(r.revision)) for r in summary.rows if r.revision]
    if not rows:
        return ""
    return (
        "<h2>What the later stages changed</h2>"
        f"<p>{html.escape(LEGEND.replace('`', ''))}</p>{html_table(COLUMNS, rows)}"
    )
