"""A worker's disk I/O is capped where the io (blkio) cgroup is writable (issue 26).

The seccomp filter refuses O_DIRECT and makes `sync` a no-op (tests/test_sandbox_seccomp.py);
what is left, reading bound files that are not cached, is capped per worker on each disk.
"""

from __future__ import annotations

import asyncio
import shutil

import pytest

from reasoner.sandbox import SandboxPool
from reasoner.sandbox.io_throttle import READ_BPS, READ_IOPS, WRITE_BPS, disks, whole_disk

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")


def test_the_disk_of_a_file_is_its_whole_disk_and_tmpfs_has_none():
    assert whole_disk("/proc/self/status") is None
    assert whole_disk("/nonexistent/file") is None
    found = whole_disk(shutil.which("bwrap") or "/")
    if found is not None:  # a machine whose root is on a disk (not overlayfs)
        major, minor = found.split(":")
        assert major.isdigit() and minor.isdigit()
        assert disks(["/", "/proc", "/"]) in ((found,), ())


def test_each_worker_cgroup_caps_reads_and_writes_on_the_disks_of_its_files():
    with SandboxPool(size=0, isolation="bubblewrap") as pool:
        pool.run("pass")
        cgroups = pool._cgroups
        io = {"blkio", "io"} & (cgroups.controllers if cgroups else set())
        if not io or not cgroups.io_disks:
            pytest.skip("no writable io cgroup, or the files are on no disk (overlayfs)")

        async def during():
            task = asyncio.ensure_future(pool.arun("import time\ntime.sleep(1.5)"))
            seen = {}
            while not seen and not task.done():
                await asyncio.sleep(0.1)
                for root in cgroups.roots:
                    for name in ("blkio.throttle.read_bps_device", "io.max"):
                        for path in root.glob(f"w*/{name}"):
                            seen[name] = path.read_text()
            return await task, seen

        result, seen = asyncio.run(during())
    assert result.ok, result
    disk = cgroups.io_disks[0]
    if "io.max" in seen:
        assert f"{disk} rbps={READ_BPS} wbps={WRITE_BPS} riops={READ_IOPS}" in seen["io.max"]
    else:
        assert seen["blkio.throttle.read_bps_device"].split() == [disk, str(READ_BPS)]
