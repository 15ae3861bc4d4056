"""Scores drawn from results: accuracy, abstention, the confidence-target score, cost.

The confidence-target score follows Kalai et al. 2025 ("Why Language Models Hallucinate"):
at threshold t a correct answer scores 1, an abstention 0, and a wrong answer -t/(1-t), so a
pipeline gains by answering only when its chance of being right exceeds t. A cell that gave
no answer without abstaining, or failed with an error, counts as wrong: only an explicit
abstention is an honest "I don't know".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from reasoner.report import selective
from reasoner.report.revision import RevisionEffect, revision_effect
from reasoner.report.sampling import SampleUse, mean_completions, sample_use
from reasoner.report.selective import CoveragePoint, ReliabilityBin
from reasoner.types import Result, RowError

THRESHOLDS = (0.5, 0.75, 0.9)
BOOTSTRAP_RESAMPLES = 1000


class MeanCost(BaseModel):
    """Mean cost per problem."""

    model_calls: float = 0.0
    #: Completions per problem (n per request for n samples); None for runs from before
    #: they were recorded.
    completions: float | None = None
    tokens_in: float = 0.0
    tokens_out: float = 0.0
    wall_s: float = 0.0
    sandbox_runs: float = 0.0


class FlagRate(BaseModel):
    """How often a boolean detail (e.g. chess `legal`, Hanoi `optimal`) was True or False.

    Both are fractions of all n results; results without the detail count in neither.
    """

    true: float
    false: float


class SummaryRow(BaseModel):
    """The scores of one pipeline on one task (or on one difficulty level of it)."""

    task: str
    pipeline: str
    n: int
    correct: int
    #: Answered wrongly, gave no answer, or failed with an error.
    wrong: int
    abstained: int
    #: Neither an answer nor an abstention (counted in `wrong`).
    no_answer: int
    #: Cells that failed with an error (counted in `wrong`).
    errors: int
    accuracy: float
    accuracy_ci95: tuple[float, float]
    abstention_rate: float
    #: wrong / n: how often the pipeline said something false (or nothing usable).
    wrong_rate: float
    #: Confidence-target score at each threshold t, keyed "0.5", "0.75", "0.9".
    score_t: dict[str, float]
    score_t_ci95: dict[str, tuple[float, float]]
    mean_confidence: float | None
    cost: MeanCost
    #: For every boolean key of `Result.details`, how often it was True / False.
    flags: dict[str, FlagRate] = Field(default_factory=dict)
    #: For every float key of `Result.details` (a graded score such as Hanoi's
    #: `partial_credit`), its mean over the results; a result without the key counts 0.
    means: dict[str, float] = Field(default_factory=dict)
    #: Selective prediction (eval/selective.py) over each candidate's confidence and whether
    #: it was right, abstained candidates included; on (task, pipeline) rows only.
    #: Area under the risk-coverage curve (lower is better).
    aurc: float | None = None
    #: Expected calibration error over 10 equal-width bins.
    ece: float | None = None
    risk_coverage: list[CoveragePoint] = Field(default_factory=list)
    reliability: list[ReliabilityBin] = Field(default_factory=list)
    #: S(t) when answering exactly when confidence >= t, for t = 0, 0.05, ..., 0.95.
    score_sweep: dict[str, float] = Field(default_factory=dict)
    #: Share of candidates that were right, abstained ones included: the accuracy of the
    #: pipeline without its `abstain` stage, with its 95% bootstrap interval.
    candidate_accuracy: float | None = None
    candidate_accuracy_ci95: tuple[float, float] | None = None
    #: What the stages after the first answer did to it (eval/revision.py); None for a
    #: pipeline that never revised.
    revision: RevisionEffect | None = None
    #: Samples a vote drew per problem (mean and distribution); None when no vote ran.
    samples: SampleUse | None = None


class DifficultyRow(SummaryRow):
    """A `SummaryRow` restricted to the problems at one level of one difficulty axis."""

    axis: str
    level: int | float | str


class Summary(BaseModel):
    """What an evaluation returns: one row per (task, pipeline), the same cut by difficulty,
    and the run's configuration."""

    rows: list[SummaryRow]
    by_difficulty: list[DifficultyRow]
    config: dict[str, Any] = Field(default_factory=dict)
    #: Per task, the variables its PAL programs were handed (e.g. FEN, PGN): with them a PAL
    #: score measures the program's logic, not the model's copying of the payload.
    program_inputs: dict[str, list[str]] = Field(default_factory=dict)
    #: Tasks whose PAL programs ran and were handed no variable at all (e.g. Hanoi with
    #: `inputs=none`): their programs had to read everything from the question.
    handed_nothing: list[str] = Field(default_factory=list)
    #: Per task, the rows of its data file that were skipped as bad (file, line, what is
    #: wrong), from config.json: a report never drops a row without naming it.
    skipped_rows: dict[str, list[RowError]] = Field(default_factory=dict)

    def row(self, task: str, pipeline: str) -> SummaryRow:
        """The row of one (task, pipeline); KeyError when the run had no such pair."""
        for row in self.rows:
            if row.task == task and row.pipeline == pipeline:
                return row
        raise KeyError(f"no row for task {task!r} and pipeline {pipeline!r}")


