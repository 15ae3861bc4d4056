"""A pipeline: an inspectable tree of stages that reads like the idea.

`Pipeline.parse("pal >> check >> retry(max=2) >> abstain(t=0.75)")`, the same as a YAML list,
the same as `Pipeline("pal") >> "check" >> stage("retry", max=2)`. Alternatives pool their
attempts into the next stage: `(pal | cot) >> vote`, `Pipeline("pal") | "cot"`, or the list
item `{"branches": ["pal", "cot"]}`. `str(pipeline)` gives the spec string back, so results
and reports can name it; `expanded()` spells out named compositions such as `agent`.
"""

from __future__ import annotations

from typing import Any

from reasoner import plugins
from reasoner.errors import BadPipelineSpec, PluginError
from reasoner.graph import CompiledPipeline, compile_pipeline
from reasoner.specs import BranchSpec, Node, StageSpec, call_with_kwargs, parse_pipeline
from reasoner.stages import Built, BuiltBranch, BuiltNode, spec_of
from reasoner.strategy import Generator, Loop, Rounds, Switch


class Pipeline:
    """Stages to run, in order and side by side. Compose with `>>` and `|`.

    Args:
        spec: a spec string (`"(pal | cot) >> vote"`), a list of stage strings / one-key
            dicts, or another Pipeline.
    """

    def __init__(self, spec: str | list[Any] | Pipeline | None = None) -> None:
        if isinstance(spec, Pipeline):
            self.stages: list[Node] = list(spec.stages)
        else:
            self.stages = parse_pipeline(spec, BadPipelineSpec) if spec is not None else []
        self._built: list[BuiltNode] | None = None
        self._compiled: CompiledPipeline | None = None

    @classmethod
    def parse(cls, spec: str | list[Any] | Pipeline) -> Pipeline:
        """Parse and validate a spec: unknown stages and bad arguments fail here, clearly."""
        pipeline = spec if isinstance(spec, Pipeline) else cls(spec)
        pipeline.build()
        return pipeline

    @classmethod
    def of(cls, obj: Any, name: str) -> Pipeline:
        """A one-stage pipeline from an object built in Python (a Generator, Loop or stage)."""
        pipeline = cls()
        pipeline.stages = [StageSpec(name, obj=obj)]
        return pipeline

    def __rshift__(self, other: str | list[Any] | Pipeline) -> Pipeline:
        joined = Pipeline()
        joined.stages = self.stages + _as_pipeline(other).stages
        return joined

    def __rrshift__(self, other: str | list[Any]) -> Pipeline:
        return _as_pipeline(other) >> self

    def __or__(self, other: str | list[Any] | Pipeline) -> Pipeline:
        left, right = self.stages, _as_pipeline(other).stages
        alternatives = (
            left[0].alternatives
            if len(left) == 1 and isinstance(left[0], BranchSpec)
            else (tuple(left),)
        )
        branched = Pipeline()
        branched.stages = [BranchSpec((*alternatives, tuple(right)))]
        return branched

    def __ror__(self, other: str | list[Any]) -> Pipeline:
        return _as_pipeline(other) | self

    def __str__(self) -> str:
        return " >> ".join(str(s) for s in self.stages)

    def __repr__(self) -> str:
        return f"Pipeline({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pipeline) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def build(self) -> list[BuiltNode]:
        """Instantiate every stage through the strategy registry (once)."""
        if self._built is None:
            if not self.stages:
                raise BadPipelineSpec("empty pipeline: name at least one stage, e.g. 'pal'")
            built = _build_nodes(self.stages)
            _validate(built, where=str(self))
            self._built = built
        return self._built

    def expanded(self) -> str:
        """The spec with every named composition (e.g. `agent`) spelled out."""
        return spec_of(self.build())

    def compiled(self) -> CompiledPipeline:
        """The compiled graph with what running it needs (compiled once per pipeline)."""
        if self._compiled is None:
            self._compiled = compile_pipeline(self.build())
        return self._compiled

    def graph(self) -> Any:
        """The compiled LangGraph graph: `.get_graph().draw_mermaid()` draws it."""
        return self.compiled().graph

    def with_argument(self, stage_name: str, key: str, value: Any) -> Pipeline:
        """A copy in which every stage called `stage_name` (in branches too) gets `key=value`."""
        rewritten = Pipeline()
        rewritten.stages = [_set_argument(n, stage_name, key, value) for n in self.stages]
        return rewritten


