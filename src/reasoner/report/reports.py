"""Drawing a run's reports: summary.json, the plots, report.html; from memory or from files.

`report(folder)` needs only results.jsonl and config.json (no model), so a run's reports can
be redrawn, for instance after a change to the plots, or from a run that was interrupted.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from reasoner.errors import ReasonerError
from reasoner.report.html_report import render_html
from reasoner.report.metrics import Summary, summarize
from reasoner.report.plots import draw_plots
from reasoner.report.run_folder import (
    RESULTS,
    atomic_write_bytes,
    atomic_write_text,
    load_results,
    read_config,
)
from reasoner.types import Result

SUMMARY = "summary.json"
REPORT = "report.html"


def write_reports(
    folder: str | Path, summary: Summary, results: Sequence[Result], *, plots: bool = True
) -> None:
    """Write summary.json, the three PNG plots and report.html into `folder`, atomically.

    Args:
        folder: the run folder.
        summary: the run's summary.
        results: the run's results (the report shows example traces from them).
        plots: False writes summary.json only.
    """
    folder = Path(folder)
    atomic_write_text(folder / SUMMARY, summary.model_dump_json(indent=2) + "\n")
    if not plots:
        return
    drawn = draw_plots(summary)
    for name, data in drawn.items():
        atomic_write_bytes(folder / name, data)
    atomic_write_text(folder / REPORT, render_html(summary, results, drawn))


def report(out_dir: str | Path) -> Summary:
    """Redraw summary.json, the plots and report.html from results.jsonl and config.json.

    Args:
        out_dir: the `out` folder of an evaluation (finished or interrupted).

    Returns:
        The Summary, as `evaluate` would have returned it for those results.
    """
    folder = Path(out_dir)
    if not folder.is_dir():
        raise ReasonerError(f"run folder '{folder}' not found: pass the --out folder of an eval")
    config = read_config(folder)
    path = folder / RESULTS
    if not path.exists():
        raise ReasonerError(f"{path} not found: the run in '{folder}' has no results yet")
    results = _in_run_order(load_results(path), config)
    summary = summarize(
        results,
        tasks=config.get("tasks", []),
        pipelines=config.get("pipelines", []),
        seed=int(config.get("seed", 0)),
        config=config,
    )
    write_reports(folder, summary, results)
    return summary


def _in_run_order(results: list[Result], config: dict) -> list[Result]:
    # A finished run's file is already in canonical order; an interrupted one is in
    # completion order. Sort stably by task and pipeline; problems keep their file order.
    tasks = {t: i for i, t in enumerate(config.get("tasks", []))}
    pipes = {p: i for i, p in enumerate(config.get("pipelines", []))}
    first_seen: dict[tuple[str, str], int] = {}
    for r in results:
        first_seen.setdefault((r.task, r.problem_id), len(first_seen))
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for r in results:
        key = (r.task, r.problem_id, r.pipeline)
        if key not in seen:
            seen.add(key)
            unique.append(r)
    return sorted(
        unique,
        key=lambda r: (
            tasks.get(r.task, len(tasks)),
            first_seen[(r.task, r.problem_id)],
            pipes.get(r.pipeline, len(pipes)),
        ),
    )


def read_summary(out_dir: str | Path) -> Summary:
    """The Summary stored in a run folder's summary.json."""
    path = Path(out_dir) / SUMMARY
    try:
        return Summary.model_validate(json.loads(path.read_text()))
    except FileNotFoundError:
        raise ReasonerError(f"{path} not found: run `reasoner report {out_dir}` first") from None
