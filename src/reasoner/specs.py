"""Parsing of the small spec languages: pipelines, tasks, and factory arguments.

Values are read with `ast.literal_eval` (never `eval`) and then coerced to each factory
parameter's annotation, so a factory's signature is its documentation and its validation.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, get_type_hints

from pydantic import TypeAdapter, ValidationError

from reasoner.errors import ReasonerError

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


@dataclass(frozen=True)
class StageSpec:
    """One stage: a name, its positional arguments (e.g. `switch(cot)`) and keyword arguments.

    `obj` is a stage built in Python (`Pipeline.of`); it never takes part in equality or in
    the spec string.
    """

    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    args: tuple[Any, ...] = ()
    obj: Any = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        if not self.kwargs and not self.args:
            return self.name
        parts = [_format_positional(v) for v in self.args]
        parts += [f"{k}={_format_value(v)}" for k, v in self.kwargs.items()]
        return f"{self.name}({', '.join(parts)})"


@dataclass(frozen=True)
class BranchSpec:
    """Alternatives side by side, `(pal | cot >> check)`: each alternative is a pipeline of
    its own, and their attempts pool into the stage after the branch."""

    alternatives: tuple[tuple[Node, ...], ...]

    def __str__(self) -> str:
        return "(" + " | ".join(format_nodes(alt) for alt in self.alternatives) + ")"


Node = StageSpec | BranchSpec


def format_nodes(nodes: Any) -> str:
    """The spec string of a sequence of nodes: `a >> (b | c) >> d`."""
    return " >> ".join(str(n) for n in nodes)


def _format_value(value: Any) -> str:
    if isinstance(value, str) and _NAME.match(value):
        return value
    return repr(value)


def _format_positional(value: Any) -> str:
    # A positional argument is often a pipeline (`switch(cot >> check)`): written bare when
    # it reads back as the same text and cannot be taken for a keyword argument.
    if (
        isinstance(value, str)
        and value.strip() == value
        and value
        and parse_value(value) == value
        and len(_split_top_level(value, ",")) == 1
        and len(_split_top_level(value, "=")) == 1
    ):
        return value
    return repr(value)


def _top_level(text: str) -> Iterator[tuple[int, int]]:
    """(index, bracket depth) of every character outside quotes; a closing bracket is
    reported at the depth it closes to."""
    depth, quote, i = 0, "", 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        else:
            depth += 1 if ch in "([{" else -1 if ch in ")]}" else 0
            yield i, depth
        i += 1


def _split_top_level(text: str, sep: str) -> list[str]:
    """Split on `sep` outside brackets and quotes."""
    parts, start = [], 0
    for i, depth in _top_level(text):
        if depth == 0 and i >= start and text[i] not in ")]}" and text.startswith(sep, i):
            parts.append(text[start:i])
            start = i + len(sep)
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
    positional: list[Any] = []
    if args and args.strip():
        for part in _split_top_level(args, ","):
            key, value = _keyword(part)
            if key is None:
                if kwargs:
                    raise error(f"positional argument after key=value in '{text}'")
                if not part.strip():
                    raise error(f"empty argument in '{text}'")
                positional.append(parse_value(part))
                continue
            if not _NAME.match(key):
                raise error(f"bad argument name '{key}' in '{text}'")
            kwargs[key] = parse_value(value)
    return StageSpec(name, kwargs, tuple(positional))


def _keyword(part: str) -> tuple[str | None, str]:
    """`key=value` -> (key, value); a positional argument (no `=` before any bracket,
    quote or `>>`) -> (None, part)."""
    match = re.match(r"\s*([A-Za-z_][A-Za-z0-9_\-]*)\s*=(?!=)", part)
    if match is None:
        return None, part
    return match.group(1), part[match.end() :]


def parse_pipeline(spec: str | list[Any], error: type[ReasonerError]) -> list[Node]:
    """`a >> (b | c >> d) >> e(k=1)`, or a YAML-style list of `"a"`, `"b(k=1)"`,
    `{"b": {"k": 1}}` or `{"branches": ["b", "c >> d"]}`."""
    return _parse_pipeline(spec, error, depth=0)


_MAX_DEPTH = 8


def _parse_pipeline(spec: str | list[Any], error: type[ReasonerError], depth: int) -> list[Node]:
    if depth > _MAX_DEPTH:
        raise error(f"pipeline nested more than {_MAX_DEPTH} levels deep")
    if isinstance(spec, str):
        if not spec.strip():
            raise error("empty pipeline: name at least one stage, e.g. 'pal'")
        items: list[Any] = list(_split_top_level(spec, ">>"))
    else:
        items = list(spec)
    nodes: list[Node] = []
    for item in items:
        if isinstance(item, dict) and len(item) == 1:
            ((name, value),) = item.items()
            if name == "branches":
                nodes.append(_branch_of(value, spec, error, depth))
            elif value is None or isinstance(value, dict):
                nodes.append(StageSpec(str(name), dict(value or {})))
            else:
                raise error(f"bad stage {item!r}: write {{name: {{key: value}}}}")
        elif isinstance(item, str) and item.strip():
            nodes.extend(_parse_item(item.strip(), error, depth))
        else:
            raise error(f"bad stage {item!r} in pipeline {spec!r}")
    if not nodes:
        raise error("empty pipeline: name at least one stage, e.g. 'pal'")
    return nodes


def _parse_item(text: str, error: type[ReasonerError], depth: int) -> list[Node]:
    """One `>>`-separated item: a stage, or a parenthesized group (alternatives when it
    holds a top-level `|`, otherwise a sub-pipeline that flattens)."""
    if not (text.startswith("(") and _closing_paren(text) == len(text) - 1):
        if len(_split_top_level(text, "|")) > 1:
            raise error(f"bad stage '{text}': put alternatives in parentheses, e.g. '(pal | cot)'")
        return [parse_stage(text, error)]
    inner = text[1:-1]
    alternatives = _split_top_level(inner, "|")
    if len(alternatives) == 1:
        return _parse_pipeline(inner, error, depth + 1)
    return [_branch_of(alternatives, text, error, depth)]


def _branch_of(alternatives: Any, where: Any, error: type[ReasonerError], depth: int) -> BranchSpec:
    if not isinstance(alternatives, list) or len(alternatives) < 2:
        raise error(f"a branch needs at least two alternatives, e.g. '(pal | cot)', in {where!r}")
    parsed = []
    for alt in alternatives:
        if isinstance(alt, str) and not alt.strip():
            raise error(f"empty alternative in {where!r}: write '(pal | cot)'")
        parsed.append(tuple(_parse_pipeline(alt, error, depth + 1)))
    return BranchSpec(tuple(parsed))


def _closing_paren(text: str) -> int:
    """The index of the bracket that closes `text[0]`, or -1."""
    return next((i for i, depth in _top_level(text) if depth == 0 and i > 0), -1)


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
    factory: Callable[..., Any],
    kwargs: dict[str, Any],
    what: str,
    error: type[ReasonerError],
    args: tuple[Any, ...] = (),
) -> Any:
    """Call `factory(*args, **kwargs)` after checking names and coercing values to the
    annotations.

    Args:
        factory: a strategy or task factory.
        kwargs: arguments as parsed from a spec (strings or literals).
        what: how to name the factory in errors, e.g. "stage 'retry'".
        error: the error class to raise.
        args: positional arguments, bound to the factory's first parameters in order.

    Returns:
        Whatever the factory returns.
    """
    sig = inspect.signature(factory)
    if args:
        positional = [n for n, p in sig.parameters.items() if p.kind is p.POSITIONAL_OR_KEYWORD]
        if len(args) > len(positional):
            raise error(f"{what} takes at most {len(positional)} positional argument(s)")
        for name, value in zip(positional, args, strict=False):
            if name in kwargs:
                raise error(f"{what}: '{name}' given twice")
            kwargs = {name: value, **kwargs}
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
