"""The evaluator: every pipeline on every problem, concurrently, resumably, scored against gold.

Gold never reaches a pipeline (see `cells.py`: a cell runs the Problem alone, then is scored
against its Example). Results stream to `results.jsonl` as they finish (see `store.py` for
the crash-safety design); when all cells are done the file is put in canonical order and the
summary, plots and HTML report are drawn.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from reasoner.errors import ReasonerError
from reasoner.eval.calibrate_run import calibration_record, fit_calibrations
from reasoner.eval.cells import (
    Cell,
    execution_order,
    plan_cells,
    prepare_pipeline,
    run_cell,
    task_spec,
)
from reasoner.eval.progress import RunProgress
from reasoner.eval.run_config import build_config, reconcile
from reasoner.eval.skipped_rows import collect, notice, strict_error
from reasoner.eval.store import CellKey, ResultStore, cell_key
from reasoner.loading import DEFAULT_MODEL, load_model, load_task
from reasoner.models.base import Model
from reasoner.pipeline import Pipeline
from reasoner.pipeline_outline import outline
from reasoner.report.metrics import Summary, summarize
from reasoner.report.reports import report, write_reports
from reasoner.session import ProgramRunner
from reasoner.task import Task
from reasoner.types import Result

__all__ = ["aevaluate", "evaluate", "report"]


async def aevaluate(
    tasks: Sequence[str | Task],
    pipelines: Sequence[str | Pipeline],
    model: str | Model = DEFAULT_MODEL,
    *,
    out: str | Path | None = None,
    limit: int | None = None,
    concurrency: int = 8,
    seed: int = 0,
    samples: int | None = None,
    run_program: ProgramRunner | None = None,
    progress: bool = True,
    program_timeout: float = 5.0,
    plots: bool = True,
    strict: bool = False,
    calibrate_on: Sequence[str | Task] = (),
    calibration_method: str = "isotonic",
) -> Summary:
    """Async `evaluate`; see `evaluate`."""
    summary, _ = await _aevaluate(
        tasks,
        pipelines,
        model,
        out=out,
        limit=limit,
        concurrency=concurrency,
        seed=seed,
        samples=samples,
        run_program=run_program,
        progress=progress,
        program_timeout=program_timeout,
        plots=plots,
        strict=strict,
        calibrate_on=calibrate_on,
        calibration_method=calibration_method,
    )
    return summary


async def aevaluate_results(
    tasks: Sequence[str | Task], pipelines: Sequence[str | Pipeline], model: str | Model, **kw: Any
) -> list[Result]:
    """`aevaluate`, returning the results (in canonical order) instead of the summary."""
    _, results = await _aevaluate(tasks, pipelines, model, **kw)
    return results


async def _aevaluate(
    tasks: Sequence[str | Task],
    pipelines: Sequence[str | Pipeline],
    model: str | Model = DEFAULT_MODEL,
    *,
    out: str | Path | None = None,
    limit: int | None = None,
    concurrency: int = 8,
    seed: int = 0,
    samples: int | None = None,
    run_program: ProgramRunner | None = None,
    progress: bool = True,
    program_timeout: float = 5.0,
    plots: bool = True,
    strict: bool = False,
    calibrate_on: Sequence[str | Task] = (),
    calibration_method: str = "isotonic",
) -> tuple[Summary, list[Result]]:
    if concurrency < 1:
        raise ReasonerError(f"concurrency must be at least 1, got {concurrency}")
    if limit is not None and limit < 1:
        raise ReasonerError(f"limit must be at least 1 (or None for all), got {limit}")
    task_objs = _unique("task", [(task_spec(t), load_task(t)) for t in tasks])
    skipped = collect(task_objs)
    if strict and skipped:
        raise strict_error(skipped)
    pipes = _unique("pipeline", [prepare_pipeline(p, samples) for p in pipelines])
    model_obj = load_model(model)
    cells = list(plan_cells(task_objs, pipes, limit))

    config = build_config(
        model=model if isinstance(model, str) else model_obj.spec,
        model_info=model_obj.describe(),
        tasks=[spec for spec, _ in task_objs],
        pipelines=[spec for spec, _ in pipes],
        limit=limit,
        concurrency=concurrency,
        seed=seed,
        samples=samples,
        program_timeout=program_timeout,
        skipped_rows=skipped,
    )
    # What each pipeline is (named compositions spelled out) and its graph, so reports can
    # name and draw it from the run's files alone.
    config["pipeline_graphs"] = {spec: outline(pipe) for spec, pipe in pipes}
    if calibrate_on:

        async def run_split(
            split: list[str | Task], specs: list[str], folder: Path | None
        ) -> list[Result]:
            # The calibration split is a run of its own, in its own folder, same settings.
            return await aevaluate_results(
                split,
                specs,
                model_obj,
                out=folder,
                limit=limit,
                concurrency=concurrency,
                seed=seed,
                run_program=run_program,
                progress=progress,
                program_timeout=program_timeout,
            )

        calibrations = await fit_calibrations(
            calibrate_on,
            [spec for spec, _ in pipes],
            run_split,
            out=Path(out) if out is not None else None,
            progress=progress,
            method=calibration_method,
        )
        cells = [replace(c, calibration=calibrations[c.pipeline_spec]) for c in cells]
        config["calibrate_on"] = [task_spec(t) for t in calibrate_on]
        config["calibration"] = calibration_record(calibrations)
    if progress:
        _print_notice(notice(skipped))
    store = ResultStore(out) if out is not None else None
    with store.locked() if store is not None else contextlib.nullcontext():
        done: dict[CellKey, Result] = {}
        if store is not None:
            config = reconcile(store.folder, config)
            planned = {c.key for c in cells}
            done = {k: r for k, r in store.recover().items() if k in planned}
        pending = [c for c in cells if c.key not in done]

        bar = RunProgress(len(cells), done.values(), enabled=progress)
        try:
            with bar:
                await _run_cells(
                    execution_order(pending),
                    model_obj,
                    run_program,
                    program_timeout,
                    concurrency,
                    lambda r: _record(r, done, store, bar),
                )
        finally:
            if store is not None:
                store.close()

        ordered = [done[c.key] for c in cells]
        summary = summarize(
            ordered, tasks=config["tasks"], pipelines=config["pipelines"], seed=seed, config=config
        )
        if store is not None:
            store.finalize(ordered)
            write_reports(store.folder, summary, ordered, plots=plots)
    if progress:
        from reasoner.report.table import print_summary

        print_summary(summary)
    return summary, ordered


def evaluate(
    tasks: Sequence[str | Task],
    pipelines: Sequence[str | Pipeline],
    model: str | Model = DEFAULT_MODEL,
    *,
    out: str | Path | None = None,
    limit: int | None = None,
    concurrency: int = 8,
    seed: int = 0,
    samples: int | None = None,
    run_program: ProgramRunner | None = None,
    progress: bool = True,
    program_timeout: float = 5.0,
    plots: bool = True,
    strict: bool = False,
    calibrate_on: Sequence[str | Task] = (),
    calibration_method: str = "isotonic",
) -> Summary:
    """Run every pipeline on every problem of every task and score the answers against gold.

    Re-running the same call with the same `out` resumes: finished cells are kept, the rest
    run. A cell that raises (a plug-in bug, a model server that is down) is recorded as a
    failed result with its error, and the run goes on.

    Args:
        tasks: task specs (e.g. "hanoi:disks=1-8") or Task objects (named by `task.spec`).
        pipelines: pipeline specs (e.g. "pal >> check") or Pipelines.
        model: a model spec or a loaded Model.
        out: the run folder for results.jsonl, config.json, summary.json, the plots and
            report.html; None keeps everything in memory (no resume).
        limit: run only the first `limit` problems of each task.
        concurrency: how many cells run at once (the hf backend batches their model calls).
        seed: seeds the bootstrap intervals; recorded in config.json. Sampled decoding is as
            reproducible as the backend makes it.
        samples: overrides the sample count of sampling stages (vote's `n`); the pipeline
            names in the results then show it, e.g. "cot >> vote(n=9)".
        run_program: the sandbox runner (default: reasoner.sandbox).
        progress: show a progress bar, then the summary table.
        program_timeout: seconds a generated program may run.
        plots: with `out`, draw the PNG plots and report.html at the end (summary.json is
            always written); `report(out)` draws them later.
        strict: refuse to run when a task's data file has bad rows. Without it the bad
            rows are skipped and each is named (file, line, what is wrong) in
            `Summary.skipped_rows`, config.json, summary.json, report.html and the table.
        calibrate_on: task specs of a calibration split (e.g. a development file): the
            pipelines run there first (in `out/calibration/`), a calibration per pipeline is
            fitted on those results and stored in config.json, and in this run confidence is
            P(correct) from it, which `abstain(t)` compares with t (docs/abstention.md).
        calibration_method: "isotonic" (default) or "logistic" (Platt).

    Returns:
        The Summary: rows per (task, pipeline), rows per difficulty level, the config,
        the skipped rows.

    Raises:
        TaskFileError: with `strict`, a task's data file has a bad row.
    """
    return asyncio.run(
        aevaluate(
            tasks,
            pipelines,
            model,
            out=out,
            limit=limit,
            concurrency=concurrency,
            seed=seed,
            samples=samples,
            run_program=run_program,
            progress=progress,
            program_timeout=program_timeout,
            plots=plots,
            strict=strict,
            calibrate_on=calibrate_on,
            calibration_method=calibration_method,
        )
    )


async def _run_cells(
    cells: list[Cell],
    model: Model,
    run_program: ProgramRunner | None,
    program_timeout: float,
    concurrency: int,
    record: Any,
) -> None:
    # A fixed pool of workers pulling cells in canonical order: at most `concurrency` in
    # flight, and memory stays flat however many cells there are.
    queue: Iterator[Cell] = iter(cells)

    async def worker() -> None:
        for cell in queue:
            record(await run_cell(cell, model, run_program, program_timeout))

    workers = [asyncio.create_task(worker()) for _ in range(min(concurrency, len(cells)))]
    try:
        await asyncio.gather(*workers)
    finally:
        for w in workers:
            w.cancel()


def _record(
    result: Result, done: dict[CellKey, Result], store: ResultStore | None, bar: RunProgress
) -> None:
    if store is not None:
        result = store.append(result)  # as written: a result JSON cannot carry is made so
    done[cell_key(result)] = result
    bar.advance(result)


def _print_notice(lines: list[str]) -> None:
    if lines:
        from rich.console import Console
        from rich.markup import escape

        from reasoner.inert_text import inert

        console = Console(stderr=True, soft_wrap=True)
        for line in lines:
            console.print(f"[yellow]warning:[/] {escape(inert(line))}", highlight=False)


def _unique(what: str, items: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    seen: set[str] = set()
    for name, _ in items:
        if name in seen:
            raise ReasonerError(f"{what} '{name}' is listed twice; list each {what} once")
        seen.add(name)
    return items
