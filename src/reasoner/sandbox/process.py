"""One sandboxed worker process, from spawn to its single program's result.

A `Worker` is spawned (into its cgroups, through a `/bin/sh` trampoline that joins them as
root and then execs the rest, usually `setpriv` dropping to the sandbox's host user and then
bwrap, so that no `preexec_fn` runs in this multi-threaded harness), waits until the worker
inside says it is ready, then runs exactly one program: the request goes in on stdin, stdout,
stderr and the status channel are read under the limits (output_pipes.py), a wall-clock timer
runs, and the whole process tree is killed at the end.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass

from reasoner.errors import SandboxError
from reasoner.sandbox.cgroups import Cgroup
from reasoner.sandbox.host_user import Lease
from reasoner.sandbox.limits import Limits
from reasoner.sandbox.outcome import Outcome
from reasoner.sandbox.output_pipes import collect, wait_readable
from reasoner.sandbox.reaping import Reaper, tree_pids
from reasoner.sandbox.teardown import Remains

MiB = 1024 * 1024
# Room in the tree's memory cap beyond the program's own limit and its tmpfs sizes: bwrap,
# its init and the kernel's page tables are charged there too.
TREE_SLACK_MB = 32
DEFAULT_MEMORY_MB = 512  # run_program's default: set at spawn, so most runs write nothing


def tree_memory_mb(memory_mb: int, tmpfs_mb: int) -> int:
    """The memory cap over a worker's whole tree, tmpfs pages included."""
    return memory_mb + tmpfs_mb + TREE_SLACK_MB


def trampoline(procs_files: tuple[str, ...]) -> list[str]:
    """`sh -c` joining each cgroup (`echo 0 > cgroup.procs`) and then exec-ing the command."""
    joins = [f'echo 0 > "${i + 1}"' for i in range(len(procs_files))]
    script = " && ".join([*joins, f"shift {len(procs_files)}", 'exec "$@"'])
    return ["/bin/sh", "-c", script, "sh", *procs_files]


@dataclass
class Spawned:
    """What the pool hands to `Worker.spawn`: an argv and where to run it."""

    argv: list[str]
    cwd: str
    env: dict[str, str]
    cgroup: Cgroup | None
    isolated: bool
    cleanup_dir: str | None = None  # a temporary folder of this worker's (workdir, devices)
    pass_fds: tuple[int, ...] = ()  # e.g. the seccomp filter; closed here once passed
    tmpfs_mb: int = 0  # what the program's tmpfs mounts may hold, counted in its memory cap
    lease: Lease | None = None  # the host uid it runs as, held until its processes are gone


