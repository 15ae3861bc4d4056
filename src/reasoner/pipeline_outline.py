"""What a pipeline is, in words and as a drawing: its full spec, its graph's nodes and
edges, and the Mermaid text LangGraph draws of it (`reasoner show`, config.json, reports)."""

from __future__ import annotations

from typing import Any

from reasoner.pipeline import Pipeline


def outline(pipeline: Pipeline) -> dict[str, Any]:
    """A JSON-ready description of the compiled graph.

    Args:
        pipeline: a pipeline (it is built and compiled if it was not yet).

    Returns:
        `spec` (the name results carry), `expanded` (named compositions spelled out),
        `nodes` ([name, label] with the stage spec each runs) and `edges`
        ([source, target, conditional]) of the LangGraph graph, START and END included.
    """
    compiled = pipeline.compiled()
    drawn = compiled.graph.get_graph()
    return {
        "spec": str(pipeline),
        "expanded": pipeline.expanded(),
        "nodes": [[name, compiled.labels.get(name, name)] for name in drawn.nodes],
        "edges": [[e.source, e.target, bool(e.conditional)] for e in drawn.edges],
    }


def mermaid(pipeline: Pipeline) -> str:
    """The Mermaid flowchart LangGraph draws of the compiled graph (dotted: conditional)."""
    return str(pipeline.graph().get_graph().draw_mermaid())


def legend(pipeline: Pipeline) -> list[str]:
    """One line per node: its name in the drawing and the stage it runs."""
    labels = pipeline.compiled().labels
    return [f"{name}: {label}" for name, label in labels.items()]
