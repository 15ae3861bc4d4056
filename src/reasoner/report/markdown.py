"""The summary as a Markdown table, for a README, a paper draft or an issue comment.

The numbers are the summary's own, so a table pasted from `reasoner report --markdown` is
the run's and nothing else.
"""

from __future__ import annotations

from reasoner.report.confidence_table import confidence_markdown
from reasoner.report.grouped_tables import grouped_table
from reasoner.report.label_cuts import label_cuts_markdown
from reasoner.report.labels import input_notes
from reasoner.report.metrics import Summary, SummaryRow
from reasoner.report.pipeline_graphs import spec_lines
from reasoner.report.revision_table import revision_markdown
from reasoner.report.sampling import cost_markdown
from reasoner.report.skipped_rows import groups
from reasoner.types import RowError

COLUMNS = [
    "n",
    "accuracy (95% CI)",
    "abstained",
    "S t=0.75",
    "details",
    "calls",
    "tokens",
    "s / problem",
]


def _details(row: SummaryRow) -> str:
    """Each boolean detail as the share of results where it held, e.g. 'legal 28%', and
    each graded detail as its mean, e.g. 'partial_credit 0.83'."""
    parts = [f"{key} {rate.true:.0%}" for key, rate in row.flags.items()]
    parts += [f"{key} {mean:.2f}" for key, mean in row.means.items()]
    return ", ".join(parts) or "-"


def _cells(row: SummaryRow) -> list[str]:
    low, high = row.accuracy_ci95
    return [
        str(row.n),
        f"{row.accuracy:.1%} ({low:.0%}-{high:.0%})",
        f"{row.abstention_rate:.0%}",
        f"{row.score_t['0.75']:+.2f}",
        _details(row),
        f"{row.cost.model_calls:.1f}",
        f"{row.cost.tokens_in + row.cost.tokens_out:.0f}",
        f"{row.cost.wall_s:.1f}",
    ]


def _skipped(skipped: dict[str, list[RowError]]) -> list[str]:
    """The data-file rows a run skipped as bad, so a pasted table never hides them."""
    return [
        line
        for heading, items in groups(skipped)
        for line in [f"- {heading}", *(f"  - {item}" for item in items)]
    ]


def markdown_table(summary: Summary) -> str:
    """One Markdown line per (task, pipeline), the task named once per group, then the
    confidence and revision tables.

    Args:
        summary: the run's summary.

    Returns:
        The tables, header included, ending in a newline.
    """
    return markdown_side_by_side([summary])


def markdown_side_by_side(summaries: list[Summary]) -> str:
    """Several runs' rows in one table, grouped by task, with a model column when the runs
    used more than one model (how the README sets models and pipelines side by side), then
    their confidence and revision tables, laid out the same way.

    Args:
        summaries: the runs' summaries, in the order their rows should appear within a task.

    Returns:
        The tables, headers included, with every run's input notes, ending in a newline.
    """
    lines = grouped_table(COLUMNS, summaries, _cells)
    notes = list(dict.fromkeys(note for s in summaries for note in input_notes(s)))
    notes += spec_lines([s.config for s in summaries])
    skipped = {spec: rows for s in summaries for spec, rows in s.skipped_rows.items()}
    notes = [f"- {note}" for note in notes] + _skipped(skipped)
    table = "\n".join(lines + ([""] + notes if notes else [])) + "\n"
    sections = [table] + [
        t
        for t in (
            label_cuts_markdown(summaries),
            cost_markdown(summaries),
            confidence_markdown(summaries),
            revision_markdown(summaries),
        )
        if t
    ]
    return "\n".join(sections)
