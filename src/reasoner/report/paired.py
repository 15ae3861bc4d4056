"""Paired comparison of pipelines on the problems both ran.

Two accuracies with overlapping 95% intervals can still differ for sure: on the same
problems most outcomes agree, and only the problems one pipeline gets right and the other
wrong (the discordant pairs) carry the difference. So the difference is measured per
problem: its 95% interval from a paired bootstrap (problems resampled, both outcomes kept
together) and an exact McNemar p-value (a two-sided binomial test on the discordant pairs).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from reasoner.report.grouped_tables import escape_cell
from reasoner.report.labels import task_label
from reasoner.report.metrics import bootstrap_draws, bootstrap_interval, outcome
from reasoner.types import Result

#: Bootstrap draws for the interval of a difference.
DRAWS = 2000


@dataclass(frozen=True)
class PairedRow:
    """Pipeline `a` against pipeline `b` on the problems of one task that both ran.

    Attributes:
        task: the task spec.
        a, b: the two pipelines (with their run's name when a pipeline occurs in two runs).
        n: problems both ran.
        a_right, b_right: how many of them each got right.
        a_only, b_only: right for one and not the other (the discordant pairs).
        difference: a's accuracy minus b's, on those n problems.
        ci95: the paired bootstrap 95% interval of the difference.
        p_value: exact two-sided McNemar p-value (1.0 when no pair is discordant).
    """

    task: str
    a: str
    b: str
    n: int
    a_right: int
    b_right: int
    a_only: int
    b_only: int
    difference: float
    ci95: tuple[float, float]
    p_value: float


def mcnemar_p(a_only: int, b_only: int) -> float:
    """Exact two-sided McNemar p-value: the discordant pairs as fair coin flips."""
    flips = a_only + b_only
    if flips == 0:
        return 1.0
    tail = sum(math.comb(flips, k) for k in range(min(a_only, b_only) + 1)) / 2**flips
    return min(1.0, 2 * tail)


def compare(
    task: str, a: str, b: str, right_a: dict[str, bool], right_b: dict[str, bool], seed: int = 0
) -> PairedRow | None:
    """Compare two pipelines' per-problem outcomes; None when they share no problem."""
    common = [pid for pid in right_a if pid in right_b]
    if not common:
        return None
    xa = np.array([right_a[p] for p in common], dtype=float)
    xb = np.array([right_b[p] for p in common], dtype=float)
    per_problem = xa - xb
    a_only = int(((xa == 1) & (xb == 0)).sum())
    b_only = int(((xb == 1) & (xa == 0)).sum())
    return PairedRow(
        task=task,
        a=a,
        b=b,
        n=len(common),
        a_right=int(xa.sum()),
        b_right=int(xb.sum()),
        a_only=a_only,
        b_only=b_only,
        difference=float(per_problem.mean()),
        ci95=bootstrap_interval(per_problem, bootstrap_draws(len(common), seed, DRAWS)),
        p_value=mcnemar_p(a_only, b_only),
    )


def paired_differences(
    runs: Sequence[tuple[str, Sequence[Result]]], seed: int = 0
) -> list[PairedRow]:
    """Every pair of pipelines that ran the same task, across all the given runs.

    Args:
        runs: (run name, its results) for each run, in the order to report them.
        seed: seeds the bootstrap, so the same results always give the same intervals.

    Returns:
        One row per task and pair of pipelines, in order of first appearance; a pair that
        shares no problem is left out.
    """
    # task -> (run, pipeline) -> problem id -> right
    outcomes: dict[str, dict[tuple[str, str], dict[str, bool]]] = {}
    for name, results in runs:
        for r in results:
            pipelines = outcomes.setdefault(r.task, {})
            # A resumed run may hold a problem twice; the first line counts, as in its report.
            right = pipelines.setdefault((name, r.pipeline), {})
            right.setdefault(r.problem_id, outcome(r) == "correct")
    rows = []
    for task, pipelines in outcomes.items():
        runs_of = Counter(pipeline for _, pipeline in pipelines)
        label = {
            (name, pipeline): pipeline if runs_of[pipeline] == 1 else f"{pipeline} [{name}]"
            for name, pipeline in pipelines
        }
        for first, second in combinations(pipelines, 2):
            row = compare(
                task, label[first], label[second], pipelines[first], pipelines[second], seed
            )
            if row is not None:
                rows.append(row)
    return rows


def _p(value: float) -> str:
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def paired_cells(row: PairedRow) -> list[str]:
    """The cells after task and pipelines: n, both accuracies, discordant pairs, difference."""
    low, high = row.ci95
    return [
        str(row.n),
        f"{row.a_right / row.n:.0%} vs {row.b_right / row.n:.0%}",
        f"{row.a_only} / {row.b_only}",
        f"{row.difference * 100:+.0f} ({low * 100:+.0f} to {high * 100:+.0f})",
        _p(row.p_value),
    ]


PAIRED_HEADERS = ["n", "accuracy A vs B", "only A / only B right", "A - B, points (95% CI)", "p"]

PAIRED_NOTE = (
    "Paired on the problems both pipelines ran: the interval is a paired bootstrap over "
    "problems, p an exact McNemar test on the problems only one of them got right."
)


def paired_markdown(rows: Sequence[PairedRow]) -> str:
    """The paired differences as a Markdown table (empty when there is no pair)."""
    if not rows:
        return ""
    header = ["task", "A", "B", *PAIRED_HEADERS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    previous = None
    for row in rows:
        task = f"`{escape_cell(task_label(row.task))}`" if row.task != previous else ""
        previous = row.task
        pipelines = [f"`{escape_cell(row.a)}`", f"`{escape_cell(row.b)}`"]
        lines.append("| " + " | ".join([task, *pipelines, *paired_cells(row)]) + " |")
    return "\n".join([*lines, "", PAIRED_NOTE, ""])


def print_paired(rows: Sequence[PairedRow], console: Console) -> None:
    """The paired differences as a terminal table (nothing when there is no pair)."""
    if not rows:
        return
    table = Table(title="paired differences", box=box.SIMPLE_HEAD)
    for header in ["task", "A", "B", *PAIRED_HEADERS]:
        table.add_column(header, justify="left" if header in ("task", "A", "B") else "right")
    previous = None
    for row in rows:
        task = escape(task_label(row.task)) if row.task != previous else ""
        previous = row.task
        table.add_row(task, escape(row.a), escape(row.b), *paired_cells(row))
    console.print(table)
    console.print(f"[dim]{PAIRED_NOTE}[/]")
