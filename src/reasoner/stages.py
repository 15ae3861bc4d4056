"""A built pipeline: each stage's spec beside the object its factory returned, as a tree
(branches hold one list per alternative). Pipelines build it; the graph compiler reads it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reasoner.specs import BranchSpec, StageSpec, format_nodes
from reasoner.strategy import Generator, Loop, Rounds, Switch


@dataclass(frozen=True)
class Built:
    """One instantiated stage: its spec and what its factory returned."""

    spec: StageSpec
    obj: Any

    @property
    def kind(self) -> str:
        """generator, loop, switch, rounds or stage: how the compiler wires it."""
        if isinstance(self.obj, Generator):
            return "generator"
        if isinstance(self.obj, Loop):
            return "loop"
        if isinstance(self.obj, Switch):
            return "switch"
        if isinstance(self.obj, Rounds):
            return "rounds"
        return "stage"


@dataclass(frozen=True)
class BuiltBranch:
    """Alternatives side by side; each is a list of built nodes."""

    spec: BranchSpec
    alternatives: tuple[tuple[BuiltNode, ...], ...]

    @property
    def kind(self) -> str:
        return "branch"


BuiltNode = Built | BuiltBranch


def walk(nodes: Any) -> list[Built]:
    """Every stage of a built tree, branches' and switch targets' included, in spec order."""
    out: list[Built] = []
    for node in nodes:
        if isinstance(node, BuiltBranch):
            for alt in node.alternatives:
                out += walk(alt)
        else:
            out.append(node)
            if isinstance(node.obj, Switch):
                out += walk(node.obj.target)
    return out


def spec_of(nodes: Any) -> str:
    """The spec string of a built tree."""
    return format_nodes(n.spec for n in nodes)