class Worker:
    """A sandboxed interpreter waiting for one program."""

    def __init__(self, spec: Spawned, startup_timeout: float) -> None:
        self.spec = spec
        self.cgroup = spec.cgroup
        if self.cgroup is not None and self.cgroup.memory is not None:
            # Before the worker exists, so the cap holds from its first page on.
            try:
                self.cgroup.set_memory_limit(tree_memory_mb(DEFAULT_MEMORY_MB, spec.tmpfs_mb) * MiB)
            except OSError as exc:
                for fd in spec.pass_fds:
                    with contextlib.suppress(OSError):
                        os.close(fd)
                raise SandboxError(f"cannot set the sandbox's memory limit: {exc}") from exc
        status_r, status_w = os.pipe()
        argv = [*spec.argv, f"--status-fd={status_w}"]
        if self.cgroup is not None:
            argv = [*trampoline(self.cgroup.procs_files), *argv]
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(status_w, *spec.pass_fds),
                cwd=spec.cwd,
                env=spec.env,
                start_new_session=True,
            )
        except OSError as exc:
            os.close(status_r)
            os.close(status_w)
            raise SandboxError(f"cannot start sandbox worker {argv[0]!r}: {exc}") from exc
        finally:
            for fd in (status_w, *spec.pass_fds):
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.status_fd = status_r
        self._lock = threading.Lock()
        self._dead = False
        self._files_closed = False
        self.reaper = Reaper()
        self._await_ready(startup_timeout)
        # Known now, while they run: bwrap's init may outlive bwrap (which does not wait for
        # it once it has the exit code) and, gone, is no longer listed in the cgroup.
        self._watch_tree()

    def _watch_tree(self) -> None:
        in_cgroup = self.cgroup.pids() if self.cgroup is not None else None
        self.reaper.watch(tree_pids(self.proc.pid, in_cgroup))

    def _await_ready(self, startup_timeout: float) -> None:
        deadline = time.monotonic() + startup_timeout
        buffer = b""
        while not buffer.endswith(b"R\n"):
            remaining = deadline - time.monotonic()
            ready = remaining > 0 and wait_readable(self.status_fd, remaining)
            chunk = os.read(self.status_fd, 2 - len(buffer)) if ready else b""
            if not chunk:
                with contextlib.suppress(OSError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=5)
                err = b""
                stderr = self.proc.stderr
                if stderr is not None and wait_readable(stderr.fileno(), 0.5):
                    err = os.read(stderr.fileno(), 4000)
                self.kill()
                why = "timed out" if remaining <= 0 else f"exit status {self.proc.returncode}"
                detail = err.decode(errors="replace").strip() or "no output"
                raise SandboxError(f"sandbox worker failed to start ({why}): {detail}")
            buffer += chunk

    def alive(self) -> bool:
        return not self._dead and self.proc.poll() is None

    def stop(self) -> None:
        """SIGKILL the worker's tree, without waiting for it (idempotent).

        The rest of the tree dies with bwrap (--die-with-parent, pid namespace); `remains`
        waits for it, off the run's path, and cleans up after it.
        """
        with self._lock:
            if self._dead:
                return
            self._dead = True
        self._watch_tree()  # what the program forked (it may outlive the worker)
        with contextlib.suppress(OSError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self.proc.kill()

    def close_files(self) -> bool:
        """Once the worker has exited, close its pipes and remove its folder (once).

        Returns:
            False while it is still exiting (call again), True once done.
        """
        if self.proc.poll() is None:
            return False
        with self._lock:
            if self._files_closed:
                return True
            self._files_closed = True
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()
        with contextlib.suppress(OSError):
            os.close(self.status_fd)
        if self.spec.cleanup_dir:
            shutil.rmtree(self.spec.cleanup_dir, ignore_errors=True)
        return True

    def kill(self) -> None:
        """Stop the worker and wait for it, then close its pipes (the pool clears the rest)."""
        self.stop()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        self.close_files()

    def remains(self) -> Remains:
        """What is left once `stop` has returned: see `Remains.clear`."""
        return Remains(self.cgroup, self.reaper, self.spec.lease, self.close_files)

    def run(
        self,
        code: str,
        inputs: dict,
        limits: Limits,
        cancel: threading.Event | None = None,
    ) -> Outcome:
        """Send one program, collect its output under the limits, then stop the worker.

        Args:
            code: the program's source.
            inputs: JSON-serialisable values bound as globals.
            limits: timeout, memory, output cap, ...
            cancel: set from another thread to stop the run early.

        Returns:
            The raw `Outcome`; `outcome.to_result()` turns it into an `ExecutionResult`.
        """
        # marshal: the worker is this same interpreter and reads it without an import.
        request = {"code": code, "inputs": inputs, **limits.__dict__}
        outcome = Outcome(limits=limits, isolated=self.spec.isolated)
        if self.cgroup is not None and self.cgroup.memory is not None:
            outcome.tree_memory_mb = tree_memory_mb(limits.memory_mb, self.spec.tmpfs_mb)
            try:
                self.cgroup.set_memory_limit(outcome.tree_memory_mb * MiB)
            except OSError as exc:  # e.g. the idle worker already holds more: not a program's doing
                raise SandboxError(f"cannot set the sandbox's memory limit: {exc}") from exc
        start = time.monotonic()
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(marshal.dumps(request))
            self.proc.stdin.close()
        except (OSError, ValueError):
            outcome.broken = True  # the worker died before reading: the pool retries elsewhere
        try:
            if not outcome.broken:
                collect(self.proc, self.status_fd, outcome, start + limits.timeout, cancel)
                if outcome.status is None and not outcome.stopped_by_harness():
                    # Pipes closed without a status: let the exit finish so its code is real.
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        self.proc.wait(timeout=1.0)
        finally:
            outcome.duration_s = time.monotonic() - start
            self.stop()  # the pool waits for it and cleans up, off this run's path
            outcome.returncode = self.proc.poll()
            if self.cgroup is not None:
                outcome.oom_killed = self.cgroup.oom_kills() > 0
        return outcome
