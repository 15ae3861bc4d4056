"""The limits of one sandboxed run, and validation of what a caller passes in."""

from __future__ import annotations

import json
import keyword
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Limits:
    """The limits of one run; validated by the pool before use."""

    timeout: float
    memory_mb: int
    max_output_bytes: int
    file_mb: int = 16
    max_open_files: int = 64
    max_processes: int = 32
    #: Signals queued at once (sigqueue, POSIX timers): a per-user kernel quota.
    max_pending_signals: int = 128


def check_inputs(inputs: dict[str, Any] | None) -> dict[str, Any]:
    """Validate the globals a program receives.

    Args:
        inputs: variable name -> JSON-serialisable value.

    Returns:
        A JSON round-tripped copy: the program gets data, never live objects.

    Raises:
        ValueError: naming the bad input and how to fix it.
    """
    inputs = dict(inputs or {})
    for name in inputs:
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError(f"sandbox input {name!r}: not a valid Python variable name")
        if name.startswith("__"):
            raise ValueError(f"sandbox input {name!r}: dunder names are reserved; rename it")
    try:
        return dict(json.loads(json.dumps(inputs, allow_nan=True)))
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"sandbox inputs must be JSON-serialisable (str, int, float, bool, None, "
            f"lists and dicts of those): {exc}"
        ) from exc


def check_limits(timeout: float, memory_mb: int, max_output_bytes: int) -> Limits:
    """Validate one run's limits.

    Returns:
        The `Limits` to apply.

    Raises:
        ValueError: naming the bad limit and its valid range.
    """
    if not 0 < timeout <= 3600:
        raise ValueError(f"sandbox timeout {timeout!r}: must be in (0, 3600] seconds")
    if not 16 <= memory_mb <= 1 << 20:
        raise ValueError(f"sandbox memory_mb {memory_mb!r}: must be at least 16 (MiB)")
    if max_output_bytes < 1:
        raise ValueError(f"sandbox max_output_bytes {max_output_bytes!r}: must be positive")
    return Limits(float(timeout), int(memory_mb), int(max_output_bytes))
