"""The evaluator: a concurrent, resumable runner, metrics, and reports (table, plots, HTML).

`evaluate`/`aevaluate` run pipelines on tasks and return a `Summary`; `report` redraws a
run's reports from its folder.
"""

from __future__ import annotations

from reasoner.eval.metrics import DifficultyRow, FlagRate, MeanCost, Summary, SummaryRow
from reasoner.eval.reports import read_summary, report
from reasoner.eval.runner import aevaluate, evaluate
from reasoner.eval.store import comparable_lines, without_timing
from reasoner.eval.table import print_summary, summary_table

__all__ = [
    "DifficultyRow",
    "FlagRate",
    "MeanCost",
    "Summary",
    "SummaryRow",
    "aevaluate",
    "comparable_lines",
    "evaluate",
    "print_summary",
    "read_summary",
    "report",
    "summary_table",
    "without_timing",
]
