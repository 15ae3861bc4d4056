"""What a pipeline spent in samples: completions and generated tokens beside calls, and how
many samples an adaptive vote drew per problem (its mean and distribution).

A request for n samples is one call but n completions; a vote that stops early draws fewer
samples on easy problems. Runs from before completions were recorded show no such table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from html import escape

from pydantic import BaseModel

from reasoner.types import Result


class SampleUse(BaseModel):
    """Samples drawn per problem by the pipeline's vote."""

    mean: float
    #: samples drawn -> how many problems drew that many.
    histogram: dict[str, int]


def sample_use(results: Sequence[Result]) -> SampleUse | None:
    """The samples a vote drew per problem (its `samples` signal); None when no vote ran."""
    drawn = [int(r.signals["samples"]) for r in results if "samples" in r.signals]
    if not drawn:
        return None
    histogram = Counter(drawn)
    return SampleUse(
        mean=sum(drawn) / len(drawn),
        histogram={str(k): histogram[k] for k in sorted(histogram)},
    )


def mean_completions(results: Sequence[Result]) -> float | None:
    """Completions per problem; None for a run from before they were recorded."""
    if not results or not any(r.cost.completions for r in results):
        return None
    return sum(r.cost.completions for r in results) / len(results)


def distribution_text(use: SampleUse | None) -> str:
    """'1:40 2:31 5:29' (samples: problems), or '-'."""
    if use is None:
        return "-"
    return " ".join(f"{k}:{v}" for k, v in use.histogram.items())


HEADER = ["task", "pipeline", "calls", "completions", "generated tokens", "samples", "drawn"]
NOTE = (
    "per problem: model calls; completions (a request for n samples is n); generated "
    "tokens; the mean samples a vote drew, and how many problems drew each number (drawn "
    "k:problems)"
)


def cost_rows(summaries: Sequence[object]) -> list[list[str]]:
    """One row per (task, pipeline) of runs that recorded completions, as text cells."""
    rows = []
    for summary in summaries:
        for r in getattr(summary, "rows", []):
            if r.cost.completions is None:
                continue
            rows.append(
                [
                    r.task,
                    r.pipeline,
                    f"{r.cost.model_calls:.2f}",
                    f"{r.cost.completions:.2f}",
                    f"{r.cost.tokens_out:.0f}",
                    "-" if r.samples is None else f"{r.samples.mean:.2f}",
                    distribution_text(r.samples),
                ]
            )
    return rows


def cost_markdown(summaries: Sequence[object]) -> str:
    """The cost table in Markdown, or "" when no run recorded completions."""
    rows = cost_rows(summaries)
    if not rows:
        return ""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines + ["", NOTE]) + "\n"


def cost_html(summaries: Sequence[object]) -> str:
    """The cost table as an HTML section, or "" when no run recorded completions."""
    rows = cost_rows(summaries)
    if not rows:
        return ""
    head = "".join(f"<th class='l'>{escape(h)}</th>" for h in HEADER)
    body = "".join(
        "<tr>" + "".join(f"<td class='l'>{escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return (
        "<h3>Cost in samples</h3><table><tr>" + head + "</tr>" + body + "</table>"
        f"<p class='meta'>{escape(NOTE)}</p>"
    )
