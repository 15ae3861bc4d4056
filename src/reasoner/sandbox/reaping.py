"""Reaps the processes of a worker's tree that end up as the harness's children.

Killing a worker kills bubblewrap first; its init inside the sandbox (and, in the fallback
mode, whatever the program forked) then outlives its parent and is re-parented to the nearest
child subreaper, or to PID 1. When the harness is either (a container without an init, a
service manager, a test runner that set PR_SET_CHILD_SUBREAPER), nobody else will wait for
those processes: one zombie per run stayed, until a long eval could no longer fork.

The reaper watches the tree's processes through pidfds, so it waits only for those very
processes (never `waitpid(-1)`, which would steal the exit status of the harness's other
children, and never a bare pid, which the kernel may have given to someone else since).
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
from collections.abc import Iterable


class Reaper:
    """The pidfds of one worker's processes, until each is gone (reaped by us or its parent)."""

    def __init__(self) -> None:
        self._fds: dict[int, int] = {}  # pid -> pidfd

    def watch(self, pids: Iterable[int]) -> None:
        """Start watching these processes (those already gone are skipped).

        Args:
            pids: host pids of processes of the worker's tree.
        """
        if not hasattr(os, "pidfd_open"):  # pragma: no cover (Linux < 5.3, Python < 3.9)
            return
        for pid in pids:
            if pid in self._fds:
                continue
            with contextlib.suppress(OSError):
                self._fds[pid] = os.pidfd_open(pid)

    def reap(self) -> bool:
        """Reap each watched process that has exited and is the harness's child.

        A process that exited as the child of another process of the tree is watched on: if
        that parent dies first, it becomes ours and is reaped next time. One that exited as
        the child of a process outside the tree (PID 1, when the harness is no subreaper) is
        that process's to reap.

        Returns:
            True when no watched process is left alive or waiting for us.
        """
        for pid, fd in list(self._fds.items()):
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitid(os.P_PIDFD, fd, os.WEXITED | os.WNOHANG)
            if _gone(fd) or (_exited(fd) and _parent(pid) not in {*self._fds, os.getpid()}):
                os.close(fd)
                del self._fds[pid]
        return not self._fds

    def close(self) -> None:
        """Stop watching (closes the pidfds; what is left is the kernel's and PID 1's)."""
        for fd in self._fds.values():
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds.clear()


def _exited(pidfd: int) -> bool:
    """Whether the process has exited (a pidfd reads as ready then, zombie or reaped)."""
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    return bool(poller.poll(0))


def _parent(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            text = stat.read()
        return int(text[text.rindex(")") + 2 :].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _gone(pidfd: int) -> bool:
    """Whether the process was reaped (a zombie still takes signal 0)."""
    try:
        signal.pidfd_send_signal(pidfd, 0)
    except ProcessLookupError:
        return True
    except OSError:  # EPERM: alive under another uid, which we may not signal
        return False
    return False


def tree_pids(root_pid: int, cgroup_pids: list[int] | None) -> list[int]:
    """The processes of a worker's tree besides its root (which its Popen reaps).

    Args:
        root_pid: the pid the harness spawned (bwrap, or the fallback worker).
        cgroup_pids: the worker cgroup's processes, when there is one (it holds them all).

    Returns:
        Their pids; without a cgroup, the root's children (bwrap's init inside the sandbox).
    """
    if cgroup_pids is not None:
        return [pid for pid in cgroup_pids if pid != root_pid]
    try:
        with open(f"/proc/{root_pid}/task/{root_pid}/children") as children:
            return [int(pid) for pid in children.read().split()]
    except (OSError, ValueError):
        return []
