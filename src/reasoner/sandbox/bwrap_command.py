"""The bubblewrap command line that starts one sandboxed worker.

Everything the program can write is a size-capped tmpfs: its working directory `/tmp`
(also `$HOME`) and `/dev/shm`. Everything else is read-only: the root (the mirror's tree bound
as `/` when the harness is root, else bwrap's own tmpfs holding the bound interpreter,
libraries and packages, remounted read-only), `/dev` (a small tmpfs holding only null, zero,
full, random and urandom: nodes made for this run when the harness is root, so no run shares
an inode with the host's /dev or another run's) and `/proc` (so /proc/sys and every other
kernel knob in it). The tmpfs pages count in the worker's memory cgroup as well.
"""

from __future__ import annotations

from reasoner.sandbox.device_nodes import DEVICES
from reasoner.sandbox.layout import (
    PYTHON_FLAGS,
    SANDBOX_HOME,
    SANDBOX_SITE,
    SANDBOX_UID,
    SANDBOX_WORKER,
    WORKER_SOURCE,
    Layout,
    package_target,
)

DEV_TMPFS_BYTES = 64 * 1024  # holds only mount points and symlinks; read-only once set up
MiB = 1024 * 1024


def _dev(shm_size_mb: int, nodes: str) -> list[str]:
    """A /dev without ptys or anything writable but a small /dev/shm.

    bwrap's own `--dev` mounts an unbounded tmpfs and a devpts instance (pty allocation is a
    machine-wide quota), so /dev is assembled here instead.
    """
    argv = ["--size", str(DEV_TMPFS_BYTES), "--tmpfs", "/dev"]
    for device in DEVICES:
        argv += ["--dev-bind", f"{nodes}/{device}", f"/dev/{device}"]
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
    root: str | None = None,
    one_mount: bool = True,
    nodes: str = "/dev",
) -> list[str]:
    """The argv that starts one sandboxed worker.

    Args:
        bwrap: path of the bwrap binary.
        layout: what to bind, from `discover()`.
        worker_args: settings passed to `_worker.py` (preload, ...).
        tmp_size_mb: size of the tmpfs that is the program's working directory.
        shm_size_mb: size of the tmpfs at /dev/shm.
        seccomp_fd: a file descriptor holding the BPF filter (see seccomp_filter.py).
        root: the mirror's tree (mirror.sandbox_root), bound as `/`; None binds the host
            paths (a harness that is not root has no mirror).
        one_mount: False binds the tree's paths one by one on a tmpfs root instead (the
            birth before the tree was bound whole: 6 ms more CPU).
        nodes: the folder holding the device nodes to bind into /dev.

    Returns:
        The argv to spawn (its file descriptors must be passed to the child).
    """
    argv = [bwrap, "--unshare-all", "--unshare-user", "--disable-userns"]
    argv += ["--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--cap-drop", "ALL"]
    argv += ["--die-with-parent", "--new-session", "--hostname", "sandbox"]
    argv += ["--clearenv", "--setenv", "HOME", SANDBOX_HOME, "--setenv", "PATH", "/nonexistent"]
    whole = root is not None and one_mount
    if root is not None and one_mount:
        argv += ["--ro-bind", root, "/"]
    else:
        argv += _path_binds(layout, root or "")
    argv += ["--proc", "/proc", "--remount-ro", "/proc"]
    argv += _dev(shm_size_mb, nodes)
    argv += ["--size", str(tmp_size_mb * MiB), "--tmpfs", SANDBOX_HOME]
    if not whole:  # bwrap's tmpfs root; the mirror's tree is bound read-only already
        argv += ["--remount-ro", "/"]
    argv += ["--chdir", SANDBOX_HOME, "--seccomp", str(seccomp_fd), "--"]
    argv += [layout.executable, *PYTHON_FLAGS, SANDBOX_WORKER, "--site=" + SANDBOX_SITE]
    return argv + ["--isolated=1", *worker_args]


def _path_binds(layout: Layout, root: str) -> list[str]:
    """Each path bound on its own, from the mirror's tree under `root`, or from the host."""
    argv = ["--ro-bind", root + layout.executable, layout.executable]
    for folder in layout.stdlib_dirs:
        argv += ["--ro-bind", root + folder, folder]
    if not root:  # the mirror leaves site-packages out; host binds must hide them
        for folder in layout.masked_dirs:
            argv += ["--size", "4096", "--tmpfs", folder, "--remount-ro", folder]
    for library in layout.libraries:
        argv += ["--ro-bind", root + library, library]
    for name, path in layout.packages:
        target = package_target(name, path)
        argv += ["--ro-bind", root + target if root else path, target]
    worker = root + SANDBOX_WORKER if root else str(WORKER_SOURCE)
    return argv + ["--ro-bind", worker, SANDBOX_WORKER]
