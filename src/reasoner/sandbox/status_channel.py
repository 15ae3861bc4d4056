"""Reads the worker's status channel: bounded, incremental, and never raising.

The channel carries one JSON line, written by the worker after the program ends. The program
runs in the same process and can write to it too, so every byte is hostile: the reader keeps
at most `cap` bytes in all, looks at each chunk once (a line is parsed only when its newline
arrives), and turns anything that is not exactly a status line into a `malformed` reason
instead of an exception.
"""

from __future__ import annotations

import json
from typing import Any

STATUS_KINDS = ("done", "exit", "memory", "error")
STATUS_KEYS = frozenset({"kind", "exit_code", "error"})
STATUS_CAP = 65536
MAX_ERROR_CHARS = 4000


class StatusReader:
    """Feed it what the status pipe gives; it says when the status has arrived or went wrong."""

    def __init__(self, cap: int = STATUS_CAP) -> None:
        self.cap = cap
        self.received = 0
        self.partial = bytearray()
        self.status: dict[str, Any] | None = None
        self.malformed: str | None = None

    @property
    def finished(self) -> bool:
        return self.status is not None or self.malformed is not None

    def feed(self, chunk: bytes) -> bool:
        """Take one chunk.

        Returns:
            True once a status line or a malformation ends the reading.
        """
        if self.finished:
            return True
        self.received += len(chunk)
        if self.received > self.cap:
            self.malformed = f"more than {self.cap} bytes"
            return True
        newline = chunk.find(b"\n")
        if newline < 0:  # only this chunk is searched: a slow writer costs no rescans
            self.partial += chunk
            return False
        line = bytes(self.partial) + chunk[:newline]
        self.partial = bytearray()
        status, problem = parse_status_line(line)
        if status is None:
            self.malformed = problem
        else:
            self.status = status
        return True


def parse_status_line(line: bytes) -> tuple[dict[str, Any] | None, str]:
    """Check one line against the worker's status format.

    Returns:
        (the status, "") or (None, what is wrong with it).
    """
    text = line.strip()
    if not text.startswith(b"{") or not text.endswith(b"}"):
        return None, "not a JSON object"
    try:
        value = json.loads(text)  # deep nesting ("[" * 5000) ends in RecursionError, caught
    except (ValueError, RecursionError, MemoryError) as exc:
        return None, f"not JSON ({type(exc).__name__})"
    if not isinstance(value, dict) or not set(value) <= STATUS_KEYS:
        return None, "unexpected fields"
    kind, code, error = value.get("kind"), value.get("exit_code"), value.get("error")
    if kind not in STATUS_KINDS:
        return None, "unknown kind"
    if type(code) is not int or not 0 <= code <= 255:
        return None, "bad exit code"
    if error is not None and not isinstance(error, str):
        return None, "bad error text"
    if isinstance(error, str) and len(error) > MAX_ERROR_CHARS:
        value["error"] = error[:MAX_ERROR_CHARS] + "..."
    return value, ""
