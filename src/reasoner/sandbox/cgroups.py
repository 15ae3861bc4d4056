"""A pids cgroup per sandboxed worker: caps its process count and kills its whole tree.

We run as root, so RLIMIT_NPROC does not bind; a pids cgroup does, for every process the
program forks, however it detaches (setsid, double fork). Both hierarchies are handled:
cgroup v1 with a `pids` controller mount, and cgroup v2 with `pids` in `cgroup.controllers`.
Each pool owns one folder, `reasoner-sandbox-<harness pid>-<n>`, under the harness's own
cgroup; each worker gets a child folder in it. Folders left by a harness that died are swept on start.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)
PREFIX = "reasoner-sandbox-"
_counter = itertools.count()
_pool_counter = itertools.count()


@dataclass(frozen=True)
class Cgroup:
    """One worker's cgroup folder."""

    path: Path
    v2: bool

    @property
    def procs_file(self) -> str:
        return str(self.path / "cgroup.procs")

    def pids(self) -> list[int]:
        try:
            return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            return []

    def kill(self) -> None:
        """SIGKILL every process in the cgroup, repeating until none is left (best effort)."""
        kill_file = self.path / "cgroup.kill"
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
        """Kill what is left and remove the folder.

        Returns:
            True when the folder is gone; False when processes are still exiting (retry later).
        """
        if not self.path.exists():
            return True
        self.kill()
        try:
            self.path.rmdir()
        except FileNotFoundError:
            return True
        except OSError:
            return False
        return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _mounts() -> list[tuple[str, str, str]]:
    """(mount point, fs type, super options) of each cgroup mount, from mountinfo."""
    found: list[tuple[str, str, str]] = []
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, rfields = left.split(), right.split()
        if len(fields) >= 5 and len(rfields) >= 3 and rfields[0] in ("cgroup", "cgroup2"):
            found.append((fields[4], rfields[0], rfields[2]))
    return found


def _own_cgroup(v2: bool) -> str | None:
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _id, controllers, path = line.split(":", 2)
        if (v2 and _id == "0" and controllers == "") or (
            not v2 and "pids" in controllers.split(",")
        ):
            return path
    return None


class PidsCgroups:
    """This harness's folder of per-worker pids cgroups."""

    def __init__(self, base: Path, v2: bool) -> None:
        self.base = base
        self.v2 = v2
        self.root = base / f"{PREFIX}{os.getpid()}-{next(_pool_counter)}"

    @classmethod
    def detect(cls) -> PidsCgroups | None:
        """Find a writable pids hierarchy and create this harness's folder in it.

        Returns:
            The manager, or None when no pids controller can be used here.
        """
        for mount, fstype, options in _mounts():
            v2 = fstype == "cgroup2"
            if v2:
                controllers = Path(mount, "cgroup.controllers")
                if not controllers.exists() or "pids" not in controllers.read_text().split():
                    continue
            elif "pids" not in options.split(","):
                continue
            own = _own_cgroup(v2)
            if own is None:
                continue
            manager = cls(Path(mount) / own.lstrip("/"), v2)
            if manager._setup():
                return manager
        return None

    def _setup(self) -> bool:
        try:
            self.sweep_stale()
            self.root.mkdir(exist_ok=True)
            if self.v2:
                # Children of our folder need the controller enabled on the way down.
                (self.base / "cgroup.subtree_control").write_text("+pids")
                (self.root / "cgroup.subtree_control").write_text("+pids")
            probe = self.create(pids_max=1)
            probe.path.rmdir()
        except OSError as exc:
            log.debug("pids cgroup at %s unusable: %s", self.base, exc)
            with contextlib.suppress(OSError):
                self.root.rmdir()
            return False
        return True

    def create(self, pids_max: int) -> Cgroup:
        """Create a worker cgroup allowing at most `pids_max` processes and threads.

        Returns:
            The new `Cgroup`; write a pid into its `procs_file` to put a process in it.
        """
        path = self.root / f"w{next(_counter)}"
        path.mkdir()
        (path / "pids.max").write_text(str(pids_max))
        return Cgroup(path, self.v2)

    def sweep_stale(self) -> None:
        """Remove folders left by harness processes that no longer run."""
        if not self.base.is_dir():
            return
        for folder in self.base.glob(f"{PREFIX}*"):
            owner = folder.name[len(PREFIX) :].split("-")[0]
            if not owner.isdigit() or _alive(int(owner)):
                continue
            self._remove_tree(folder)

    def close(self) -> None:
        """Kill everything left in this pool's folder and remove it."""
        self._remove_tree(self.root)

    def _remove_tree(self, folder: Path) -> None:
        for child in folder.glob("w*"):
            if child.is_dir():
                for _ in range(100):
                    if Cgroup(child, self.v2).remove():
                        break
                    time.sleep(0.005)
        with contextlib.suppress(OSError):
            folder.rmdir()
