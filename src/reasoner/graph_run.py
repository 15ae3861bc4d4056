"""Runs a compiled pipeline on one problem and assembles the Answer from the final state."""

from __future__ import annotations

import time
from typing import Any

from reasoner.graph import CompiledPipeline
from reasoner.graph_state import initial_state
from reasoner.session import RunContext, Session
from reasoner.types import Answer, Cost, TraceEvent


async def run_graph(pipeline_spec: str, compiled: CompiledPipeline, ctx: RunContext) -> Answer:
    """Run the compiled graph on `ctx.problem` and assemble the Answer.

    Args:
        pipeline_spec: the name results carry (`str(pipeline)`).
        compiled: the pipeline's compiled graph (`Pipeline.compiled()`).
        ctx: the problem, task, model and sandbox of this run.

    Returns:
        The Answer: the final candidate (or an abstention), its verdicts, every attempt,
        the trace and the cost.
    """
    started = time.perf_counter()
    ctx.generators = dict(compiled.generators)
    state: dict[str, Any] = await compiled.graph.ainvoke(
        initial_state(),
        config={"configurable": {"ctx": ctx}, "recursion_limit": compiled.recursion_limit},
    )
    s = Session(ctx, state, stage="final")  # type: ignore[arg-type]
    attempt = s.candidate
    abstained = bool(state.get("abstained"))
    cost = state.get("cost", Cost()).model_copy()
    cost.wall_s = time.perf_counter() - started
    trace: list[TraceEvent] = list(state.get("trace", []))
    return Answer(
        value=None if abstained or attempt is None else attempt.answer,
        abstained=abstained,
        confidence=s.confidence(),
        verdicts=s.verdicts_for() if attempt is not None else [],
        attempts=list(state.get("attempts", [])),
        trace=trace,
        cost=cost,
        pipeline=pipeline_spec,
        error=state.get("error"),
        signals=s.signals(),
        withheld=attempt.answer if abstained and attempt is not None else None,
    )