def stage(name: str, **kwargs: Any) -> Pipeline:
    """A one-stage pipeline, e.g. `stage("retry", max=2)`; compose it with `>>` or `|`."""
    return Pipeline([{name: kwargs}])


def _as_pipeline(spec: str | list[Any] | Pipeline) -> Pipeline:
    return spec if isinstance(spec, Pipeline) else Pipeline(spec)


def _set_argument(node: Node, stage_name: str, key: str, value: Any) -> Node:
    if isinstance(node, BranchSpec):
        return BranchSpec(
            tuple(
                tuple(_set_argument(n, stage_name, key, value) for n in alt)
                for alt in node.alternatives
            )
        )
    if node.name != stage_name:
        return node
    return StageSpec(node.name, {**node.kwargs, key: value}, node.args, node.obj)


def _build_nodes(nodes: list[Node] | tuple[Node, ...]) -> list[BuiltNode]:
    built: list[BuiltNode] = []
    for node in nodes:
        if isinstance(node, BranchSpec):
            alternatives = tuple(tuple(_build_nodes(alt)) for alt in node.alternatives)
            built.append(BuiltBranch(node, alternatives))
            continue
        obj = node.obj if node.obj is not None else _instantiate(node)
        if isinstance(obj, Pipeline):  # a named composition: its stages take its place
            built.extend(obj.build())
        else:
            built.append(Built(node, obj))
    return built


def _instantiate(spec: StageSpec) -> Any:
    if spec.name not in plugins.strategies:
        known = ", ".join(plugins.strategies.names())
        raise BadPipelineSpec(f"unknown stage '{spec.name}'; known stages: {known}")
    try:
        factory = plugins.strategies.get(spec.name)
    except PluginError as exc:
        raise BadPipelineSpec(str(exc)) from None
    obj = call_with_kwargs(
        factory, dict(spec.kwargs), f"stage '{spec.name}'", BadPipelineSpec, spec.args
    )
    if not (isinstance(obj, Generator | Loop | Switch | Rounds | Pipeline) or callable(obj)):
        raise BadPipelineSpec(
            f"stage '{spec.name}': its factory returned {type(obj).__name__}, expected a "
            "Generator, a Loop, a Switch, Rounds, a Pipeline or an async function of the Session"
        )
    return obj


def _starts_with_generator(nodes: list[BuiltNode] | tuple[BuiltNode, ...]) -> bool:
    first = nodes[0]
    if isinstance(first, BuiltBranch):
        return all(_starts_with_generator(alt) for alt in first.alternatives)
    return first.kind == "generator"


def _validate(
    nodes: list[BuiltNode] | tuple[BuiltNode, ...], where: str, inside: bool = False
) -> None:
    seen_generator = False
    for i, node in enumerate(nodes):
        if isinstance(node, BuiltBranch):
            if inside:
                raise BadPipelineSpec(
                    f"a branch inside a branch in '{where}': write the alternatives side by "
                    "side, e.g. '(pal | cot | direct)'"
                )
            for alt in node.alternatives:
                if not _starts_with_generator(alt):
                    raise BadPipelineSpec(
                        f"each alternative of '{node.spec}' must start with a generator, "
                        f"e.g. '(pal | cot >> check)'"
                    )
                _validate(alt, where, inside=True)
            seen_generator = True
        elif node.kind == "generator":
            seen_generator = True
        elif node.kind == "loop":
            if not seen_generator:
                raise BadPipelineSpec(
                    f"stage '{node.spec}' needs a generator before it "
                    f"(e.g. 'pal >> check >> {node.spec}')"
                )
            if i > 0 and nodes[i - 1].kind == "loop":
                raise BadPipelineSpec(f"two loops in a row at '{node.spec}': merge them into one")
        elif node.kind == "switch":
            if not seen_generator:
                raise BadPipelineSpec(
                    f"stage '{node.spec}' needs a generator before it (e.g. 'pal >> {node.spec}')"
                )
            target = node.obj.target
            if not _starts_with_generator(target):
                raise BadPipelineSpec(
                    f"'{node.spec}' must switch to a generator, e.g. 'switch(cot)'"
                )
            _validate(target, where, inside=inside)
        elif i == 0 and not inside:
            pass  # a stage first is allowed (it may produce an attempt itself)
