"""Turns what the harness observed about one run into an `ExecutionResult` a user can read.

What the harness enforced itself (timeout, output cap, cancellation) wins over what the worker
reported, because a program can forge the worker's status line but not the harness's timer.
Every string of the result is valid UTF-8: output bytes are decoded with replacement and the
status line's error text (a program can put lone surrogates there) goes through `valid_utf8`.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from typing import Any

from reasoner.inert_text import valid_utf8
from reasoner.sandbox.limits import Limits
from reasoner.types import ExecutionResult

SIGNAL_HINTS: dict[int, str] = {
    signal.SIGSEGV: " (a crash in native code, or a stack overflow)",
    signal.SIGBUS: " (a crash in native code)",
    signal.SIGABRT: " (the interpreter or a native library aborted)",
    signal.SIGXFSZ: " (file size limit exceeded)",
}


@dataclass
class Outcome:
    """Raw observations of one run, filled in by `Worker.run`."""

    limits: Limits
    isolated: bool = True
    stdout: bytes = b""
    stderr: bytes = b""
    status: dict[str, Any] | None = None
    returncode: int | None = None
    duration_s: float = 0.0
    timed_out: bool = False
    cancelled: bool = False
    broken: bool = False
    status_malformed: str | None = None  # what was wrong with the status channel's data
    overflow: str | None = None  # "stdout" or "stderr"
    tree_memory_mb: int | None = None  # the memory cap over the whole tree, if any
    oom_killed: bool = False  # that cap killed a process of the tree

    def _signal(self) -> int | None:
        """The signal that ended the worker when it ended without a status line."""
        code = self.returncode
        if code is None:
            return None
        if code < 0:
            return -code
        # bubblewrap reports a child killed by signal N as exit status 128 + N.
        if self.isolated and 128 < code < 128 + 65:
            return code - 128
        return None

    def to_result(self) -> ExecutionResult:
        """The user-facing result; `reason` is one of timeout, memory, output, error, killed, exit.

        Returns:
            An `ExecutionResult` with `ok` true only for a program that ran to its end.
        """
        limits = self.limits
        common: dict[str, Any] = {
            "stdout": self.stdout.decode("utf-8", errors="replace"),
            "stderr": self.stderr.decode("utf-8", errors="replace"),
            "duration_s": round(self.duration_s, 6),
        }
        exit_code = None
        if self.status is not None and isinstance(self.status.get("exit_code"), int):
            exit_code = self.status["exit_code"]
        elif self.status is None and self.returncode is not None and not self.stopped_by_harness():
            sig = self._signal()
            exit_code = -sig if sig is not None else self.returncode
        common["exit_code"] = exit_code

        def fail(reason: str, error: str) -> ExecutionResult:
            return ExecutionResult(ok=False, reason=reason, error=valid_utf8(error), **common)

        if self.cancelled:
            return fail("killed", "cancelled before the program finished")
        if self.timed_out:
            return fail("timeout", f"timed out after {float(limits.timeout)} s")
        if self.overflow is not None:
            where = "" if self.overflow == "stdout" else " on stderr"
            return fail("output", f"output exceeded {limits.max_output_bytes} bytes{where}")
        if self.broken:
            return fail("killed", "the sandbox worker died before the program started")
        if self.status_malformed is not None:
            why = self.status_malformed
            return fail("killed", f"the program wrote to the sandbox's status channel ({why})")
        if self.status is None and self.oom_killed:
            tree = f"{self.tree_memory_mb} MiB" if self.tree_memory_mb else "its limit"
            return fail(
                "memory", f"memory limit of the program's processes and files ({tree}) exceeded"
            )
        if self.status is not None:
            kind = self.status["kind"]
            if kind == "memory":
                return fail("memory", f"memory limit {limits.memory_mb} MiB exceeded")
            if kind == "error":
                return fail("error", str(self.status.get("error") or "the program raised"))
            if kind == "exit" and exit_code:
                return fail("exit", f"program exited with status {exit_code}")
            return ExecutionResult(ok=True, **common)
        return self._without_status(fail, common)

    def stopped_by_harness(self) -> bool:
        """Whether the harness stopped the run (timer, output cap, cancellation)."""
        return (
            self.timed_out
            or self.cancelled
            or self.overflow is not None
            or self.status_malformed is not None
        )

    def _without_status(self, fail: Any, common: dict[str, Any]) -> ExecutionResult:
        sig = self._signal()
        if sig is not None:
            if sig == signal.SIGXCPU:
                return fail("timeout", f"CPU time limit exceeded ({float(self.limits.timeout)} s)")
            try:
                name = signal.Signals(sig).name
            except ValueError:
                name = f"signal {sig}"
            return fail("killed", f"killed by {name}{SIGNAL_HINTS.get(sig, '')}")
        if self.returncode == 0:
            return ExecutionResult(ok=True, **common)
        if b"MemoryError" in self.stderr:
            return fail("memory", f"memory limit {self.limits.memory_mb} MiB exceeded")
        return fail("exit", f"program exited with status {self.returncode}")
