"""A `llama-server` process owned by reasoner: started on loopback, watched, and always stopped.

The server listens on a free port of 127.0.0.1 only. Its output goes to a log file in the user
cache (named in every error). It is stopped by `stop()`, at interpreter exit, and, on Linux,
by the kernel when our process dies (PR_SET_PDEATHSIG), so a killed eval leaves no server.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from reasoner.errors import ModelError, ModelNotFound
from reasoner.models.engine_install import require_server, server_env
from reasoner.models.user_cache import cache_root

log = logging.getLogger(__name__)
_LOG_TAIL_LINES = 5


@dataclass
class ServerOptions:
    """How to run the server.

    Attributes:
        parallel: slots decoded together by continuous batching (requests in flight).
        ctx_per_slot: context tokens each slot holds (prompt + reply).
        threads: CPU threads for decoding.
        extra_args: further `llama-server` arguments, passed as they are.
    """

    parallel: int = 4
    ctx_per_slot: int = 4096
    threads: int = 2
    extra_args: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# PR_SET_PDEATHSIG fires when the *thread* that forked the child ends, not the process: fork
# from one thread that lives as long as the interpreter, never from a short-lived worker.
_LAUNCHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llama-server-launcher")


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class LlamaServer:
    """One `llama-server` serving one GGUF.

    Args:
        model_path: the GGUF file.
        alias: the model name the server reports and expects.
        options: slots, context, threads.
    """

    def __init__(self, model_path: Path, alias: str, options: ServerOptions) -> None:
        if not model_path.is_file():
            raise ModelNotFound(f"model file {model_path} not found")
        self.model_path = model_path
        self.alias = alias
        self.options = options
        self.binary = require_server()
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self.port = 0
        self.log_path = Path()
        self.load_s = 0.0

    @property
    def base_url(self) -> str:
        """The OpenAI API root, e.g. ``http://127.0.0.1:40123/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return self._process.pid if self._process and self._process.poll() is None else None

    @property
    def stopped(self) -> bool:
        """Whether the server was never started or was stopped on purpose (not died)."""
        return self._process is None

    def command(self, port: int) -> list[str]:
        """The command line that starts the server on `port`."""
        o = self.options
        return [
            str(self.binary),
            *("--model", str(self.model_path), "--alias", self.alias),
            *("--host", "127.0.0.1", "--port", str(port)),
            *("--threads", str(o.threads), "--threads-batch", str(o.threads)),
            *("--parallel", str(o.parallel), "--ctx-size", str(o.ctx_per_slot * o.parallel)),
            "--cont-batching",
            "--no-webui",
            *o.extra_args,
        ]

    def start(self, timeout_s: float = 300.0) -> str:
        """Start the server (if not running) and wait until the model is loaded.

        Args:
            timeout_s: how long loading may take.

        Returns:
            The API root URL.
        """
        with self._lock:
            if self.pid is not None:
                return self.base_url
            for attempt in range(3):  # another process may take the free port first
                if self._start_once(timeout_s, last=attempt == 2):
                    return self.base_url
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _start_once(self, timeout_s: float, *, last: bool) -> bool:
        self.port = _free_port()
        logs = cache_root() / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        self.log_path = logs / f"llama-server-{self.alias}-{self.port}.log"
        started = time.perf_counter()
        with self.log_path.open("wb") as sink:
            self._process = _LAUNCHER.submit(
                subprocess.Popen,
                self.command(self.port),
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                env=server_env(self.binary),
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            ).result()
        atexit.register(self.stop)
        deadline = started + timeout_s
        while time.perf_counter() < deadline:
            if self._process.poll() is not None:
                tail = self.log_tail()
                if not last and "bind" in tail.lower():
                    return False
                raise ModelError(
                    f"llama-server exited with code {self._process.returncode} while loading "
                    f"{self.model_path.name}: {tail} (log: {self.log_path})"
                )
            if self._healthy():
                self.load_s = time.perf_counter() - started
                log.info("llama-server %s ready in %.2f s", self.base_url, self.load_s)
                return True
            time.sleep(0.1)
        self.stop()
        raise ModelError(
            f"llama-server did not load {self.model_path.name} within {timeout_s:g} s "
            f"(log: {self.log_path})"
        )

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    def check_alive(self) -> None:
        """Raise a clear error when the server has died (e.g. killed or out of memory)."""
        process = self._process
        if process is not None and process.poll() is not None:
            raise ModelError(
                f"llama-server for {self.alias} died (exit code {process.returncode}): "
                f"{self.log_tail()} (log: {self.log_path})"
            )

    def log_tail(self) -> str:
        """The last lines of the server's log, on one line."""
        try:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(line.strip() for line in lines[-_LOG_TAIL_LINES:])

    def stop(self) -> None:
        """Stop the server: SIGTERM, then SIGKILL after 5 s. Safe to call twice."""
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
