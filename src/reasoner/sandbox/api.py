"""The module-level API: `run_program` and `arun_program`, backed by one shared warm pool."""

from __future__ import annotations

import os
import threading
from typing import Any

from reasoner.sandbox.pool import SandboxPool
from reasoner.types import ExecutionResult

_default: SandboxPool | None = None
_default_lock = threading.Lock()


def default_pool() -> SandboxPool:
    """The shared pool behind `run_program`; sized by REASONER_SANDBOX_POOL_SIZE (default 2).

    Returns:
        The pool, created on first use; REASONER_SANDBOX_ISOLATION may force "rlimits".
    """
    global _default
    with _default_lock:
        if _default is None or _default._closed:
            size = int(os.environ.get("REASONER_SANDBOX_POOL_SIZE", "2"))
            isolation = os.environ.get("REASONER_SANDBOX_ISOLATION", "auto")
            _default = SandboxPool(size, isolation=isolation)  # type: ignore[arg-type]
        return _default


def run_program(
    code: str,
    *,
    inputs: dict[str, Any] | None = None,
    timeout: float = 5.0,
    memory_mb: int = 512,
    max_output_bytes: int = 65536,
) -> ExecutionResult:
    """Run untrusted Python in the sandbox and report what happened.

    Args:
        code: the program's source.
        inputs: JSON-serialisable values bound as global variables before it runs.
        timeout: wall-clock seconds before it is killed (CPU seconds are capped too).
        memory_mb: address-space limit of each of its processes, in MiB.
        max_output_bytes: cap on stdout (and, separately, stderr); past it the run is killed.

    Returns:
        An `ExecutionResult`; `ok` is False with a readable `error` and a `reason` of
        timeout, memory, output, error, killed or exit when the program did not finish well.
    """
    return default_pool().run(
        code,
        inputs=inputs,
        timeout=timeout,
        memory_mb=memory_mb,
        max_output_bytes=max_output_bytes,
    )


async def arun_program(
    code: str,
    *,
    inputs: dict[str, Any] | None = None,
    timeout: float = 5.0,
    memory_mb: int = 512,
    max_output_bytes: int = 65536,
) -> ExecutionResult:
    """`run_program` for asyncio: many may run concurrently. Arguments and result alike."""
    return await default_pool().arun(
        code,
        inputs=inputs,
        timeout=timeout,
        memory_mb=memory_mb,
        max_output_bytes=max_output_bytes,
    )
