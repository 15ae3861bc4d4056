"""The summary as a Markdown table, for a README, a paper draft or an issue comment.

The numbers are the summary's own, so a table pasted from `reasoner report --markdown` is
the run's and nothing else.
"""

from __future__ import annotations

from reasoner.eval.confidence_table import confidence_markdown
from reasoner.eval.labels import input_notes, task_label
from reasoner.eval.metrics import Summary, SummaryRow

HEADER = (
    "| task | pipeline | n | accuracy (95% CI) | abstained | S t=0.75 | details "
    "| calls | tokens | s / problem |"
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _details(row: SummaryRow) -> str:
    """Each boolean detail as the share of results where it held, e.g. 'legal 28%', and
    each graded detail as its mean, e.g. 'partial_credit 0.83'."""
    parts = [f"{key} {rate.true:.0%}" for key, rate in row.flags.items()]
    parts += [f"{key} {mean:.2f}" for key, mean in row.means.items()]
    return ", ".join(parts) or "-"


def _line(row: SummaryRow, task: str) -> str:
    low, high = row.accuracy_ci95
    cells = [
        task,
        f"`{_cell(row.pipeline)}`",
        str(row.n),
        f"{row.accuracy:.1%} ({low:.0%}-{high:.0%})",
        f"{row.abstention_rate:.0%}",
        f"{row.score_t['0.75']:+.2f}",
        _details(row),
        f"{row.cost.model_calls:.1f}",
        f"{row.cost.tokens_in + row.cost.tokens_out:.0f}",
        f"{row.cost.wall_s:.1f}",
    ]
    return "| " + " | ".join(cells) + " |"


def markdown_table(summary: Summary) -> str:
    """One Markdown line per (task, pipeline), the task named once per group.

    Args:
        summary: the run's summary.

    Returns:
        The table, header included, ending in a newline.
    """
    lines = [HEADER, "|" + "---|" * HEADER.count(" | ") + "---|"]
    previous = None
    for row in summary.rows:
        task = f"`{_cell(task_label(row.task))}`" if row.task != previous else ""
        previous = row.task
        lines.append(_line(row, task))
    notes = [f"- {note}" for note in input_notes(summary)]
    table = "\n".join(lines + ([""] + notes if notes else [])) + "\n"
    confidence = confidence_markdown(summary)
    return table + ("\n" + confidence if confidence else "")
