"""Real HTTP servers on 127.0.0.1 for the OpenAI backend's tests.

`transformers_serve` runs the real `transformers serve` on the dequantized embedded model;
`FaultServer` is a tiny stdlib server whose every reply is scripted, to inject the failures a
real server shows only on a bad day (errors, rate limits, garbage, dropped or hung sockets).
Everything listens on loopback only and stops by itself (bounded waits, daemon threads).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

import httpx

HOST = "127.0.0.1"


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def transformers_serve(
    model_dir: Path, *, startup_timeout_s: float = 120.0, extra_args: Sequence[str] = ()
) -> Iterator[str]:
    """Run `transformers serve` pinned to `model_dir`; yield its base URL (`.../v1`).

    The model id clients must send is `str(model_dir)`. The server is killed on exit.
    """
    port = free_port()
    exe = Path(sys.executable).with_name("transformers")
    command = [str(exe), "serve", str(model_dir), "--host", HOST, "--port", str(port), *extra_args]
    # The server runs each request in its own thread; with torch's default thread count every
    # one of them spawns a thread per core and 16 concurrent requests take 10x longer.
    threads = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **threads}
    with tempfile.TemporaryFile(mode="w+") as log_file:
        process = subprocess.Popen(
            command, stdout=log_file, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        try:
            _wait_until_healthy(
                process, f"http://{HOST}:{port}/health", startup_timeout_s, log_file
            )
            yield f"http://{HOST}:{port}/v1"
        finally:
            # Stop the server's whole session (it may have spawned workers), not just the parent.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _wait_until_healthy(
    process: subprocess.Popen[bytes], url: str, timeout_s: float, log_file: IO[str]
) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            log_file.seek(0)
            tail = log_file.read()[-3000:]
            raise RuntimeError(f"{' '.join(map(str, process.args))} did not come up:\n{tail}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        time.sleep(0.2)


@dataclass
class Seen:
    """One chat request as the fault server saw it."""

    index: int
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def prompt(self) -> str:
        return " ".join(str(m.get("content", "")) for m in self.body.get("messages", []))


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict[str, Any] = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Drop:
    """Close the connection without answering."""


@dataclass
class Hang:
    """Say nothing for `seconds` (or until the server stops), then close."""

    seconds: float = 30.0


Action = Reply | Drop | Hang


def chat_reply(*texts: str, logprobs: list[list[float]] | None = None, **extra: Any) -> Reply:
    """A well-formed chat completion with one choice per text."""
    choices = []
    for i, text in enumerate(texts):
        choice: dict[str, Any] = {
            "index": i,
            "message": {"role": "assistant", "content": text},
            "finish_reason": "stop",
        }
        if logprobs is not None:
            choice["logprobs"] = {"content": [{"token": "t", "logprob": lp} for lp in logprobs[i]]}
        choices.append(choice)
    usage = {"prompt_tokens": 7, "completion_tokens": 3 * len(texts)}
    return Reply(body={"choices": choices, "usage": usage, **extra})


class FaultServer:
    """A scripted OpenAI-style server: `behaviour(seen)` decides each chat reply.

    Args:
        behaviour: maps each request to a `Reply`, `Drop` or `Hang`.
        models: ids listed at `GET /v1/models`.

    Set `models_reply` to answer `GET /v1/models` with something else (e.g. a 401).
    """

    def __init__(
        self, behaviour: Callable[[Seen], Action], *, models: tuple[str, ...] = ("fake-model",)
    ) -> None:
        self.behaviour = behaviour
        self.models = models
        self.models_reply: Reply | None = None
        self.seen: list[Seen] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = ThreadingHTTPServer((HOST, 0), self._handler_class())
        self._server.daemon_threads = True
        self._server.block_on_close = False  # a hanging handler must not block shutdown
        self.base_url = f"http://{HOST}:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
                pass

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models") and outer.models_reply:
                    self._send(outer.models_reply)
                elif self.path.rstrip("/").endswith("/models"):
                    data = [{"id": m, "object": "model"} for m in outer.models]
                    self._send(Reply(body={"object": "list", "data": data}))
                else:
                    self._send(Reply(404, {"error": "not found"}))

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with outer._lock:
                    seen = Seen(len(outer.seen), json.loads(raw or b"{}"), dict(self.headers))
                    outer.seen.append(seen)
                    outer.in_flight += 1
                    outer.max_in_flight = max(outer.max_in_flight, outer.in_flight)
                try:
                    action = outer.behaviour(seen)
                    if isinstance(action, Hang):
                        outer._stop.wait(action.seconds)
                        self.close_connection = True
                    elif isinstance(action, Drop):
                        self.connection.shutdown(socket.SHUT_RDWR)
                        self.close_connection = True
                    else:
                        self._send(action)
                finally:
                    with outer._lock:
                        outer.in_flight -= 1

            def _send(self, reply: Reply) -> None:
                body = reply.body
                if isinstance(body, dict):
                    body = json.dumps(body)
                data = body.encode() if isinstance(body, str) else body
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler
