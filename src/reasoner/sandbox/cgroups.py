"""Per-worker cgroups: process, memory and disk I/O caps over a worker's whole tree, its kill.

We run as root, so RLIMIT_NPROC does not bind and RLIMIT_AS is per process; the cgroups do,
for every process the program forks, however it detaches (setsid, double fork), and the
memory cap also counts the pages of the worker's tmpfs mounts (/tmp, /dev/shm), which no
rlimit sees; the io (blkio) cap bounds its reads of the bound files (io_throttle.py). Both
hierarchies are handled: cgroup v1, with `pids`, `memory` and `blkio` mounted apart, and
cgroup v2, with them in `cgroup.controllers`. Each pool owns one folder,
`reasoner-sandbox-<harness pid>-<n>`, under the harness's own cgroup in each hierarchy; each
worker gets a child folder there. Folders left by a harness that died are swept on start.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import logging
import os
import signal
import time
from pathlib import Path

from reasoner.sandbox import io_throttle
from reasoner.sandbox.cgroup_mounts import Hierarchy, find_hierarchies

log = logging.getLogger(__name__)
PREFIX = "reasoner-sandbox-"
IO_CONTROLLERS = ("blkio", "io")  # v1's name and v2's
CONTROLLERS = ("pids", "memory", *IO_CONTROLLERS)
_counter = itertools.count()
_pool_counter = itertools.count()


class Cgroup:
    """One worker's cgroup folders (one per hierarchy) and its memory limit."""

    def __init__(self, paths: tuple[Path, ...], v2: bool, memory: Path | None) -> None:
        self.paths = paths
        self.v2 = v2
        self.memory = memory  # the folder holding memory.* files; None: no memory cap
        self._limit: int | None = None

    @property
    def procs_files(self) -> tuple[str, ...]:
        return tuple(str(path / "cgroup.procs") for path in self.paths)

    def pids(self) -> list[int]:
        found: set[int] = set()
        for path in self.paths:
            with contextlib.suppress(OSError, ValueError):
                found.update(int(p) for p in (path / "cgroup.procs").read_text().split())
        return sorted(found)

    def set_memory_limit(self, limit: int) -> None:
        """Cap the tree's memory, tmpfs pages included, at `limit` bytes (no swap beyond it)."""
        if self.memory is None or limit == self._limit:
            return
        if self.v2:
            order = ["memory.max", "memory.swap.max"]
            values = {"memory.max": limit, "memory.swap.max": 0}
        else:
            # v1 wants limit_in_bytes <= memsw.limit_in_bytes at every step.
            raising = self._limit is None or limit > self._limit
            order = ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"]
            order = order[::-1] if raising and self._limit is not None else order
            values = {name: limit for name in order}
        for name in order:
            target = self.memory / name
            if target.exists():
                target.write_text(str(values[name]))
        self._limit = limit

    def oom_kills(self) -> int:
        """How many processes of the tree the memory cap has killed so far."""
        if self.memory is None:
            return 0
        events = self.memory / ("memory.events" if self.v2 else "memory.oom_control")
        with contextlib.suppress(OSError, ValueError):
            for line in events.read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        return 0

    def kill(self) -> None:
        """SIGKILL every process in the cgroup, repeating until none is left (best effort)."""
        kill_file = self.paths[0] / "cgroup.kill"
        if self.v2 and kill_file.exists():
            with contextlib.suppress(OSError):
                kill_file.write_text("1")
            return
        # v1 has no cgroup.kill; a forking process is bounded by pids.max, so a few rounds do.
        for _ in range(50):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.001)

    def remove(self) -> bool:
        """Kill what is left and remove the folders.

        Returns:
            True when they are gone; False when processes are still exiting (retry later).
        """
        self.kill()
        gone = True
        for path in self.paths:
            try:
                path.rmdir()
            except FileNotFoundError:
                continue
            except OSError:
                gone = False
        return gone


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SandboxCgroups:
    """This harness's folders of per-worker cgroups, in each hierarchy that is usable."""

    def __init__(self, hierarchies: list[Hierarchy]) -> None:
        pool = f"{PREFIX}{os.getpid()}-{next(_pool_counter)}"
        self.hierarchies = [h.with_root(h.base / pool) for h in hierarchies]
        #: the disks whose I/O each worker may do at a capped rate (set by the pool)
        self.io_disks: tuple[str, ...] = ()

    @property
    def controllers(self) -> set[str]:
        return {c for h in self.hierarchies for c in h.controllers}

    @property
    def roots(self) -> list[Path]:
        return [h.root for h in self.hierarchies]

    @classmethod
    def detect(cls) -> SandboxCgroups | None:
        """Find writable pids and memory hierarchies and create this harness's folders.

        Returns:
            The manager (check `controllers` for what it caps), or None when neither works.
        """
        usable = []
        for hierarchy in find_hierarchies(CONTROLLERS):
            if not _setup(hierarchy):  # e.g. a v2 parent that does not delegate io: do without
                lean = tuple(c for c in hierarchy.controllers if c not in IO_CONTROLLERS)
                hierarchy = dataclasses.replace(hierarchy, controllers=lean)
                if not lean or not _setup(hierarchy):
                    continue
            usable.append(hierarchy)
        manager = cls(usable)
        manager.hierarchies = [h for h in manager.hierarchies if _make_root(h)]
        return manager if manager.hierarchies else None

    def create(self, pids_max: int) -> Cgroup:
        """Create a worker cgroup allowing at most `pids_max` processes and threads.

        Returns:
            The new `Cgroup`; write a pid into each of its `procs_files` to put a process in it.
        """
        name = f"w{next(_counter)}"
        paths, memory = [], None
        try:
            for hierarchy in self.hierarchies:
                path = hierarchy.root / name
                path.mkdir()
                paths.append(path)
                if "pids" in hierarchy.controllers:
                    (path / "pids.max").write_text(str(pids_max))
                if "memory" in hierarchy.controllers:
                    memory = path
                if self.io_disks and set(IO_CONTROLLERS) & set(hierarchy.controllers):
                    self._limit_io(path, hierarchy.v2)
        except OSError:
            Cgroup(tuple(paths), self.hierarchies[0].v2, None).remove()
            raise
        return Cgroup(tuple(paths), self.hierarchies[0].v2, memory)

    def _limit_io(self, path: Path, v2: bool) -> None:
        try:
            io_throttle.limit(path, v2, self.io_disks)
        except OSError as exc:  # a disk the kernel will not throttle: stop trying, say so once
            log.warning("sandbox: disk I/O of workers is not capped (%s)", exc)
            self.io_disks = ()

    def close(self) -> None:
        """Kill everything left in this pool's folders and remove them."""
        for hierarchy in self.hierarchies:
            _remove_tree(hierarchy, hierarchy.root)


