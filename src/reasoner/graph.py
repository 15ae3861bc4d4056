"""Compiles a built pipeline into a LangGraph `StateGraph` and runs it on one problem.

Generators and stages are nodes; a `Loop` (retry) is a repair node plus a conditional edge
from the last verifier before it: while the candidate fails and the loop's budget lasts, the
run goes to the repair node and back to the first verifier after the generator.
"""

from __future__ import annotations

import time
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph

from reasoner.pipeline import Built
from reasoner.session import GraphState, RunContext, Session
from reasoner.strategy import Generator, Loop
from reasoner.types import Answer, Cost, TraceEvent


def _node_name(index: int, built: Built) -> str:
    return f"{index}_{built.spec.name}"


def candidate_failed(s: Session) -> bool:
    """True when the candidate has no answer, its program failed, or a verdict failed it."""
    attempt = s.candidate
    if attempt is None or attempt.answer is None or attempt.error:
        return True
    return any(v.failed for v in s.verdicts_for())


def failure_feedback(s: Session) -> str:
    """What went wrong with the candidate, in words the model can act on.

    The checkers' evidence only: generators decide whether to show the failed reply too
    (a 135M model shown its own wrong program mostly copies it back).
    """
    attempt = s.candidate
    lines = []
    if attempt is not None and attempt.error:
        lines.append(attempt.error)
    elif attempt is not None and attempt.answer is None:
        lines.append("it gave no answer in the required format")
    for v in s.verdicts_for():
        # The generic `check` repeats the attempt's own error: say it once.
        if v.failed and v.evidence not in lines:
            lines.append(f"{v.checker} check: {v.evidence}")
    return "; ".join(lines) or "it failed a check"


def _wrap(index: int, built: Built):
    name = _node_name(index, built)
    obj = built.obj

    async def node(state: GraphState, config: RunnableConfig) -> dict[str, Any]:
        ctx: RunContext = config["configurable"]["ctx"]  # type: ignore[index]
        s = Session(ctx, state, stage=str(built.spec))
        if state.get("abstained") or state.get("error"):
            return {}
        try:
            if isinstance(obj, Generator):
                s.writes["generator"] = index
                attempts = await obj.propose(s)
                for k, attempt in enumerate(attempts):
                    (s.propose if k == 0 else s.add_attempt)(attempt)
            elif isinstance(obj, Loop):
                used = dict(state.get("loops", {}))
                used[name] = used.get(name, 0) + 1
                s.writes["loops"] = used
                feedback = failure_feedback(s)
                s.note("repair", feedback, round=used[name], max=obj.max)
                generator = s.generator
                assert generator is not None  # pipeline validation puts a generator first
                attempts = await generator.propose(
                    s, feedback=feedback, temperature=obj.temperature
                )
                if attempts:
                    s.propose(attempts[0])
            else:
                await obj(s)
        except Exception as exc:  # a failing stage is a recorded failure, not a dead run
            s.note("error", f"{type(exc).__name__}: {exc}")
            s.writes["error"] = f"stage '{built.spec}' failed: {type(exc).__name__}: {exc}"
        return s.updates()

    node.__name__ = name
    return name, node


def compile_pipeline(built: list[Built]) -> Any:
    """Build and compile the StateGraph for a validated list of stages."""
    graph = StateGraph(_StateWithError)
    names = []
    for i, b in enumerate(built):
        name, fn = _wrap(i, b)
        graph.add_node(name, fn)
        names.append(name)
    graph.add_edge(START, names[0])

    def after(i: int) -> str:
        return names[i + 1] if i + 1 < len(names) else END

    loops = {i for i, b in enumerate(built) if b.kind == "loop"}
    for i in range(len(built)):
        if i + 1 in loops:
            continue  # the loop's router decides where node i goes
        if i in loops:
            continue
        graph.add_edge(names[i], after(i))
    for r in loops:
        loop: Loop = built[r].obj
        g = max(i for i in range(r) if built[i].kind == "generator")
        router = _router(names[r], loop.max, after(r))
        graph.add_conditional_edges(names[r - 1], router, [names[r], after(r)])
        if g + 1 < r:
            graph.add_edge(names[r], names[g + 1])  # repaired: verify again
        else:
            graph.add_conditional_edges(names[r], router, [names[r], after(r)])
    return graph.compile()


class _StateWithError(GraphState, total=False):
    error: str | None


def _router(loop_name: str, budget: int, next_name: str):
    def route(state: GraphState, config: RunnableConfig) -> str:
        if state.get("abstained") or state.get("error"):  # type: ignore[typeddict-item]
            return next_name
        s = Session(config["configurable"]["ctx"], state, stage=loop_name)
        if state.get("loops", {}).get(loop_name, 0) < budget and candidate_failed(s):
            return loop_name
        return next_name

    return route


async def run_graph(
    pipeline_spec: str, built: list[Built], compiled: Any, ctx: RunContext
) -> Answer:
    """Run the compiled graph on `ctx.problem` and assemble the Answer."""
    started = time.perf_counter()
    loop_rounds = sum(b.obj.max for b in built if isinstance(b.obj, Loop))
    limit = 10 + 2 * len(built) * (loop_rounds + 1)
    ctx.generators = {i: b.obj for i, b in enumerate(built) if isinstance(b.obj, Generator)}
    state: dict[str, Any] = await compiled.ainvoke(
        {"attempts": [], "verdicts": [], "trace": [], "cost": Cost(), "loops": {}, "signals": {}},
        config={"configurable": {"ctx": ctx}, "recursion_limit": limit},
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
