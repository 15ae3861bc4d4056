"""Resolving specs at the edge: model specs to loaded models, task specs to tasks."""

from __future__ import annotations

import functools
from typing import Any

from reasoner import plugins
from reasoner.errors import BadTaskSpec, ModelNotFound, PluginError
from reasoner.models.base import Model
from reasoner.specs import call_with_kwargs, parse_task_spec
from reasoner.task import Task

DEFAULT_MODEL = "smollm2"


def load_model(spec: str | Model = DEFAULT_MODEL) -> Model:
    """Load a model once and return it for reuse across `solve`/`evaluate` calls.

    Args:
        spec: `smollm2` (the embedded default), `hf:<folder-or-hub-id>[#file.gguf]`,
            `openai:<base_url>#<model>`, `scripted[:a|b]`, any backend a plug-in adds,
            or an already loaded `Model` (returned as is).

    Returns:
        The loaded model; the hf backend caches it per process.
    """
    if isinstance(spec, Model):
        return spec
    name, _, rest = spec.partition(":")
    if name not in plugins.models:
        known = ", ".join(plugins.models.names())
        raise ModelNotFound(f"model '{spec}' not found: unknown backend '{name}'; known: {known}")
    try:
        factory = plugins.models.get(name)
    except PluginError as exc:
        raise ModelNotFound(f"model '{spec}' not found: {exc}") from None
    model = factory(rest)
    if not isinstance(model, Model):
        raise ModelNotFound(f"model '{spec}': backend '{name}' returned {type(model).__name__}")
    return model


def load_task(spec: str | Task) -> Task:
    """A task from its spec, e.g. `hanoi:disks=1-10,per_size=3,seed=0`.

    Args:
        spec: `name` or `name:key=value,...`, or a Task (returned as is).

    Returns:
        The task; its `spec` attribute is the spec string as given.
    """
    if isinstance(spec, Task):
        return spec
    return _load_task_cached(spec.strip())


@functools.lru_cache(maxsize=64)
def _load_task_cached(spec: str) -> Task:
    name, params = parse_task_spec(spec, BadTaskSpec)
    if name not in plugins.tasks:
        known = ", ".join(plugins.tasks.names())
        raise BadTaskSpec(f"unknown task '{name}' in '{spec}'; known tasks: {known}")
    try:
        factory = plugins.tasks.get(name)
    except PluginError as exc:
        raise BadTaskSpec(str(exc)) from None
    task: Any = call_with_kwargs(factory, params, f"task '{name}'", BadTaskSpec)
    if not isinstance(task, Task):
        raise BadTaskSpec(f"task '{name}': its factory returned {type(task).__name__}, not a Task")
    task.spec = spec
    return task