def _setup(hierarchy: Hierarchy) -> bool:
    """Sweep stale folders, then check that a worker folder can be made and limited."""
    probe = hierarchy.base / f"{PREFIX}{os.getpid()}-probe"
    try:
        _sweep_stale(hierarchy)
        probe.mkdir(exist_ok=True)
        if hierarchy.v2:
            # Children of our folder need the controllers enabled on the way down.
            enable = " ".join(f"+{c}" for c in hierarchy.controllers)
            (hierarchy.base / "cgroup.subtree_control").write_text(enable)
        if "pids" in hierarchy.controllers:
            (probe / "pids.max").write_text("1")
        if "memory" in hierarchy.controllers:
            limit = "memory.max" if hierarchy.v2 else "memory.limit_in_bytes"
            (probe / limit).write_text(str(64 << 20))
    except OSError as exc:
        log.debug("cgroup %s at %s unusable: %s", hierarchy.controllers, hierarchy.base, exc)
        return False
    finally:
        with contextlib.suppress(OSError):
            probe.rmdir()
    return True


def _make_root(hierarchy: Hierarchy) -> bool:
    try:
        hierarchy.root.mkdir(exist_ok=True)
        if hierarchy.v2:
            enable = " ".join(f"+{c}" for c in hierarchy.controllers)
            (hierarchy.root / "cgroup.subtree_control").write_text(enable)
    except OSError as exc:
        log.debug("cannot create %s: %s", hierarchy.root, exc)
        with contextlib.suppress(OSError):
            hierarchy.root.rmdir()
        return False
    return True


def _sweep_stale(hierarchy: Hierarchy) -> None:
    """Remove folders left by harness processes that no longer run."""
    if not hierarchy.base.is_dir():
        return
    for folder in hierarchy.base.glob(f"{PREFIX}*"):
        owner = folder.name[len(PREFIX) :].split("-")[0]
        if not owner.isdigit() or _alive(int(owner)):
            continue
        _remove_tree(hierarchy, folder)


def _remove_tree(hierarchy: Hierarchy, folder: Path) -> None:
    if not folder.is_dir():
        return
    for child in folder.glob("w*"):
        if child.is_dir():
            for _ in range(100):
                if Cgroup((child,), hierarchy.v2, None).remove():
                    break
                time.sleep(0.005)
    with contextlib.suppress(OSError):
        folder.rmdir()
