"""The node functions and edge routers a compiled pipeline is made of.

A node reads the graph state (or, inside a branch, its lane's state), runs one stage through a
`Session`, and returns the stage's update; a router reads the state and names the next node.
A failing stage is a recorded failure (`error`), never an exception out of the graph.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.runnables import RunnableConfig

from reasoner.graph_state import CLEAR_LANES, initial_state
from reasoner.session import RunContext, Session, below
from reasoner.stages import Built
from reasoner.strategy import Generator, Loop, Rounds, Switch


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


def lane_state(state: dict[str, Any], lane: str | None) -> dict[str, Any]:
    """The state a node in `lane` sees: its lane's, or the whole state on the main line."""
    if lane is None:
        return state
    return state.get("lanes", {}).get(lane) or initial_state()


def _in_lane(lane: str | None, update: dict[str, Any]) -> dict[str, Any]:
    return update if lane is None else {"lanes": {lane: update}}


def _context(config: RunnableConfig) -> RunContext:
    return config["configurable"]["ctx"]  # type: ignore[index]


Body = Callable[[Session], Awaitable[None]]


def stage_node(
    name: str, built: Built, number: int, lane: str | None, generators_ahead: bool = False
):
    """The node that runs one stage: a generator, a repair, a switch's decision or a stage."""
    obj = built.obj
    if isinstance(obj, Generator):
        body: Body = _generate(obj, number)
    elif isinstance(obj, Loop):
        body = _repair(obj, name)
    elif isinstance(obj, Switch):
        body = _decide_switch(obj)
    elif isinstance(obj, Rounds):
        body = _round(obj, name)
    else:
        body = obj
    label = str(built.spec)

    async def node(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        view = lane_state(state, lane)
        if _halted(view):
            return {}
        s = Session(
            _context(config),
            view,  # type: ignore[arg-type]
            stage=label,
            node=name,
            generators_ahead=generators_ahead,
        )
        try:
            await body(s)
        except Exception as exc:  # a failing stage is a recorded failure, not a dead run
            s.note("error", f"{type(exc).__name__}: {exc}")
            s.writes["error"] = f"stage '{label}' failed: {type(exc).__name__}: {exc}"
        return _in_lane(lane, s.updates())

    node.__name__ = name
    return node


def _generate(generator: Generator, number: int) -> Body:
    async def body(s: Session) -> None:
        carry = s.state.get("carry") or {}
        s.writes["generator"] = number
        s.writes["generators"] = list(carry.get("generators", [])) + [number]
        s.writes["carry"] = {}
        attempts = await generator.propose(s)
        indices = [(s.propose if k == 0 else s.add_attempt)(a) for k, a in enumerate(attempts)]
        s.writes["pool"] = list(carry.get("pool", [])) + indices

    return body


def _next_round(s: Session, name: str) -> int:
    """Counts one more pass through a repeating node (what its router's budget reads)."""
    used = dict(s.state.get("loops", {}))
    used[name] = used.get(name, 0) + 1
    s.writes["loops"] = used
    return used[name]


def _repair(loop: Loop, name: str) -> Body:
    async def body(s: Session) -> None:
        round_ = _next_round(s, name)
        feedback = failure_feedback(s)
        s.note("repair", feedback, round=round_, max=loop.max)
        generator = s.generator
        assert generator is not None  # pipeline validation puts a generator first
        attempts = await generator.propose(s, feedback=feedback, temperature=loop.temperature)
        if attempts:
            s.writes["pool"] = [s.propose(attempts[0])]

    return body


def should_switch(switch: Switch, s: Session) -> str | None:
    """Why the run switches (a reason in words), or None when the candidate stands."""
    if switch.when == "failed" and candidate_failed(s):
        return "the candidate failed"
    if switch.when == "unverified" and not any(v.passed for v in s.verdicts_for()):
        return "no check passed the candidate"
    return None if switch.below is None else below(s.confidence(), switch.below)


def _decide_switch(switch: Switch) -> Body:
    async def body(s: Session) -> None:
        reason = should_switch(switch, s)
        s.remember(switched=reason is not None)
        if reason is None:
            s.note("switch", f"kept the candidate: no switch to {switch.target_spec}")
            return
        s.note("switch", f"{reason}: switching to {switch.target_spec}")
        earlier = s.state.get("generators") or []
        if not earlier and s.state.get("generator") is not None:
            earlier = [s.state["generator"]]  # type: ignore[list-item]
        s.writes["carry"] = {"pool": s.pool, "generators": list(earlier)}

    return body


def _round(rounds: Rounds, name: str) -> Body:
    async def body(s: Session) -> None:
        _next_round(s, name)
        await rounds.step(s)

    return body


def fork_node(label: str, lane: str | None):
    """A branch's start: notes the alternatives; the edges do the forking."""

    async def node(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        s = Session(_context(config), lane_state(state, lane), stage=label)  # type: ignore[arg-type]
        s.note("branch", f"running side by side: {label}")
        return {"trace": s.trace}

    return node


def lane_end_node():
    """Where an alternative's lane ends; the join waits for every lane's end."""

    async def node(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        return {}

    return node


def join_node(label: str, lanes: list[str]):
    """Pools the lanes into the main state: their attempts (renumbered), verdicts, signals,
    traces and costs, in alternative order; every lane's candidate joins the pool, and the
    first one with an answer becomes the candidate."""

    async def node(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        offset = len(state.get("attempts", []))
        update: dict[str, Any] = {
            "attempts": [],
            "verdicts": [],
            "trace": [],
            "signals": {},
            "lanes": CLEAR_LANES,
        }
        pool, generators, errors = [], [], []
        cost = None
        for lane in lanes:
            part = state.get("lanes", {}).get(lane) or {}
            attempts = list(part.get("attempts", []))
            update["attempts"] += attempts
            update["verdicts"] += [
                v.model_copy(update={"attempt": None if v.attempt is None else v.attempt + offset})
                for v in part.get("verdicts", [])
            ]
            update["trace"] += list(part.get("trace", []))
            for index, values in part.get("signals", {}).items():
                update["signals"][index + offset] = dict(values)
            lane_cost = part.get("cost")
            if lane_cost is not None:
                cost = lane_cost if cost is None else cost + lane_cost
            if part.get("error"):
                errors.append(part["error"])
            elif part.get("candidate") is not None and not part.get("abstained"):
                pool.append(part["candidate"] + offset)
            if part.get("generator") is not None:
                generators.append(part["generator"])
            offset += len(attempts)
        every = list(state.get("attempts", [])) + update["attempts"]
        answered = [i for i in pool if every[i].answer is not None]
        if cost is not None:
            update["cost"] = cost
        if pool:
            update["candidate"] = (answered or pool)[0]
            update["confidence"] = None
            update["pool"] = pool
            update["generators"] = generators
            update["generator"] = generators[0] if generators else None
            agree = len(answered) == len(pool) > 1 and len({every[i].answer for i in pool}) == 1
            for index in pool:
                update["signals"].setdefault(index, {})["cross_agreement"] = float(agree)
        elif errors:
            update["error"] = errors[0]
        s = Session(_context(config), state, stage=label)  # type: ignore[arg-type]
        answers = ", ".join(str(every[i].answer) for i in pool) or "none"
        s.note("join", f"pooled {len(pool)} of {len(lanes)} alternatives: {answers}")
        update["trace"] += s.trace
        return update

    return node


def _halted(view: dict[str, Any]) -> bool:
    """An abstention or a failed stage ends the run: every router then goes straight on."""
    return bool(view.get("abstained") or view.get("error"))


def loop_router(loop_name: str, lane: str | None, budget: int, next_name: str):
    """Back to the repair while the candidate fails and the budget lasts."""

    def route(state: dict[str, Any], config: RunnableConfig) -> str:
        view = lane_state(state, lane)
        if _halted(view):
            return next_name
        s = Session(_context(config), view, stage=loop_name)  # type: ignore[arg-type]
        if view.get("loops", {}).get(loop_name, 0) < budget and candidate_failed(s):
            return loop_name
        return next_name

    return route


def switch_router(name: str, lane: str | None, target: str, next_name: str):
    """To the switch's target when its node decided to switch, past it otherwise."""

    def route(state: dict[str, Any], config: RunnableConfig) -> str:
        view = lane_state(state, lane)
        if _halted(view):
            return next_name
        switched = view.get("memory", {}).get(name, {}).get("switched")
        return target if switched else next_name

    return route


def rounds_router(name: str, lane: str | None, rounds: Rounds, next_name: str):
    """Back to the same node while the stage wants another round and rounds remain."""

    def route(state: dict[str, Any], config: RunnableConfig) -> str:
        view = lane_state(state, lane)
        if _halted(view) or view.get("loops", {}).get(name, 0) >= rounds.max_rounds:
            return next_name
        s = Session(_context(config), view, stage=name, node=name)  # type: ignore[arg-type]
        return name if rounds.again(s) else next_name

    return route
