"""Running an evaluation: a concurrent, resumable runner that writes a run folder.

The running room of the evaluator: `runner`, `cells`, `store`, `progress`, `run_config`,
`skipped_rows`, and calibration fitting (`calibration`, `calibrate_run`). Reading a run
(metrics, tables, plots, report.html) is `reasoner.report`, which never imports this package.

`evaluate`/`aevaluate` run pipelines on tasks and return a `Summary`; `report` (from
`reasoner.report`, re-exported here) redraws a run's reports from its folder.
"""

from __future__ import annotations

from reasoner.eval.runner import aevaluate, evaluate
from reasoner.eval.store import comparable_lines, without_timing
from reasoner.report.metrics import DifficultyRow, FlagRate, MeanCost, Summary, SummaryRow
from reasoner.report.reports import read_summary, report
from reasoner.report.table import print_summary, summary_table

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
