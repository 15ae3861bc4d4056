"""Compiles a built pipeline into a LangGraph `StateGraph`.

Every stage is a node, numbered in spec order (`0_pal`, `1_check`, ...). The control flow is
edges, never a loop inside a node:
- a `Loop` (retry) is a repair node plus a conditional edge from the stage before it: while
  the candidate fails and the budget lasts, the run goes to the repair and back to the first
  verifier after the generator;
- a branch `(a | b)` is a fork node with an edge to each alternative, which runs in a lane of
  its own (its own attempts, verdicts and candidate), an end node per lane, and a join node
  that waits for every lane and pools their candidates for the next stage;
- a `Switch` is a node with a conditional edge to its target pipeline or past it;
- `Rounds` (adaptive voting) is a node with a conditional edge back to itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from langgraph.graph import END, START, StateGraph

from reasoner.graph_nodes import (
    fork_node,
    join_node,
    lane_end_node,
    loop_router,
    rounds_router,
    stage_node,
    switch_router,
)
from reasoner.graph_state import GraphState
from reasoner.stages import Built, BuiltBranch, BuiltNode
from reasoner.strategy import Generator, Loop, Rounds, Switch


@dataclass
class CompiledPipeline:
    """The compiled graph, the generators its nodes refer to, and a step limit."""

    graph: Any
    generators: dict[int, Generator] = field(default_factory=dict)
    recursion_limit: int = 25
    #: Node name -> what it runs, in words (its stage spec; "fork", "join" or "lane end").
    labels: dict[str, str] = field(default_factory=dict)


def compile_pipeline(built: list[BuiltNode]) -> CompiledPipeline:
    """Build and compile the StateGraph for a validated tree of stages."""
    compiler = _Compiler()
    names = compiler.name_all(built)
    compiler.wire(built, names, lane=None, after=END, ahead=False)
    first = compiler.entry(built[0], names)
    compiler.graph.add_edge(START, first)
    return CompiledPipeline(
        graph=compiler.graph.compile(),
        generators=compiler.generators,
        recursion_limit=25 + 4 * compiler.count * (1 + compiler.budget),
        labels=compiler.labels,
    )


class _Compiler:
    def __init__(self) -> None:
        self.graph = StateGraph(GraphState)
        self.generators: dict[int, Generator] = {}
        self.count = 0
        self.budget = 0  # repairs and rounds, summed: bounds the steps of one run
        self.labels: dict[str, str] = {}

    def _next(self, label: str) -> tuple[int, str]:
        number = self.count
        self.count += 1
        return number, f"{number}_{label}"

    def name_all(self, nodes: Any) -> dict[Any, Any]:
        """Names every node in spec order (ids of the Built/BuiltBranch objects as keys)."""
        names: dict[Any, Any] = {}
        for node in nodes:
            if isinstance(node, BuiltBranch):
                number, fork = self._next("branch")
                names[id(node)] = (number, fork)
                self.labels[fork] = f"fork {node.spec}"
                for alt in node.alternatives:
                    names.update(self.name_all(alt))
                names[(id(node), "join")] = f"{number}_join"
                self.labels[f"{number}_join"] = "join: pool the alternatives"
                for k in range(len(node.alternatives)):
                    names[(id(node), k)] = f"{number}_end_{chr(ord('a') + k)}"
                    self.labels[names[(id(node), k)]] = "lane end"
            else:
                names[id(node)] = self._next(node.spec.name)
                self.labels[names[id(node)][1]] = str(node.spec)
                if isinstance(node.obj, Switch):
                    names.update(self.name_all(node.obj.target))
        return names

    @staticmethod
    def entry(node: BuiltNode, names: dict[Any, Any]) -> str:
        return names[id(node)][1]

    @staticmethod
    def exit(node: BuiltNode, names: dict[Any, Any]) -> str:
        if isinstance(node, BuiltBranch):
            return names[(id(node), "join")]
        return names[id(node)][1]

    def wire(
        self, nodes: Any, names: dict[Any, Any], lane: str | None, after: str, ahead: bool
    ) -> None:
        """Adds the nodes of one sequence and its edges; `after` follows its last node, and
        `ahead` says whether a generating stage may run after the sequence."""
        nodes = list(nodes)
        for i, node in enumerate(nodes):
            nxt = self.entry(nodes[i + 1], names) if i + 1 < len(nodes) else after
            generators_ahead = ahead or any(_generates(n) for n in nodes[i + 1 :])
            next_is_loop = (
                i + 1 < len(nodes)
                and isinstance(nodes[i + 1], Built)
                and (isinstance(nodes[i + 1].obj, Loop))
            )
            if isinstance(node, BuiltBranch):
                self._branch(node, names, lane, generators_ahead)
                if not next_is_loop:
                    self.graph.add_edge(self.exit(node, names), nxt)
                continue
            number, name = names[id(node)]
            obj = node.obj
            if isinstance(obj, Generator):
                self.generators[number] = obj
            self.graph.add_node(name, stage_node(name, node, number, lane, generators_ahead))
            if isinstance(obj, Loop):
                self._loop(nodes, i, names, lane, nxt)
            elif isinstance(obj, Switch):
                target_entry = self.entry(obj.target[0], names)
                self.wire(obj.target, names, lane, after=nxt, ahead=generators_ahead)
                self.graph.add_conditional_edges(
                    name, switch_router(name, lane, target_entry, nxt), [target_entry, nxt]
                )
            elif isinstance(obj, Rounds):
                self.budget += obj.max_rounds
                self.graph.add_conditional_edges(
                    name, rounds_router(name, lane, obj, nxt), [name, nxt]
                )
            elif not next_is_loop:
                self.graph.add_edge(name, nxt)

    def _loop(
        self, nodes: list[Any], r: int, names: dict[Any, Any], lane: str | None, nxt: str
    ) -> None:
        loop: Loop = nodes[r].obj
        self.budget += loop.max
        name = names[id(nodes[r])][1]
        before = self.exit(nodes[r - 1], names)
        g = max(i for i in range(r) if _generates(nodes[i]))
        router = loop_router(name, lane, loop.max, nxt)
        self.graph.add_conditional_edges(before, router, [name, nxt])
        if g + 1 < r:
            self.graph.add_edge(name, self.entry(nodes[g + 1], names))  # repaired: verify again
        else:
            self.graph.add_conditional_edges(name, router, [name, nxt])

    def _branch(
        self, branch: BuiltBranch, names: dict[Any, Any], lane: str | None, ahead: bool
    ) -> None:
        number, fork = names[id(branch)]
        join = names[(id(branch), "join")]
        lanes = [f"{number}{chr(ord('a') + k)}" for k in range(len(branch.alternatives))]
        self.graph.add_node(fork, fork_node(str(branch.spec), lane))
        ends = []
        for k, alt in enumerate(branch.alternatives):
            end = names[(id(branch), k)]
            self.graph.add_node(end, lane_end_node())
            self.graph.add_edge(fork, self.entry(alt[0], names))
            self.wire(alt, names, lanes[k], after=end, ahead=ahead)
            ends.append(end)
        self.graph.add_node(join, join_node(str(branch.spec), lanes))
        self.graph.add_edge(ends, join)


def _generates(node: BuiltNode) -> bool:
    return isinstance(node, BuiltBranch) or isinstance(node.obj, Generator | Switch)