def outcome(result: Result) -> str:
    """'correct', 'abstained' or 'wrong' (wrong answers, no answer, errors)."""
    if result.correct and not result.error:
        return "correct"
    if result.abstained and not result.error:
        return "abstained"
    return "wrong"


def score_t(outcomes: Sequence[str], t: float) -> float:
    """Mean confidence-target score: +1 correct, 0 abstained, -t/(1-t) wrong.

    Args:
        outcomes: values of `outcome()`.
        t: the threshold, 0 <= t < 1.

    Returns:
        The mean over all outcomes (0.0 for none).
    """
    if not outcomes:
        return 0.0
    return float(np.mean(_points(outcomes, t)))


def _points(outcomes: Sequence[str], t: float) -> np.ndarray:
    penalty = t / (1.0 - t)
    table = {"correct": 1.0, "abstained": 0.0, "wrong": -penalty}
    return np.array([table[o] for o in outcomes], dtype=float)


def summarize_group(results: Sequence[Result], task: str, pipeline: str, seed: int) -> SummaryRow:
    """Scores of one group of results (one task and pipeline, or one difficulty level).

    Args:
        results: the group's results (at least one).
        task, pipeline: the names the row carries.
        seed: seeds the bootstrap, so the same results always give the same intervals.

    Returns:
        The row, with 95% bootstrap intervals for accuracy, candidate accuracy and each
        score_t.
    """
    # Bootstrap draws index positions: a fixed order makes the intervals independent of the
    # order results were written in (a resumed run's file order differs).
    results = sorted(results, key=lambda r: r.problem_id)
    n = len(results)
    outcomes = [outcome(r) for r in results]
    correct = outcomes.count("correct")
    abstained = outcomes.count("abstained")
    wrong = n - correct - abstained
    correct_arr = np.array([o == "correct" for o in outcomes], dtype=float)
    points = {t: _points(outcomes, t) for t in THRESHOLDS}
    resample = bootstrap_draws(n, seed)
    candidates_right = np.array([r.candidate_right for r in results], dtype=float)
    confidences = [r.confidence for r in results if r.confidence is not None]
    return SummaryRow(
        task=task,
        pipeline=pipeline,
        n=n,
        correct=correct,
        wrong=wrong,
        abstained=abstained,
        no_answer=sum(
            1 for r, o in zip(results, outcomes, strict=True) if r.answer is None and o == "wrong"
        ),
        errors=sum(1 for r in results if r.error),
        accuracy=correct / n,
        accuracy_ci95=bootstrap_interval(correct_arr, resample),
        abstention_rate=abstained / n,
        wrong_rate=wrong / n,
        score_t={_key(t): float(points[t].mean()) for t in THRESHOLDS},
        score_t_ci95={_key(t): bootstrap_interval(points[t], resample) for t in THRESHOLDS},
        mean_confidence=float(np.mean(confidences)) if confidences else None,
        candidate_accuracy=float(candidates_right.mean()),
        candidate_accuracy_ci95=bootstrap_interval(candidates_right, resample),
        cost=MeanCost(
            model_calls=_mean(r.cost.model_calls for r in results),
            completions=mean_completions(results),
            tokens_in=_mean(r.cost.tokens_in for r in results),
            tokens_out=_mean(r.cost.tokens_out for r in results),
            wall_s=_mean(r.cost.wall_s for r in results),
            sandbox_runs=_mean(r.cost.sandbox_runs for r in results),
        ),
        flags=_flags(results),
        means=_means(results),
        revision=revision_effect(results),
        samples=sample_use(results),
    )


def summarize(
    results: Sequence[Result],
    *,
    tasks: Sequence[str] = (),
    pipelines: Sequence[str] = (),
    seed: int = 0,
    config: dict[str, Any] | None = None,
) -> Summary:
    """The summary of an evaluation's results.

    Args:
        results: every result of the run.
        tasks, pipelines: the order rows come in (names not listed follow, in first-seen
            order).
        seed: seeds the bootstrap intervals.
        config: the run's configuration, carried along.

    Returns:
        A `Summary` with rows per (task, pipeline) and per difficulty level.
    """
    groups: dict[tuple[str, str], list[Result]] = {}
    for result in results:
        groups.setdefault((result.task, result.pipeline), []).append(result)
    task_order = _order(tasks, (t for t, _ in groups))
    pipe_order = _order(pipelines, (p for _, p in groups))
    rows: list[SummaryRow] = []
    by_difficulty: list[DifficultyRow] = []
    for task in task_order:
        for pipeline in pipe_order:
            group = groups.get((task, pipeline))
            if not group:
                continue
            rows.append(with_selective(summarize_group(group, task, pipeline, seed), group))
            for axis, level, subset in difficulty_levels(group):
                row = summarize_group(subset, task, pipeline, seed)
                by_difficulty.append(DifficultyRow(**row.model_dump(), axis=axis, level=level))
    return Summary(
        rows=rows,
        by_difficulty=by_difficulty,
        config=config or {},
        program_inputs=program_inputs(results),
        handed_nothing=handed_nothing(results),
        skipped_rows=(config or {}).get("skipped_rows", {}),
    )


