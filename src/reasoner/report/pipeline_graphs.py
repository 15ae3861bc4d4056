"""Each pipeline of a run as its full spec and a drawing of its compiled graph, from the
`pipeline_graphs` that config.json records (runs from before it record nothing to draw).

The drawing is inline SVG, so report.html stays one self-contained page that opens offline.
Graphviz's `dot` lays it out when it is installed (scripts/setup.sh installs it); otherwise a
plain layered drawing: nodes in layers by their longest path from the start, edges that go
back (a repair loop, an adaptive vote's next round) as curves on the right. Conditional edges
are dashed, as in LangGraph's Mermaid.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from html import escape
from typing import Any

BOX_HEIGHT = 30
LAYER_GAP = 62
CHAR_WIDTH = 7.2
MAX_LABEL = 48


def named_specs(config: dict[str, Any]) -> dict[str, str]:
    """Pipelines whose name is a composition (e.g. `agent`) -> their full spec."""
    graphs = config.get("pipeline_graphs") or {}
    return {
        name: g["expanded"]
        for name, g in graphs.items()
        if isinstance(g, dict) and g.get("expanded") and g["expanded"] != name
    }


def spec_lines(configs: Sequence[dict[str, Any]]) -> list[str]:
    """'agent = pal >> check >> ...' for every named composition of the runs, once each."""
    seen: dict[str, str] = {}
    for config in configs:
        seen.update(named_specs(config))
    return [f"{name} = {expanded}" for name, expanded in seen.items()]


def graphs_html(config: dict[str, Any]) -> str:
    """A section with each pipeline's spec and graph; "" when the run recorded none."""
    graphs = config.get("pipeline_graphs") or {}
    parts = []
    for name, g in graphs.items():
        try:
            drawing = dot_svg(g["nodes"], g["edges"]) or graph_svg(g["nodes"], g["edges"])
        except (KeyError, TypeError, ValueError, IndexError):
            continue  # a hand-edited or damaged record costs the drawing, not the report
        heading = escape(name)
        if g.get("expanded") and g["expanded"] != name:
            heading += f" = <code>{escape(g['expanded'])}</code>"
        parts.append(f"<h3>{heading}</h3><div class='plot'>{drawing}</div>")
    if not parts:
        return ""
    return "<h2 id='pipelines'>Pipelines</h2>" + "".join(parts)


def dot_svg(nodes: list[list[str]], edges: list[list[Any]]) -> str | None:
    """The graph laid out by Graphviz's `dot` as inline SVG; None when dot is absent or fails."""
    dot = shutil.which("dot")
    if dot is None:
        return None
    lines = [
        "digraph pipeline {",
        'graph [rankdir=TB, nodesep=0.3, ranksep=0.35, bgcolor="transparent"];',
        'node [shape=box, style="rounded,filled", fillcolor="#f2f0ff", color="#7a6fd0", '
        'fontname="monospace", fontsize=11, height=0.3];',
        'edge [color="#555555", arrowsize=0.6];',
    ]
    for name, label in nodes:
        shown = name.strip("_") if str(name).startswith("__") else _short(str(label))
        shape = ', shape=oval, fillcolor="#ffffff"' if str(name).startswith("__") else ""
        lines.append(f"{_quoted(name)} [label={_quoted(shown)}{shape}];")
    for source, target, conditional in edges:
        style = " [style=dashed]" if conditional else ""
        lines.append(f"{_quoted(source)} -> {_quoted(target)}{style};")
    lines.append("}")
    try:
        done = subprocess.run(
            [dot, "-Tsvg"], input="\n".join(lines), capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.SubprocessError):
        return None
    svg = done.stdout
    start = svg.find("<svg")
    return svg[start:] if done.returncode == 0 and start >= 0 else None


def _quoted(text: Any) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _layers(names: list[str], edges: list[tuple[str, str, bool]]) -> tuple[dict[str, int], set]:
    children: dict[str, list[str]] = {n: [] for n in names}
    for source, target, _ in edges:
        if source in children and target in children and source != target:
            children[source].append(target)
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}

    def visit(node: str) -> None:  # depth-first: an edge to a node on the stack goes back
        state[node] = 1
        for child in children[node]:
            if state.get(child) == 1:
                back.add((node, child))
            elif child not in state:
                visit(child)
        state[node] = 2

    for start in ["__start__", *names]:
        if start in children and start not in state:
            visit(start)
    layer = {n: 0 for n in names}
    for _ in names:  # longest path over the forward edges (a DAG): at most len(names) passes
        for source, targets in children.items():
            for target in targets:
                if (source, target) not in back and layer[target] < layer[source] + 1:
                    layer[target] = layer[source] + 1
    return layer, back


