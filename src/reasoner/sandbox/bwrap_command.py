"""The bubblewrap command line that starts one sandboxed worker.

Everything the program can write is a size-capped tmpfs: its working directory `/tmp`
(also `$HOME`) and `/dev/shm`. Everything else is read-only: the root (bwrap's own tmpfs,
remounted read-only), the bound interpreter, libraries and packages, `/dev` (a small tmpfs
holding only null, zero, full, random and urandom) and `/proc` (so /proc/sys and every other
kernel knob in it). The tmpfs pages count in the worker's memory cgroup as well.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from reasoner.sandbox.layout import (
    PYTHON_FLAGS,
    SANDBOX_HOME,
    SANDBOX_SITE,
    SANDBOX_UID,
    SANDBOX_WORKER,
    WORKER_SOURCE,
    Layout,
)

DEVICES = ("null", "zero", "full", "random", "urandom")
DEV_TMPFS_BYTES = 64 * 1024  # holds only mount points and symlinks; read-only once set up
MiB = 1024 * 1024


def _dev(shm_size_mb: int) -> list[str]:
    """A /dev without ptys or anything writable but a small /dev/shm.

    bwrap's own `--dev` mounts an unbounded tmpfs and a devpts instance (pty allocation is a
    machine-wide quota), so /dev is assembled here instead.
    """
    argv = ["--size", str(DEV_TMPFS_BYTES), "--tmpfs", "/dev"]
    for device in DEVICES:
        argv += ["--dev-bind", f"/dev/{device}", f"/dev/{device}"]
    argv += ["--symlink", "/proc/self/fd", "/dev/fd"]
    for number, name in enumerate(("stdin", "stdout", "stderr")):
        argv += ["--symlink", f"/proc/self/fd/{number}", f"/dev/{name}"]
    argv += ["--size", str(shm_size_mb * MiB), "--tmpfs", "/dev/shm"]
    return argv + ["--remount-ro", "/dev"]


def bwrap_command(
    bwrap: str,
    layout: Layout,
    worker_args: list[str],
    *,
    tmp_size_mb: int,
    shm_size_mb: int,
    seccomp_fd: int,
    sources: Mapping[str, str] | None = None,
) -> list[str]:
    """The argv that starts one sandboxed worker.

    Args:
        bwrap: path of the bwrap binary.
        layout: what to bind, from `discover()`.
        worker_args: settings passed to `_worker.py` (preload, ...).
        tmp_size_mb: size of the tmpfs that is the program's working directory.
        shm_size_mb: size of the tmpfs at /dev/shm.
        seccomp_fd: a file descriptor holding the BPF filter (see seccomp_filter.py).
        sources: host path -> the path to bind in its place (the read-only mirror that an
            unprivileged bwrap can read); None binds the host paths themselves.

    Returns:
        The argv to spawn (its file descriptors must be passed to the child).
    """
    mirrored = sources is not None
    where = dict(sources or {})

    def ro_bind(path: str, target: str | None = None) -> list[str]:
        return ["--ro-bind", where.get(path, path), target or path]

    argv = [bwrap, "--unshare-all", "--unshare-user", "--disable-userns"]
    argv += ["--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--cap-drop", "ALL"]
    argv += ["--die-with-parent", "--new-session", "--hostname", "sandbox"]
    argv += ["--clearenv", "--setenv", "HOME", SANDBOX_HOME, "--setenv", "PATH", "/nonexistent"]
    argv += ro_bind(layout.executable)
    for folder in layout.stdlib_dirs:
        argv += ro_bind(folder)
    if not mirrored:  # the mirror leaves site-packages out; host binds must hide them
        for folder in layout.masked_dirs:
            argv += ["--size", "4096", "--tmpfs", folder, "--remount-ro", folder]
    for library in layout.libraries:
        argv += ro_bind(library)
    for name, path in layout.packages:
        target = f"{SANDBOX_SITE}/{os.path.basename(path) if os.path.isfile(path) else name}"
        argv += ro_bind(path, target)
    argv += ro_bind(str(WORKER_SOURCE), SANDBOX_WORKER)
    argv += ["--proc", "/proc", "--remount-ro", "/proc"]
    argv += _dev(shm_size_mb)
    argv += ["--size", str(tmp_size_mb * MiB), "--tmpfs", SANDBOX_HOME]
    argv += ["--remount-ro", "/", "--chdir", SANDBOX_HOME, "--seccomp", str(seccomp_fd), "--"]
    argv += [layout.executable, *PYTHON_FLAGS, SANDBOX_WORKER, "--site=" + SANDBOX_SITE]
    return argv + ["--isolated=1", *worker_args]
