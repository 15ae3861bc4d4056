"""A pipeline: a flat, inspectable list of stages that reads like the idea.

`Pipeline.parse("pal >> check >> retry(max=2) >> abstain(t=0.75)")`, the same as a YAML list,
the same as `Pipeline("pal") >> "check" >> stage("retry", max=2)`; `str(pipeline)` gives the
spec string back, so results and reports can name it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reasoner import plugins
from reasoner.errors import BadPipelineSpec, PluginError
from reasoner.specs import StageSpec, call_with_kwargs, parse_pipeline
from reasoner.strategy import Generator, Loop


@dataclass(frozen=True)
class Built:
    """One instantiated stage: its spec and what its factory returned."""

    spec: StageSpec
    obj: Any

    @property
    def kind(self) -> str:
        if isinstance(self.obj, Generator):
            return "generator"
        if isinstance(self.obj, Loop):
            return "loop"
        return "stage"


class Pipeline:
    """Stages to run in order. Compose with `>>`; nested pipelines flatten.

    Args:
        spec: a spec string (`"pal >> check"`), a list of stage strings / one-key dicts,
            or another Pipeline.
    """

    def __init__(self, spec: str | list[Any] | Pipeline | None = None) -> None:
        if isinstance(spec, Pipeline):
            self.stages: list[StageSpec] = list(spec.stages)
            self._objects: dict[int, Any] = dict(spec._objects)
        else:
            self.stages = parse_pipeline(spec, BadPipelineSpec) if spec is not None else []
            self._objects = {}
        self._built: list[Built] | None = None
        self._graph: Any = None

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
        pipeline.stages = [StageSpec(name)]
        pipeline._objects = {0: obj}
        return pipeline

    def __rshift__(self, other: str | list[Any] | Pipeline) -> Pipeline:
        right = other if isinstance(other, Pipeline) else Pipeline(other)
        joined = Pipeline()
        joined.stages = self.stages + right.stages
        joined._objects = {**self._objects}
        joined._objects.update({i + len(self.stages): o for i, o in right._objects.items()})
        return joined

    def __rrshift__(self, other: str | list[Any]) -> Pipeline:
        return Pipeline(other) >> self

    def __str__(self) -> str:
        return " >> ".join(str(s) for s in self.stages)

    def __repr__(self) -> str:
        return f"Pipeline({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pipeline) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def build(self) -> list[Built]:
        """Instantiate every stage through the strategy registry (once)."""
        if self._built is None:
            if not self.stages:
                raise BadPipelineSpec("empty pipeline: name at least one stage, e.g. 'pal'")
            built = [
                Built(s, self._objects.get(i) or _instantiate(s)) for i, s in enumerate(self.stages)
            ]
            _validate(built)
            self._built = built
        return self._built

    def graph(self) -> Any:
        """The compiled LangGraph graph (compiled once per pipeline)."""
        if self._graph is None:
            from reasoner.graph import compile_pipeline

            self._graph = compile_pipeline(self.build())
        return self._graph


def stage(name: str, **kwargs: Any) -> Pipeline:
    """A one-stage pipeline, e.g. `stage("retry", max=2)`; compose it with `>>`."""
    return Pipeline([{name: kwargs}])


def _instantiate(spec: StageSpec) -> Any:
    if spec.name not in plugins.strategies:
        known = ", ".join(plugins.strategies.names())
        raise BadPipelineSpec(f"unknown stage '{spec.name}'; known stages: {known}")
    try:
        factory = plugins.strategies.get(spec.name)
    except PluginError as exc:
        raise BadPipelineSpec(str(exc)) from None
    obj = call_with_kwargs(factory, spec.kwargs, f"stage '{spec.name}'", BadPipelineSpec)
    if not (isinstance(obj, Generator | Loop) or callable(obj)):
        raise BadPipelineSpec(
            f"stage '{spec.name}': its factory returned {type(obj).__name__}, "
            "expected a Generator, a Loop or an async function of the Session"
        )
    return obj


def _validate(built: list[Built]) -> None:
    seen_generator = False
    for i, b in enumerate(built):
        if b.kind == "generator":
            seen_generator = True
        elif b.kind == "loop":
            if not seen_generator:
                raise BadPipelineSpec(
                    f"stage '{b.spec}' needs a generator before it (e.g. 'pal >> check >> {b.spec}')"
                )
            if i > 0 and built[i - 1].kind == "loop":
                raise BadPipelineSpec(f"two loops in a row at '{b.spec}': merge them into one")
