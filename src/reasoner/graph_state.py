"""The typed state a pipeline's LangGraph graph carries, and how updates merge into it.

List fields append, costs add, scalars take the latest write, per-key maps merge. A branch
runs each alternative in a lane of its own (`lanes`: lane name -> a state of this same shape),
so that attempts made side by side never share an index; the branch's join node pools them.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Annotated, Any, TypedDict

from reasoner.types import Attempt, Cost, TraceEvent, Verdict


def merge_keys(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Per-key maps: a later write of a key replaces it."""
    return {**a, **b}


def last(_a: Any, b: Any) -> Any:
    return b


def merge_signals(
    a: dict[int, dict[str, float]], b: dict[int, dict[str, float]]
) -> dict[int, dict[str, float]]:
    merged = {k: dict(v) for k, v in a.items()}
    for index, values in b.items():
        merged.setdefault(index, {}).update(values)
    return merged


#: Written to `lanes` by a branch's join: the lanes are pooled, start the next branch afresh.
CLEAR_LANES: dict[str, Any] = {"": None}


def merge_lanes(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if b == CLEAR_LANES:
        return {}
    merged = dict(a)
    for lane, update in b.items():
        merged[lane] = apply_update(merged.get(lane, {}), update)
    return merged


class GraphState(TypedDict, total=False):
    """LangGraph state of one pipeline run."""

    attempts: Annotated[list[Attempt], operator.add]
    verdicts: Annotated[list[Verdict], operator.add]
    trace: Annotated[list[TraceEvent], operator.add]
    cost: Annotated[Cost, operator.add]
    candidate: Annotated[int | None, last]
    confidence: Annotated[float | None, last]
    abstained: Annotated[bool, last]
    error: Annotated[str | None, last]
    #: The node id of the latest generating stage, for more samples or a repair.
    generator: Annotated[int | None, last]
    #: Every generator whose attempts are in the pool (a branch or a switch has several).
    generators: Annotated[list[int], last]
    #: The attempts a decider weighs: the latest generator's, or a branch's pooled ones.
    pool: Annotated[list[int], last]
    #: Pool members a switch keeps for the generator it switches to.
    carry: Annotated[dict[str, list[int]], last]
    loops: Annotated[dict[str, int], merge_keys]
    #: Confidence signals per attempt index (agreement, cross_agreement, ...).
    signals: Annotated[dict[int, dict[str, float]], merge_signals]
    #: Per-stage scratch (node name -> what that stage keeps between its rounds).
    memory: Annotated[dict[str, Any], merge_keys]
    lanes: Annotated[dict[str, dict[str, Any]], merge_lanes]


# The reducers of GraphState's fields that do not take the latest write (kept beside the
# class: its annotations are strings under `from __future__ import annotations`).
_REDUCERS: dict[str, Callable[[Any, Any], Any]] = {
    "attempts": operator.add,
    "verdicts": operator.add,
    "trace": operator.add,
    "cost": operator.add,
    "loops": merge_keys,
    "signals": merge_signals,
    "memory": merge_keys,
    "lanes": merge_lanes,
}


def apply_update(state: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """Merge one node's update into a lane's state with the same rules as the graph's."""
    merged = dict(state)
    for key, value in update.items():
        reducer = _REDUCERS.get(key, last)
        merged[key] = reducer(merged[key], value) if key in merged else value
    return merged


def initial_state() -> dict[str, Any]:
    """The state a run (or a lane) starts from."""
    return {
        "attempts": [],
        "verdicts": [],
        "trace": [],
        "cost": Cost(),
        "loops": {},
        "signals": {},
        "memory": {},
    }
