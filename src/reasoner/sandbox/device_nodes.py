"""Device nodes of a run's own: /dev/null, zero, full, random and urandom as fresh inodes.

Bound from the host, /dev/null is the host's inode: a program could lock it (stalling host
tools that lock it too) or stamp its times (`os.utime` needs only write permission, which
everyone has), a channel to the host and to other runs. A root harness makes the five nodes
anew for each worker, in a root-owned folder beside the mirror, and removes them with the
worker; the program reaches the same devices through inodes nobody else uses. A harness that
is not root cannot make device nodes and binds the host's (the seccomp filter still refuses
locks; see docs/security.md).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import shutil
import stat
from pathlib import Path

DEVICES: tuple[str, ...] = ("null", "zero", "full", "random", "urandom")
_counter = itertools.count()


@functools.lru_cache(maxsize=1)
def _host_numbers() -> tuple[tuple[str, int], ...]:
    return tuple((name, os.stat(f"/dev/{name}").st_rdev) for name in DEVICES)


def usable(base: Path) -> bool:
    """Whether device nodes made in `base` would work (root, and no `nodev` mount)."""
    try:
        return os.geteuid() == 0 and not os.statvfs(base).f_flag & os.ST_NODEV
    except OSError:
        return False


def fresh_nodes(base: Path) -> str:
    """Make a folder holding the five nodes, for one worker (the caller removes it).

    Args:
        base: a root-owned folder on a file system that allows devices.

    Returns:
        The folder's path.
    """
    folder = base / f"{os.getpid()}-{next(_counter)}"
    folder.mkdir(mode=0o755)
    try:
        for name, number in _host_numbers():
            node = folder / name
            os.mknod(node, stat.S_IFCHR | 0o666, number)
            os.chmod(node, 0o666)  # mknod's mode went through the umask
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return str(folder)


def sweep_stale(base: Path) -> None:
    """Remove node folders left by harnesses that were killed before they could clean up."""
    with contextlib.suppress(OSError):
        for folder in base.iterdir():
            owner = folder.name.split("-")[0]
            if owner.isdigit() and not Path(f"/proc/{owner}").exists():
                shutil.rmtree(folder, ignore_errors=True)
