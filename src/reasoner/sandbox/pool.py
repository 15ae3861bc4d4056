"""A warm pool of single-use sandboxed workers.

Each worker is a fresh sandboxed interpreter that waits for exactly one program and is then
killed; a background thread keeps `size` of them ready, so a run pays only for sending the
program and reading its output. A cold run spawns a worker of the same kind, with the same
pre-imports and the same limits, so warm and cold runs differ only in latency.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import functools
import logging
import shutil
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

from reasoner.errors import SandboxError
from reasoner.inert_text import valid_utf8
from reasoner.sandbox import io_throttle
from reasoner.sandbox import layout as layout_mod
from reasoner.sandbox.cgroups import SandboxCgroups
from reasoner.sandbox.launcher import (
    UNSAFE_ROOT_FALLBACK_ENV,
    Launcher,
    LaunchSettings,
    detect_cgroups,
    warn_once,
)
from reasoner.sandbox.limits import check_inputs, check_limits
from reasoner.sandbox.preload_policy import DEFAULT_PRELOAD, LEARNED_PRELOAD, PreloadPolicy
from reasoner.sandbox.process import Worker
from reasoner.sandbox.reaping import Reaper
from reasoner.sandbox.teardown import Remains
from reasoner.types import ExecutionResult

log = logging.getLogger(__name__)
Isolation = Literal["auto", "bubblewrap", "rlimits"]
__all__ = ["UNSAFE_ROOT_FALLBACK_ENV", "SandboxPool", "warn_once"]
CLOSE_WAIT_S = 2.0  # how long `close` waits for dead workers' processes to be reaped


class SandboxPool:
    """Pre-spawned sandboxed workers, each used for exactly one program.

    Safe to share between threads and asyncio tasks. Closed at interpreter exit.

    Args:
        size: how many ready workers to keep (0 makes every run cold).
        preload: modules each worker imports before it receives a program.
        learn_preload: also pre-import the modules of LEARNED_PRELOAD that at least half of
            the recent programs imported (off: exactly `preload`).
        packages: third-party packages programs may import (others are invisible).
        isolation: "bubblewrap" (fail if unavailable), "rlimits" (the weak fallback), or
            "auto" (bubblewrap, else fall back with a loud warning).
        max_concurrency: most programs running at once; further calls wait their turn.
        tmp_size_mb: size of each program's throw-away working directory.
        shm_size_mb: size of each program's /dev/shm.
        pids_max: most processes and threads one program's tree may hold.
        startup_timeout: seconds a new worker may take to become ready.
        unsafe_root_fallback: let the rlimits-only fallback run programs when the harness is
            root (also `REASONER_SANDBOX_UNSAFE_ROOT_FALLBACK=1`); without it, it refuses.
        single_root: with a root harness, bind the mirror's tree as the sandbox's `/` in one
            mount; False binds each path on its own, as before (benchmarks/sandbox.py
            measures the old birth that way).
    """

    def __init__(
        self,
        size: int = 2,
        *,
        preload: Sequence[str] = DEFAULT_PRELOAD,
        learn_preload: bool = True,
        packages: Sequence[str] = layout_mod.ALLOWED_PACKAGES,
        isolation: Isolation = "auto",
        max_concurrency: int = 16,
        tmp_size_mb: int = 64,
        shm_size_mb: int = 8,
        pids_max: int = 32,
        startup_timeout: float = 30.0,
        unsafe_root_fallback: bool = False,
        single_root: bool = True,
    ) -> None:
        if isolation not in ("auto", "bubblewrap", "rlimits"):
            raise ValueError(f"sandbox isolation {isolation!r}: use auto, bubblewrap or rlimits")
        self.size = max(0, size)
        self.preload = tuple(preload)
        self.packages = tuple(packages)
        third_party = set(layout_mod.ALLOWED_PACKAGES) - set(self.packages)
        learned = [m for m in LEARNED_PRELOAD if m not in third_party] if learn_preload else []
        self._preloads = PreloadPolicy(self.preload, learned)
        self.single_root = single_root
        self.isolation = isolation
        self.tmp_size_mb = tmp_size_mb
        self.shm_size_mb = shm_size_mb
        self.pids_max = pids_max
        self.unsafe_root_fallback = unsafe_root_fallback
        self.startup_timeout = startup_timeout
        self.max_concurrency = max(1, max_concurrency)
        self._slots = threading.BoundedSemaphore(self.max_concurrency)
        self._cond = threading.Condition()
        self._idle: collections.deque[Worker] = collections.deque()
        self._pending: list[Remains] = []  # dead workers' cgroups, processes and uids
        self._active = 0  # runs in flight
        self._closed = False
        self._setup_lock = threading.Lock()
        self._mode: str | None = None
        self._cgroups: SandboxCgroups | None = None
        self._launcher: Launcher | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._thread: threading.Thread | None = None
        atexit.register(self.close)

    # ---- setup -------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        """ "bubblewrap" or "rlimits" (the fallback); decided on first use."""
        self._setup()
        assert self._mode is not None
        return self._mode

    def _setup(self) -> None:
        with self._setup_lock:
            if self._closed:
                raise SandboxError("sandbox pool is closed: create a new SandboxPool")
            if self._mode is not None:
                return
            self._cgroups = detect_cgroups()
            settings = LaunchSettings(
                self.isolation,
                self.tmp_size_mb,
                self.shm_size_mb,
                self.unsafe_root_fallback,
                self.single_root,
            )
            self._launcher = Launcher(layout_mod.discover(self.packages), settings)
            if self._cgroups is not None:
                self._cgroups.io_disks = io_throttle.disks(self._launcher.read_paths())
            self._mode = self._launcher.choose(self._probe)
            self._thread = threading.Thread(target=self._maintain, name="sandbox-pool", daemon=True)
            self._thread.start()

    def _probe(self) -> None:
        probe = self._spawn()
        probe.kill()
        self._retire(probe)

    def _spawn(self) -> Worker:
        assert self._launcher is not None
        cgroup = self._cgroups.create(self.pids_max) if self._cgroups else None
        spec = None
        try:
            spec = self._launcher.spec(cgroup, self._preloads.modules())
            return Worker(spec, self.startup_timeout)
        except BaseException:
            if spec is not None and spec.cleanup_dir:
                shutil.rmtree(spec.cleanup_dir, ignore_errors=True)
            remains = Remains(cgroup, Reaper(), spec.lease if spec is not None else None)
            if not remains.clear():
                with self._cond:
                    self._pending.append(remains)
            raise

    # ---- the pool ----------------------------------------------------------------------
    def _wants_spawn(self) -> bool:
        # While runs are in flight and a warm worker is still left, spawning would steal
        # CPU from those runs; refill once they finish or the pool is empty.
        return len(self._idle) < self.size and (not self._idle or self._active == 0)

    def _maintain(self) -> None:
        """Background thread: refill the pool and remove the cgroups of finished workers."""
        failures = 0
        while True:
            with self._cond:
                while not self._closed and not self._wants_spawn() and not self._pending:
                    self._cond.wait()
                if self._closed:
                    return
                spawn = self._wants_spawn()
            self._retry_pending()
            if not spawn:
                with self._cond:
                    if self._pending:  # processes still exiting: look again shortly
                        self._cond.wait(0.01)
                continue
            try:
                worker = self._spawn()
            except SandboxError as exc:
                failures += 1
                log.warning("sandbox pool: cannot spawn a worker (%s)", exc)
                with self._cond:
                    self._cond.wait(min(30.0, 0.5 * 2**failures))
                continue
            failures = 0
            with self._cond:
                if not self._closed:
                    self._idle.append(worker)
                    self._cond.notify_all()
                    continue
            self._retire(worker)
            return

    def _retry_pending(self) -> None:
        with self._cond:
            pending, self._pending = self._pending, []
        left = [remains for remains in pending if not remains.clear()]
        with self._cond:
            self._pending.extend(left)

    def _retire(self, worker: Worker) -> None:
        worker.stop()  # the maintenance thread waits for it and clears what it leaves
        with self._cond:
            self._pending.append(worker.remains())
            self._cond.notify_all()

    def _acquire(self) -> Worker:
        self._setup()
        while True:
            with self._cond:
                if not self._idle:
                    break
                worker = self._idle.popleft()
                self._cond.notify_all()
            if worker.alive():
                return worker
            self._retire(worker)
        return self._spawn()

    def wait_ready(self, timeout: float = 30.0) -> bool:
        """Block until `size` workers are ready (for benchmarks and tests).

        Returns:
            True when the pool is full, False on timeout.
        """
        self._setup()
        with self._cond:
            return self._cond.wait_for(lambda: len(self._idle) >= self.size, timeout)

    def run(
        self,
        code: str,
        *,
        inputs: dict[str, Any] | None = None,
        timeout: float = 5.0,
        memory_mb: int = 512,
        max_output_bytes: int = 65536,
        cancel: threading.Event | None = None,
    ) -> ExecutionResult:
        """Run one program in a fresh sandboxed worker. Arguments as in `run_program`.

        Raises:
            ValueError: for bad arguments; SandboxError: when no worker can be started.
            Nothing a program does makes it raise: that ends as a failed result.
        """
        limits = check_limits(timeout, memory_mb, max_output_bytes)
        bound = check_inputs(inputs)
        self._preloads.observe(code)  # before the refill this run triggers
        with self._slots:
            with self._cond:
                self._active += 1
            try:
                for _attempt in range(3):
                    worker = self._acquire()
                    try:
                        outcome = worker.run(code, bound, limits, cancel)
                    finally:
                        self._retire(worker)
                    if not outcome.broken:
                        break
                return outcome.to_result()
            except SandboxError:
                raise
            except Exception as exc:  # a harness bug must not become the caller's crash
                log.exception("sandbox: unexpected error while running a program")
                error = valid_utf8(f"sandbox internal error: {type(exc).__name__}: {exc}")
                return ExecutionResult(ok=False, error=error, reason="killed")
            finally:
                with self._cond:
                    self._active -= 1
                    self._cond.notify_all()

    async def arun(self, code: str, **kwargs: Any) -> ExecutionResult:
        """`run` for asyncio: runs in the pool's threads; cancelling kills the program."""
        with self._cond:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.max_concurrency, "sandbox-run")
            executor = self._executor
        cancel = threading.Event()
        loop = asyncio.get_running_loop()
        call = functools.partial(self.run, code, cancel=cancel, **kwargs)
        try:
            return await loop.run_in_executor(executor, call)
        except asyncio.CancelledError:
            cancel.set()
            raise

    def close(self) -> None:
        """Kill the idle workers (and any run still in flight) and remove the cgroups."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            idle, self._idle = list(self._idle), collections.deque()
            self._cond.notify_all()
        atexit.unregister(self.close)
        for worker in idle:
            self._retire(worker)
        if self._thread is not None:
            self._thread.join(timeout=5)
        # bwrap's init exits a moment after bwrap: wait briefly so it is reaped, not left.
        deadline = time.monotonic() + CLOSE_WAIT_S
        while True:
            self._retry_pending()
            with self._cond:
                if not self._pending or time.monotonic() > deadline:
                    break
            time.sleep(0.005)
        if self._cgroups is not None:
            self._cgroups.close()
        if self._launcher is not None:
            self._launcher.close()
        if self._executor is not None:
            self._executor.shutdown(wait=False)

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
