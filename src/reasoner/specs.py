"""Parsing of the small spec languages: pipelines, tasks, and factory arguments.

Values are read with `ast.literal_eval` (never `eval`) and then coerced to each factory
parameter's annotation, so a factory's signature is its documentation and its validation.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, get_type_hints

from pydantic import TypeAdapter, ValidationError

from reasoner.errors import ReasonerError

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


@dataclass(frozen=True)
class StageSpec:
    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        if not self.kwargs:
            return self.name
        args = ", ".join(f"{k}={_format_value(v)}" for k, v in self.kwargs.items())
        return f"{self.name}({args})"


def _format_value(value: Any) -> str:
    if isinstance(value, str) and _NAME.match(value):
        return value
    return repr(value)


def _split_top_level(text: str, sep: str) -> list[str]:
    """Split on `sep` outside brackets and quotes."""
    parts, depth, quote, start, i = [], 0, "", 0, 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            start = i + len(sep)
            i = start
            continue
        i += 1
    parts.append(text[start:])
    return parts


def parse_value(text: str) -> Any:
    """A literal (number, string, list, bool, None) or, failing that, the bare text."""
    text = text.strip()
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def parse_stage(text: str, error: type[ReasonerError]) -> StageSpec:
    """`name` or `name(key=value, ...)`."""
    text = text.strip()
    match = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_\-]*)\s*(?:\((.*)\))?", text, flags=re.S)
    if not match:
        raise error(f"bad stage '{text}': write name or name(key=value, ...)")
    name, args = match.group(1), match.group(2)
    kwargs: dict[str, Any] = {}
    if args and args.strip():
        for part in _split_top_level(args, ","):
            if "=" not in part:
                raise error(f"bad argument '{part.strip()}' in '{text}': write key=value")
            key, value = part.split("=", 1)
            key = key.strip()
            if not _NAME.match(key):
                raise error(f"bad argument name '{key}' in '{text}'")
            kwargs[key] = parse_value(value)
    return StageSpec(name, kwargs)


def parse_pipeline(spec: str | list[Any], error: type[ReasonerError]) -> list[StageSpec]:
    """`a >> b(k=1)` or a YAML-style list of `"a"`, `"b(k=1)"` or `{"b": {"k": 1}}`."""
    if isinstance(spec, str):
        if not spec.strip():
            raise error("empty pipeline: name at least one stage, e.g. 'pal'")
        items: list[Any] = list(_split_top_level(spec, ">>"))
    else:
        items = list(spec)
    stages = []
    for item in items:
        if isinstance(item, dict) and len(item) == 1:
            ((name, kwargs),) = item.items()
            stages.append(StageSpec(str(name), dict(kwargs or {})))
        elif isinstance(item, str) and item.strip():
            stages.append(parse_stage(item, error))
        else:
            raise error(f"bad stage {item!r} in pipeline {spec!r}")
    if not stages:
        raise error("empty pipeline: name at least one stage, e.g. 'pal'")
    return stages


def parse_task_spec(spec: str, error: type[ReasonerError]) -> tuple[str, dict[str, Any]]:
    """`name` or `name:key=value,key=value` (values stay strings until coerced)."""
    name, _, rest = spec.strip().partition(":")
    if not _NAME.match(name):
        raise error(f"bad task spec '{spec}': write name or name:key=value,key=value")
    params: dict[str, Any] = {}
    for part in _split_top_level(rest, ",") if rest.strip() else []:
        if "=" not in part:
            raise error(f"bad parameter '{part}' in task spec '{spec}': write key=value")
        key, value = part.split("=", 1)
        params[key.strip()] = value.strip()
    return name, params


def call_with_kwargs(
    factory: Callable[..., Any], kwargs: dict[str, Any], what: str, error: type[ReasonerError]
) -> Any:
    """Call `factory(**kwargs)` after checking names and coercing values to the annotations.

    Args:
        factory: a strategy or task factory.
        kwargs: arguments as parsed from a spec (strings or literals).
        what: how to name the factory in errors, e.g. "stage 'retry'".
        error: the error class to raise.

    Returns:
        Whatever the factory returns.
    """
    sig = inspect.signature(factory)
    try:
        hints = get_type_hints(factory)
    except Exception:
        hints = {}
    accepts_any = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
    allowed = [
        n for n, p in sig.parameters.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    coerced = {}
    for key, value in kwargs.items():
        if key not in sig.parameters and not accepts_any:
            listing = (
                ", ".join(_describe_param(sig.parameters[n], hints) for n in allowed) or "none"
            )
            raise error(f"{what} has no parameter '{key}'; it takes: {listing}")
        hint = hints.get(key)
        if hint is not None and hint is not Any:
            try:
                value = TypeAdapter(hint).validate_python(value, strict=False)
            except ValidationError as exc:
                first = exc.errors()[0]["msg"]
                raise error(f"{what}: bad value {value!r} for '{key}': {first}") from None
        coerced[key] = value
    try:
        return factory(**coerced)
    except ReasonerError:
        raise
    except (TypeError, ValueError) as exc:
        raise error(f"{what}: {exc}") from None


def _describe_param(param: inspect.Parameter, hints: dict[str, Any]) -> str:
    hint = hints.get(param.name)
    text = param.name
    if hint is not None:
        text += f": {getattr(hint, '__name__', str(hint))}"
    if param.default is not inspect.Parameter.empty:
        text += f" = {param.default!r}"
    return text