def with_selective(row: SummaryRow, results: Sequence[Result]) -> SummaryRow:
    """The row with its risk-coverage curve, AURC, reliability bins, ECE and S(t) sweep."""
    # A fixed order: float sums then do not depend on the order results were written in.
    results = sorted(results, key=lambda r: r.problem_id)
    confidence = [r.confidence for r in results]
    right = [r.candidate_right for r in results]
    return row.model_copy(
        update={
            "aurc": selective.aurc(confidence, right),
            "ece": selective.ece(confidence, right),
            "risk_coverage": selective.risk_coverage(confidence, right),
            "reliability": selective.reliability(confidence, right),
            "score_sweep": selective.score_sweep(confidence, right),
        }
    )


def program_inputs(results: Sequence[Result]) -> dict[str, list[str]]:
    """Per task, the names of the variables handed to the programs it ran, from the traces
    (what happened, not what a task declares)."""
    found: dict[str, set[str]] = {}
    for result in results:
        for event in result.trace:
            names = event.data.get("inputs") if event.kind == "program" else None
            if names:
                found.setdefault(result.task, set()).update(str(n) for n in names)
    return {task: sorted(names) for task, names in found.items()}


def handed_nothing(results: Sequence[Result]) -> list[str]:
    """Tasks that ran programs, none of which was handed a variable (from the traces)."""
    ran: dict[str, bool] = {}
    for result in results:
        for event in result.trace:
            if event.kind == "program":
                handed = bool(event.data.get("inputs"))
                ran[result.task] = ran.get(result.task, False) or handed
    return [task for task, handed in ran.items() if not handed]


def difficulty_levels(
    results: Sequence[Result],
) -> list[tuple[str, int | float | str, list[Result]]]:
    """(axis, level, results at that level) for every difficulty axis, levels sorted."""
    axes: dict[str, dict[int | float | str, list[Result]]] = {}
    for result in results:
        for axis, level in result.difficulty.items():
            axes.setdefault(axis, {}).setdefault(level, []).append(result)
    out = []
    for axis in sorted(axes):
        for level in sorted(axes[axis], key=level_sort_key):
            out.append((axis, level, axes[axis][level]))
    return out


def level_sort_key(level: int | float | str) -> tuple[int, float, str]:
    # Numbers in numeric order first, then labels alphabetically.
    if isinstance(level, int | float) and not isinstance(level, bool):
        return (0, float(level), "")
    return (1, 0.0, str(level))


def _flags(results: Sequence[Result]) -> dict[str, FlagRate]:
    n = len(results)
    keys = sorted({k for r in results for k, v in r.details.items() if isinstance(v, bool)})
    flags = {}
    for key in keys:
        values = [r.details.get(key) for r in results]
        flags[key] = FlagRate(
            true=sum(v is True for v in values) / n, false=sum(v is False for v in values) / n
        )
    return flags


def _means(results: Sequence[Result]) -> dict[str, float]:
    keys = sorted({k for r in results for k, v in r.details.items() if isinstance(v, float)})
    return {
        key: _mean(
            float(v) if isinstance(v := r.details.get(key), int | float) else 0.0 for r in results
        )
        for key in keys
    }


def bootstrap_draws(n: int, seed: int, resamples: int = BOOTSTRAP_RESAMPLES) -> np.ndarray:
    """Bootstrap index draws, one row per resample: the same seed and size give the same
    draws for every figure."""
    return np.random.default_rng(seed).integers(0, n, size=(resamples, n))


def bootstrap_interval(values: np.ndarray, resample: np.ndarray) -> tuple[float, float]:
    """The 95% percentile interval of the mean of `values` over the draws `resample`."""
    means = values[resample].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return (float(low), float(high))


def _mean(values: Iterable[float]) -> float:
    listed = list(values)
    return float(np.mean(listed)) if listed else 0.0


def _key(t: float) -> str:
    return f"{t:g}"


def _order(first: Sequence[str], seen: Iterable[str]) -> list[str]:
    order = list(dict.fromkeys(first))
    for name in seen:
        if name not in order:
            order.append(name)
    return order
