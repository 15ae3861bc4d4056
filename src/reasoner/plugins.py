"""Plug-in discovery: models, strategies and tasks, all through entry points.

Our own built-ins are declared in our pyproject exactly as a third-party package declares
its plug-ins, so the door researchers use is the one every test walks through. Discovery is
lazy (names are read once; a plug-in module is imported only when used).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from reasoner.errors import PluginError

_SINGULAR = {"models": "model", "strategies": "strategy", "tasks": "task"}
GROUPS = {
    "models": "reasoner.models",
    "strategies": "reasoner.strategies",
    "tasks": "reasoner.tasks",
}


@dataclass
class Registry:
    """Names to factories for one plug-in kind, filled from entry points on first use."""

    kind: str
    _entry_points: dict[str, EntryPoint] | None = None
    _loaded: dict[str, Callable[..., Any]] = field(default_factory=dict)
    _extra: dict[str, Callable[..., Any]] = field(default_factory=dict)

    def _eps(self) -> dict[str, EntryPoint]:
        if self._entry_points is None:
            found = entry_points(group=GROUPS[self.kind])
            self._entry_points = {ep.name: ep for ep in found}
        return self._entry_points

    def names(self) -> list[str]:
        return sorted(set(self._eps()) | set(self._extra))

    def __contains__(self, name: str) -> bool:
        return name in self._extra or name in self._eps()

    def get(self, name: str) -> Callable[..., Any]:
        """The factory registered under `name`; raises KeyError when there is none."""
        if name in self._extra:
            return self._extra[name]
        if name not in self._loaded:
            ep = self._eps()[name]
            try:
                self._loaded[name] = ep.load()
            except Exception as exc:  # a broken plug-in must not take the registry down
                raise PluginError(
                    f"{_SINGULAR[self.kind]} plug-in '{name}' ({ep.value}) failed to load: {exc}"
                ) from exc
        return self._loaded[name]

    def add(self, name: str, factory: Callable[..., Any]) -> None:
        """Register a factory in this process only (notebooks, tests); entry points are the
        durable way."""
        self._extra[name] = factory

    def remove(self, name: str) -> None:
        self._extra.pop(name, None)

    def describe(self, name: str) -> str:
        """First line of the factory's docstring, or the load error."""
        try:
            doc = inspect.getdoc(self.get(name)) or ""
        except PluginError as exc:
            return f"(broken: {exc})"
        return doc.strip().splitlines()[0] if doc.strip() else ""

    def source(self, name: str) -> str:
        if name in self._extra:
            return "registered in-process"
        ep = self._eps()[name]
        return ep.dist.name if ep.dist is not None else ep.value


models = Registry("models")
strategies = Registry("strategies")
tasks = Registry("tasks")
