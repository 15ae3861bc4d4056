"""Helpers shared by the task tests."""

from __future__ import annotations

from typing import Any

from reasoner.errors import BadTaskSpec
from reasoner.plugins import tasks
from reasoner.sandbox import run_program
from reasoner.specs import call_with_kwargs, parse_task_spec


def from_spec(spec: str) -> Any:
    """A fresh task from its spec (load_task caches; tests want their own instance)."""
    name, params = parse_task_spec(spec, BadTaskSpec)
    return call_with_kwargs(tasks.get(name), params, f"task '{name}'", BadTaskSpec)


def run_exemplar(program: str, inputs: dict[str, Any]) -> str:
    """Run a PAL program in the real sandbox with its inputs bound as globals."""
    result = run_program(program, inputs=inputs, timeout=30)
    assert result.ok, result.error
    return result.stdout
