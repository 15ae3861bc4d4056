"""How a pool starts its workers: bubblewrap (each as an unprivileged host user of its own when
the harness is root, on the mirror's tree, with device nodes of its own), or the rlimits-only
fallback, which refuses a root harness unless told otherwise."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reasoner.errors import SandboxError
from reasoner.sandbox import device_nodes, mirror, seccomp_filter
from reasoner.sandbox import layout as layout_mod
from reasoner.sandbox.bwrap_command import bwrap_command
from reasoner.sandbox.cgroups import Cgroup, SandboxCgroups
from reasoner.sandbox.host_user import HostUsers, Lease, sandbox_host_users
from reasoner.sandbox.process import Spawned

log = logging.getLogger(__name__)
#: Set to 1 to let the rlimits-only fallback run programs while the harness is root.
UNSAFE_ROOT_FALLBACK_ENV = "REASONER_SANDBOX_UNSAFE_ROOT_FALLBACK"
_warned: set[str] = set()
_warn_lock = threading.Lock()


def warn_once(key: str, message: str) -> None:
    """Log a warning and print it to stderr, once per process per `key`."""
    with _warn_lock:
        if key in _warned:
            return
        _warned.add(key)
    log.warning(message)
    print(f"WARNING: {message}", file=sys.stderr, flush=True)


def detect_cgroups() -> SandboxCgroups | None:
    """This harness's worker cgroups, warning once for each cap that is missing.

    Returns:
        The cgroups, or None when neither pids nor memory can be capped.
    """
    cgroups = SandboxCgroups.detect()
    controllers = cgroups.controllers if cgroups else set()
    if "pids" not in controllers:
        warn_once(
            "no-cgroup",
            "reasoner sandbox: no writable pids cgroup; a fork bomb is stopped only "
            "by the timeout. Run as root with /sys/fs/cgroup mounted writable.",
        )
    if "memory" not in controllers:
        warn_once(
            "no-memory-cgroup",
            "reasoner sandbox: no writable memory cgroup; a program's memory is capped "
            "per process only, and its tmpfs by their sizes. Run as root with "
            "/sys/fs/cgroup mounted writable.",
        )
    return cgroups


@dataclass
class LaunchSettings:
    """What every worker of a pool gets, whatever the mode."""

    isolation: str
    tmp_size_mb: int
    shm_size_mb: int
    unsafe_root_fallback: bool
    single_root: bool = True  # the mirror's tree as / in one mount (root harness)


class Launcher:
    """Builds the `Spawned` spec of each new worker, once the mode is chosen."""

    def __init__(self, layout: layout_mod.Layout, settings: LaunchSettings) -> None:
        self.layout = layout
        self.settings = settings
        self.mode: str | None = None
        self._bwrap: str | None = None
        self._users: HostUsers | None = None
        self._root: str | None = None  # the mirror's tree, bound as the sandbox's /
        self._nodes_base: Path | None = None  # where each worker's device nodes are made
        self._site_dir: str | None = None
        self._drop_uid = False

    def choose(self, probe: Callable[[], None]) -> str:
        """Pick bubblewrap when a probe worker starts with it, else the fallback (or fail).

        Args:
            probe: spawns and discards one worker with the mode set so far.

        Returns:
            "bubblewrap" or "rlimits".

        Raises:
            SandboxError: bubblewrap was required, or the fallback would run as root.
        """
        isolation = self.settings.isolation
        if isolation != "rlimits":
            # REASONER_SANDBOX_BWRAP points at a bwrap elsewhere (or at nothing, to test).
            wanted = os.environ.get("REASONER_SANDBOX_BWRAP") or "bwrap"
            bwrap = shutil.which(wanted, path=os.defpath + ":/usr/local/bin")
            why = f"{wanted} is not installed"
            if bwrap is not None:
                self._bwrap, self.mode = bwrap, "bubblewrap"
                try:
                    self._prepare_bubblewrap()
                    probe()
                except SandboxError as exc:
                    why = str(exc)
                else:
                    return "bubblewrap"
            self._bwrap = self.mode = None
            if isolation == "bubblewrap":
                raise SandboxError(
                    f"bubblewrap sandbox unavailable: {why}; apt-get install bubblewrap"
                )
            self._refuse_root(f"bubblewrap unavailable ({why})")
            warn_once(
                "fallback",
                f"reasoner sandbox: bubblewrap unavailable ({why}); FALLING BACK to rlimits "
                "only: programs can read host files and use the network. Install bubblewrap "
                "(apt-get install bubblewrap) for real isolation.",
            )
        else:
            self._refuse_root('isolation="rlimits" was asked for')
        self._site_dir = layout_mod.fallback_site(self.layout)
        readable = [self.layout.executable, *self.layout.stdlib_dirs]
        readable += [path for _name, path in self.layout.packages]
        self._drop_uid = os.geteuid() == 0 and layout_mod.world_readable(readable)
        self.mode = "rlimits"
        return "rlimits"

    def read_paths(self) -> list[str]:
        """Every host path a worker reads (for the disks its I/O cap covers)."""
        paths = [path for _target, path in layout_mod.root_entries(self.layout)]
        return paths + [str(mirror.cache_dir())]

    def _refuse_root(self, why: str) -> None:
        if os.geteuid() != 0:
            return
        allowed = os.environ.get(UNSAFE_ROOT_FALLBACK_ENV) == "1"
        if not (self.settings.unsafe_root_fallback or allowed):
            raise SandboxError(
                f"reasoner sandbox: {why} and the rlimits-only fallback refuses to run "
                f"untrusted programs as root; install bubblewrap, or set "
                f"{UNSAFE_ROOT_FALLBACK_ENV}=1 to accept host-root exposure"
            )
        warn_once(
            "root-fallback",
            f"reasoner sandbox: UNSAFE: running untrusted programs WITHOUT bubblewrap while "
            f"the harness is root ({UNSAFE_ROOT_FALLBACK_ENV} / unsafe_root_fallback is set)",
        )

    def _prepare_bubblewrap(self) -> None:
        """Pick the host users bwrap runs as; build the sandbox's root tree and the filter."""
        seccomp_filter.filter_program()
        if os.geteuid() != 0:
            return  # bwrap runs as this harness's own (unprivileged) uid, on host binds
        users = self._users = sandbox_host_users(mirror.private_dir("uids"))
        if users is None:
            return
        users.users[0].drop_command()  # fails early when setpriv is missing
        if users.shared:
            warn_once(
                "shared-uid",
                f"reasoner sandbox: every run shares host uid {users.users[0].uid}, so "
                "concurrent runs share its kernel quotas (queued signals, pipe pages); run "
                "scripts/setup.sh as root to give each run a uid of its own",
            )
        entries = layout_mod.root_entries(self.layout)
        self._root = str(mirror.sandbox_root(entries, layout_mod.ROOT_MOUNT_POINTS))
        nodes = mirror.private_dir("dev")
        if device_nodes.usable(nodes):
            device_nodes.sweep_stale(nodes)
            self._nodes_base = nodes

    def spec(self, cgroup: Cgroup | None, preload: tuple[str, ...] = ()) -> Spawned:
        """The command, environment and descriptors of one new worker.

        Args:
            cgroup: the worker's cgroup, if any.
            preload: modules it imports before it is ready.
        """
        args = [f"--preload={','.join(preload)}"]
        if self._bwrap is not None:
            return self._bubblewrap_spec(cgroup, args)
        assert self._site_dir is not None
        workdir = layout_mod.fallback_workdir()
        if self._drop_uid:
            os.chown(workdir, layout_mod.SANDBOX_UID, layout_mod.SANDBOX_UID)
            args.append(f"--uid={layout_mod.SANDBOX_UID}")
        argv = layout_mod.fallback_command(self.layout, self._site_dir, args)
        env = {"HOME": workdir, "TMPDIR": workdir, "PATH": "/nonexistent"}
        return Spawned(argv + ["--pdeathsig=1"], workdir, env, cgroup, False, workdir)

    def _bubblewrap_spec(self, cgroup: Cgroup | None, args: list[str]) -> Spawned:
        assert self._bwrap is not None
        settings = self.settings
        lease: Lease | None = None
        nodes: str | None = None
        try:
            lease = self._users.lease() if self._users is not None else None
            if self._nodes_base is not None:
                nodes = device_nodes.fresh_nodes(self._nodes_base)
            fd = seccomp_filter.filter_fd()
        except BaseException:
            if lease is not None:
                lease.release()
            if nodes is not None:
                shutil.rmtree(nodes, ignore_errors=True)
            raise
        argv = bwrap_command(
            self._bwrap,
            self.layout,
            args,
            tmp_size_mb=settings.tmp_size_mb,
            shm_size_mb=settings.shm_size_mb,
            seccomp_fd=fd,
            root=self._root,
            one_mount=settings.single_root,
            nodes=nodes or "/dev",
        )
        if lease is not None:
            argv = lease.user.drop_command() + argv
        tmpfs_mb = settings.tmp_size_mb + settings.shm_size_mb
        return Spawned(
            argv, "/", {}, cgroup, True, nodes, pass_fds=(fd,), tmpfs_mb=tmpfs_mb, lease=lease
        )

    def close(self) -> None:
        if self._site_dir:
            shutil.rmtree(self._site_dir, ignore_errors=True)
