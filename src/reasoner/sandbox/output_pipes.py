"""Reads a worker's stdout, stderr and status channel under the run's limits.

stdout and stderr are read up to `max_output_bytes` each (past it the run is stopped); the
status channel through a `StatusReader` (bounded, parsed once). A program that writes a byte
at a time would cost the harness a Python round per byte, so reads smaller than TRICKLE_BYTES
are left to gather in the pipes for COALESCE_S; only the status line, the end of the run,
ends that wait early.
"""

from __future__ import annotations

import os
import select
import selectors
import subprocess
import threading
import time

from reasoner.sandbox.outcome import Outcome
from reasoner.sandbox.status_channel import StatusReader

READ_CHUNK = 65536
POLL_S = 0.1  # how often a run re-checks process exit and cancellation between reads
# Reads smaller than this mark a trickle, which is then left to gather for COALESCE_S.
TRICKLE_BYTES = 4096
COALESCE_S = 0.01


def collect(
    proc: subprocess.Popen,
    status_fd: int,
    outcome: Outcome,
    deadline: float,
    cancel: threading.Event | None,
) -> None:
    """Read the worker's stdout, stderr and status channel into `outcome` until it is done.

    Args:
        proc: the worker (its stdout and stderr are pipes).
        status_fd: the read end of its status channel.
        outcome: filled in: output, status, and why the harness stopped it, if it did.
        deadline: the `time.monotonic()` at which the run times out.
        cancel: set from another thread to stop early.
    """
    assert proc.stdout is not None and proc.stderr is not None
    selector = selectors.DefaultSelector()
    buffers = {"stdout": bytearray(), "stderr": bytearray()}
    status = StatusReader()
    status_only = select.poll()
    status_only.register(status_fd, select.POLLIN)
    for name, fd in (
        ("stdout", proc.stdout.fileno()),
        ("stderr", proc.stderr.fileno()),
        ("status", status_fd),
    ):
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ, name)
    cap = outcome.limits.max_output_bytes
    try:
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                outcome.timed_out = True
                return
            if cancel is not None and cancel.is_set():
                outcome.cancelled = True
                return
            events = selector.select(min(remaining, POLL_S))
            if not events and proc.poll() is not None:
                return  # exited, but a stray descendant keeps a pipe open (fallback mode)
            largest = 0
            for key, _ in events:
                name = key.data
                chunk = _read(key.fd)
                if chunk is None:
                    continue
                if not chunk:
                    selector.unregister(key.fd)
                    continue
                largest = max(largest, len(chunk))
                if name != "status":
                    buffers[name] += chunk
                    if len(buffers[name]) > cap:
                        outcome.overflow = name
                        return
                elif status.feed(chunk):
                    outcome.status, outcome.status_malformed = status.status, status.malformed
                    if outcome.status is None:
                        return  # the program tampered with the channel: stop it now
                    _drain(selector, buffers, cap)
                    for stream in ("stdout", "stderr"):
                        if len(buffers[stream]) > cap and outcome.overflow is None:
                            outcome.overflow = stream
                    return
            if 0 < largest < TRICKLE_BYTES:
                # A trickle (one byte per write, say) would cost a Python round per byte:
                # let it pile up in the pipes for a moment. Only the status line ends the
                # wait early (so the result is not delayed), unless the trickle is on the
                # status channel itself, which a well-behaved worker writes in one piece.
                wait_s = min(COALESCE_S, max(0.0, deadline - time.monotonic()))
                if status.partial:
                    time.sleep(wait_s)
                else:
                    status_only.poll(wait_s * 1000)
    finally:
        selector.close()
        outcome.stdout = bytes(buffers["stdout"][:cap])
        outcome.stderr = bytes(buffers["stderr"][:cap])


def _read(fd: int) -> bytes | None:
    """A chunk, b"" at end of file, or None when a readiness report was spurious."""
    try:
        return os.read(fd, READ_CHUNK)
    except BlockingIOError:
        return None
    except OSError:
        return b""


def _drain(selector: selectors.BaseSelector, buffers: dict[str, bytearray], cap: int) -> None:
    """Read what the program wrote before its status line (already in the pipes)."""
    for key in list(selector.get_map().values()):
        if key.data == "status":
            continue
        while len(buffers[key.data]) <= cap:
            try:
                chunk = os.read(key.fd, READ_CHUNK)
            except (BlockingIOError, OSError):
                break
            if not chunk:
                break
            buffers[key.data] += chunk


def wait_readable(fd: int, timeout: float) -> bool:
    """Whether `fd` became readable within `timeout` seconds."""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        return bool(selector.select(timeout))
