"""A cap on the disk I/O of a worker's tree, where the io (v2) or blkio (v1) cgroup is writable.

A program can read only its bound files (the interpreter, the stdlib, the packages, the
libraries), and write only tmpfs. The seccomp filter already refuses O_DIRECT, which read a
bound library from the host's disk at 2 GiB/s bypassing the page cache, and `sync`. What is
left is reading bound files that are not cached (or that a small memory cap keeps evicting from
the worker's own share of the cache): each worker's cgroup caps that at READ_BPS and
READ_IOPS on each disk that holds them (writes likewise, for whatever reaches a disk). Disks
only: a file system without a block device of its own (overlayfs in a container, NFS) cannot
be throttled this way, and is not (see docs/security.md).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path

MiB = 1024 * 1024
READ_BPS = 64 * MiB
WRITE_BPS = 64 * MiB
READ_IOPS = WRITE_IOPS = 2000


def whole_disk(path: str) -> str | None:
    """`MAJ:MIN` of the disk holding `path` (a partition's parent disk), or None.

    Returns:
        None when the file system has no block device (tmpfs, overlayfs, NFS).
    """
    try:
        number = os.stat(path).st_dev
    except OSError:
        return None
    device = f"{os.major(number)}:{os.minor(number)}"
    folder = Path("/sys/dev/block", device)
    if not folder.exists():
        return None
    if (folder / "partition").exists():  # throttling takes whole disks only
        with contextlib.suppress(OSError):
            return (folder.resolve().parent / "dev").read_text().strip()
        return None
    return device


def disks(paths: Iterable[str]) -> tuple[str, ...]:
    """The distinct disks holding `paths`, in order."""
    return tuple(sorted({d for d in map(whole_disk, paths) if d is not None}))


def limit(folder: Path, v2: bool, devices: Iterable[str]) -> None:
    """Cap the I/O of a worker cgroup on each device.

    Args:
        folder: the worker's cgroup folder in the io (v2) or blkio (v1) hierarchy.
        v2: which of the two it is.
        devices: `MAJ:MIN` of whole disks.

    Raises:
        OSError: when the kernel refuses a limit.
    """
    for device in devices:
        if v2:
            rule = f"{device} rbps={READ_BPS} wbps={WRITE_BPS} riops={READ_IOPS} wiops={WRITE_IOPS}"
            (folder / "io.max").write_text(rule)
            continue
        for name, value in (
            ("read_bps_device", READ_BPS),
            ("write_bps_device", WRITE_BPS),
            ("read_iops_device", READ_IOPS),
            ("write_iops_device", WRITE_IOPS),
        ):
            (folder / f"blkio.throttle.{name}").write_text(f"{device} {value}")