def graph_svg(nodes: list[list[str]], edges: list[list[Any]]) -> str:
    """An SVG drawing of a graph given as [name, label] nodes and [source, target,
    conditional] edges."""
    labels = {str(n[0]): str(n[1]) for n in nodes}
    names = list(labels)
    edge_list = [(str(e[0]), str(e[1]), bool(e[2])) for e in edges]
    layer, back = _layers(names, edge_list)
    for name in names:  # a lane's end sits just above the join it waits for
        below = [t for s_, t, _ in edge_list if s_ == name and t in layer and (s_, t) not in back]
        if labels[name] == "lane end" and below:
            layer[name] = min(layer[t] for t in below) - 1
    rows: dict[int, list[str]] = {}
    for name in names:
        rows.setdefault(layer[name], []).append(name)
    text = {n: _short(labels[n] if not n.startswith("__") else n.strip("_")) for n in names}
    width_of = {n: max(60.0, len(text[n]) * CHAR_WIDTH + 20) for n in names}
    row_widths = [sum(width_of[n] for n in row) + 24 * (len(row) - 1) for row in rows.values()]
    total_width = max(row_widths + [200]) + 200
    parents: dict[str, list[str]] = {n: [] for n in names}
    for source, target, _ in edge_list:
        if target in parents and source in labels and (source, target) not in back:
            parents[target].append(source)
    position: dict[str, tuple[float, float]] = {}
    for level in sorted(rows):
        row = rows[level]
        if level:  # each node under its parents (barycenter order), so lanes stay apart
            row.sort(key=lambda n: _mean_x([position[p][0] for p in parents[n] if p in position]))
        x = (total_width - (sum(width_of[n] for n in row) + 24 * (len(row) - 1))) / 2
        for name in row:
            position[name] = (x + width_of[name] / 2, 20 + level * LAYER_GAP)
            x += width_of[name] + 24
    height = 40 + max(rows) * LAYER_GAP + BOX_HEIGHT
    out = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{total_width:.0f}' height='{height}' "
        f"viewBox='0 0 {total_width:.0f} {height}' font-family='ui-monospace,monospace' "
        "font-size='12'><defs><marker id='arrow' viewBox='0 0 10 10' refX='9' refY='5' "
        "markerWidth='7' markerHeight='7' orient='auto-start-reverse'>"
        "<path d='M 0 0 L 10 5 L 0 10 z' fill='#555'/></marker></defs>"
    ]
    for source, target, conditional in edge_list:
        if source not in position or target not in position:
            continue
        (x1, y1), (x2, y2) = position[source], position[target]
        dash = " stroke-dasharray='5,4'" if conditional else ""
        style = f"fill='none' stroke='#555'{dash} marker-end='url(#arrow)'"
        if source == target or (source, target) in back:
            right1 = x1 + width_of[source] / 2
            right2 = x2 + width_of[target] / 2
            bulge = max(right1, right2) + 40
            path = (
                f"M {right1:.0f} {y1 + BOX_HEIGHT / 2:.0f} C {bulge:.0f} {y1 + BOX_HEIGHT / 2:.0f} "
                f"{bulge:.0f} {y2 + BOX_HEIGHT / 2 - (12 if source == target else 0):.0f} "
                f"{right2:.0f} {y2 + BOX_HEIGHT / 2 - (8 if source == target else 0):.0f}"
            )
            out.append(f"<path d='{path}' {style}/>")
        elif layer[target] - layer[source] > 1:  # skips layers: around them, on the left
            left = min(x1 - width_of[source] / 2, x2 - width_of[target] / 2) - 30
            path = (
                f"M {x1 - width_of[source] / 2:.0f} {y1 + BOX_HEIGHT / 2:.0f} "
                f"C {left:.0f} {y1 + BOX_HEIGHT / 2:.0f} {left:.0f} {y2 + BOX_HEIGHT / 2:.0f} "
                f"{x2 - width_of[target] / 2:.0f} {y2 + BOX_HEIGHT / 2:.0f}"
            )
            out.append(f"<path d='{path}' {style}/>")
        else:
            out.append(
                f"<line x1='{x1:.0f}' y1='{y1 + BOX_HEIGHT:.0f}' x2='{x2:.0f}' y2='{y2:.0f}' {style}/>"
            )
    for name in names:
        x, y = position[name]
        w = width_of[name]
        rounded = 15 if name.startswith("__") else 4
        fill = "#ffffff" if name.startswith("__") else "#f2f0ff"
        out.append(
            f"<g><title>{escape(name)}: {escape(labels[name])}</title>"
            f"<rect x='{x - w / 2:.0f}' y='{y:.0f}' width='{w:.0f}' height='{BOX_HEIGHT}' "
            f"rx='{rounded}' fill='{fill}' stroke='#7a6fd0'/>"
            f"<text x='{x:.0f}' y='{y + 19:.0f}' text-anchor='middle'>{escape(text[name])}</text></g>"
        )
    out.append("</svg>")
    return "".join(out)


def _mean_x(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else 0.0


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"
