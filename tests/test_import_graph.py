"""The import graph of src/reasoner, strategies/ and tasks/: no circles, no borrowed privates.

Read from the source with `ast`, so it sees the code as written, not what one run happened
to import. What counts as an import:
- every `import` and `from ... import` in a module, at module level or inside a function
  or class: a deferred import inside a function that closes a circle is still a circle,
  only hidden until that function runs (the runner <-> calibrate_run circle was one);
- except those under `if TYPE_CHECKING:`, which never run.
`from package import name` points at the submodule `package.name` when there is one, else
at the package's `__init__`. The implicit import of a parent package (importing
`reasoner.eval.store` runs `reasoner/eval/__init__.py` first) is not an edge: Python has
that package half-initialised in `sys.modules` already, and every package would otherwise
sit in a circle with its own modules.

A private name is one with a leading underscore that is not a dunder (`__version__`).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Folder -> the package name it installs as (pyproject's package-dir).
PACKAGES = {
    ROOT / "src" / "reasoner": "reasoner",
    ROOT / "strategies": "reasoner_strategies",
    ROOT / "tasks": "reasoner_tasks",
}


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name
    line: int
    target: str  # the module the import runs (one of ours)
    names: tuple[str, ...]  # names taken from it by `from target import ...`


def modules() -> dict[str, Path]:
    """Every module of the three folders, by dotted name (a package by its own name)."""
    found = {}
    for folder, package in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = [package, *path.relative_to(folder).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    # Every statement at any depth, leaving out the bodies of `if TYPE_CHECKING:`.
    for node in body:
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _statements(node.orelse)
            continue
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            for child in getattr(node, field, []):
                if isinstance(child, ast.stmt):
                    yield from _statements([child])
                elif isinstance(child, ast.excepthandler | ast.match_case):
                    yield from _statements(child.body)


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports(known: dict[str, Path]) -> list[Import]:
    """Every import of one of our modules by another, as the module-level docstring says.

    Args:
        known: our modules by name, from `modules()`.

    Returns:
        One `Import` per imported module per statement.
    """
    found = []
    for module, path in known.items():
        tree = ast.parse(path.read_text(), str(path))
        for node in _statements(tree.body):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    target = _longest_known(alias.name, known)
                    if target:
                        found.append(Import(module, node.lineno, target, ()))
            elif isinstance(node, ast.ImportFrom):
                source = _absolute(module, path.name == "__init__.py", node)
                taken = []
                for alias in node.names:
                    submodule = f"{source}.{alias.name}"
                    if submodule in known:
                        found.append(Import(module, node.lineno, submodule, ()))
                    else:
                        taken.append(alias.name)
                if taken and source in known:
                    found.append(Import(module, node.lineno, source, tuple(taken)))
    return found


def _longest_known(name: str, known: dict[str, Path]) -> str | None:
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def cycles(edges: list[Import]) -> list[str]:
    """The import circles: each strongly connected group of two or more modules (or a
    module importing itself), shown as a shortest circle through its first module.

    Args:
        edges: the imports, from `imports()`.

    Returns:
        One line per circle, `a -> b -> a`, followed by `(also: ...)` naming the group's
        other members when the circle does not pass them all; shortest first.
    """
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.importer, set()).add(edge.target)
        graph.setdefault(edge.target, set())
    found = []
    for group in _strongly_connected(graph):
        start = min(group)
        if len(group) > 1 or start in graph[start]:
            circle = _circle_through(start, graph, group)
            rest = sorted(group - set(circle))
            found.append(" -> ".join(circle) + (f" (also: {', '.join(rest)})" if rest else ""))
    return sorted(found, key=lambda line: (len(line), line))


def _strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    # Tarjan's algorithm, iterative (no recursion limit on a deep import chain).
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    groups.append(group)
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return groups


def _circle_through(start: str, graph: dict[str, set[str]], group: set[str]) -> list[str]:
    # Breadth-first from start back to start inside its group: a shortest circle.
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & group):
                if child == start:
                    return [*paths[node], start]
                if child not in paths:
                    paths[child] = [*paths[node], child]
                    following.append(child)
        frontier = following
    raise AssertionError(f"{start} is in a strongly connected group but on no circle")


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def borrowed_privates(edges: list[Import], known: dict[str, Path], root: Path = ROOT) -> list[str]:
    """Each place a module takes another module's private name, `from m import _x` or
    `m._x` on an imported module `m`.

    Args:
        edges: the imports, from `imports()`.
        known: our modules by name.
        root: paths in the lines are relative to it.

    Returns:
        `path:line: importer takes target._name` lines.
    """
    found = [
        f"{known[e.importer].relative_to(root)}:{e.line}: {e.importer} takes {e.target}.{name}"
        for e in edges
        for name in e.names
        if _private(name) and e.target != e.importer
    ]
    for module, path in known.items():
        tree = ast.parse(path.read_text(), str(path))
        bound = _module_aliases(module, path, tree, known)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in bound
                and _private(node.attr)
                and bound[node.value.id] != module
            ):
                found.append(
                    f"{path.relative_to(root)}:{node.lineno}: {module} takes "
                    f"{bound[node.value.id]}.{node.attr}"
                )
    return found


def _module_aliases(
    module: str, path: Path, tree: ast.Module, known: dict[str, Path]
) -> dict[str, str]:
    # The local names that stand for one of our modules: `import a.b as m`, `from a import b`.
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name in known:
                    bound[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, path.name == "__init__.py", node)
            for alias in node.names:
                if f"{source}.{alias.name}" in known:
                    bound[alias.asname or alias.name] = f"{source}.{alias.name}"
    return bound


def test_no_import_circles():
    known = modules()
    found = cycles(imports(known))
    assert not found, "import circles:\n" + "\n".join(found)


def test_no_module_takes_another_modules_private_names():
    known = modules()
    found = borrowed_privates(imports(known), known)
    assert not found, "private names taken across modules:\n" + "\n".join(found)


def test_reporting_never_imports_running():
    # Reports are drawn from a run's files alone: reasoner.report must not need the runner.
    edges = imports(modules())
    wrong = [
        f"{e.importer}:{e.line} imports {e.target}"
        for e in edges
        if e.importer.startswith("reasoner.report") and e.target.startswith("reasoner.eval")
    ]
    assert not wrong, "\n".join(wrong)


def test_report_modules_load_without_the_runner():
    # What `reasoner report` imports, in a fresh interpreter: no reasoner.eval module loads.
    code = (
        "import sys\n"
        "import reasoner.report.reports, reasoner.report.table, reasoner.report.markdown\n"
        "import reasoner.report.paired, reasoner.report.run_folder\n"
        "print(sorted(m for m in sys.modules if m.startswith('reasoner.eval')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]", done.stdout


def test_the_walk_sees_a_circle_and_a_deferred_one(tmp_path):
    # The checker itself: a module-level circle, a circle closed by an import inside a
    # function, a TYPE_CHECKING-only import (no edge), and a borrowed private name.
    (tmp_path / "a.py").write_text("from pkg import b\n")
    (tmp_path / "b.py").write_text("def f():\n    from pkg.a import thing\n")
    (tmp_path / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\n"
        "from pkg.b import _hidden\n"
    )
    known = {f"pkg.{n}": tmp_path / f"{n}.py" for n in "abc"}
    edges = imports(known)
    assert cycles(edges) == ["pkg.a -> pkg.b -> pkg.a"]
    assert borrowed_privates(edges, known, tmp_path) == ["c.py:4: pkg.c takes pkg.b._hidden"]
    assert not any(e.importer == "pkg.c" and e.target == "pkg.a" for e in edges)
