"""Concurrent runs do not reach each other through the host (issue 26).

All sandboxes used to share one host user, so per-user kernel quotas were channels and levers
between runs (a run holding every queued signal left the next none), and the bound device
nodes were the host's own inodes. Now each live worker has a host uid of its own and, with a
root harness, device nodes of its own.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path

import pytest

from reasoner.sandbox import SandboxPool

pytestmark = [
    pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed"),
    pytest.mark.skipif(os.geteuid() != 0, reason="only a root harness can switch uids"),
]


@pytest.fixture(scope="module")
def pool():
    with SandboxPool(size=0, isolation="bubblewrap") as p:
        assert p.mode == "bubblewrap"
        users = p._launcher._users
        if users is None or users.shared:
            pytest.skip("no uid range for reasoner-sandbox: run scripts/setup.sh as root")
        yield p


def run_together(pool: SandboxPool, codes: list[str], **kwargs) -> list:
    async def main():
        return await asyncio.gather(*(pool.arun(code, **kwargs) for code in codes))

    return asyncio.run(main())


def test_concurrent_runs_each_run_as_a_host_uid_of_their_own(pool):
    code = "import time\ntime.sleep(1.5)"

    async def main():
        tasks = [asyncio.ensure_future(pool.arun(code)) for _ in range(4)]
        seen: dict[str, set[str]] = {}
        while len(seen) < 4 and not all(t.done() for t in tasks):
            await asyncio.sleep(0.1)
            for procs in (f for root in pool._cgroups.roots for f in root.glob("w*/cgroup.procs")):
                try:
                    pids = procs.read_text().split()
                    status = [Path(f"/proc/{pid}/status").read_text() for pid in pids]
                except OSError:
                    continue
                uids = {s.split("Uid:")[1].split()[0] for s in status}
                seen[procs.parent.name] = uids
        results = await asyncio.gather(*tasks)
        return results, seen

    results, seen = asyncio.run(main())
    assert all(r.ok for r in results), results
    assert len(seen) == 4 and all(len(uids) == 1 for uids in seen.values()), seen
    uids = {int(next(iter(u))) for u in seen.values()}
    assert len(uids) == 4  # no two live workers share a uid
    assert uids <= {u.uid for u in pool._launcher._users.users}


# Each run fills the per-user quotas it can reach, holds them a moment, and reports how much it
# got: queued real-time signals (sigqueue with the signal blocked) and descriptors in flight
# over a unix socket pair. Under one shared uid the second run got none of either.
FILL_QUOTAS = """
import ctypes, errno, os, signal, socket, time
libc = ctypes.CDLL(None, use_errno=True)
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGRTMIN])
queued = 0
while libc.sigqueue(os.getpid(), signal.SIGRTMIN, ctypes.c_void_p(0)) == 0:
    queued += 1
queue_errno = errno.errorcode[ctypes.get_errno()]
a, b = socket.socketpair()
in_flight = 0
try:
    while True:
        socket.send_fds(a, [b'x'], [0])
        in_flight += 1
except OSError as e:
    flight_errno = errno.errorcode[e.errno]
time.sleep(1.0)
print(queued, queue_errno, in_flight > 10, flight_errno)
"""


def test_a_run_that_fills_its_quotas_leaves_the_next_run_its_own(pool):
    first, second = run_together(pool, [FILL_QUOTAS, FILL_QUOTAS], timeout=20)
    assert first.ok and second.ok, (first, second)
    # 128 = the run's RLIMIT_SIGPENDING; descriptors in flight stop at the uid's limit (or
    # when the socket's buffer is full): each run gets the same, whatever the other holds.
    assert first.stdout == second.stdout == "128 EAGAIN True ETOOMANYREFS\n", (first, second)


def test_device_nodes_are_inodes_of_the_run_and_not_the_hosts(pool):
    host_before = os.stat("/dev/null")
    # Stamping the time needs only write permission, which everyone has on /dev/null: on the
    # host's node it was a channel to the host and to every other run.
    code = (
        "import os\nos.utime('/dev/null')\n"
        "print(os.stat('/dev/null').st_ino, os.stat('/dev/urandom').st_ino)\n"
        "open('/dev/null', 'w').write('x')\nprint(len(open('/dev/urandom', 'rb').read(8)))\n"
        "import time\ntime.sleep(0.5)"
    )
    first, second = run_together(pool, [code, code])
    assert first.ok and second.ok, (first, second)
    lines = [r.stdout.splitlines() for r in (first, second)]
    assert all(line[1] == "8" for line in lines), lines
    assert lines[0][0] != lines[1][0]  # other inodes in each run
    after = os.stat("/dev/null")
    assert (after.st_mtime_ns, after.st_ino) == (host_before.st_mtime_ns, host_before.st_ino)


def test_a_uid_is_leased_again_only_after_its_worker_is_gone(pool):
    users = pool._launcher._users
    results = run_together(pool, ["print(1)"] * 6)
    assert all(r.ok for r in results)
    # The pool's thread frees a lease once the worker's last process is gone; it may be
    # holding the remains of a worker at this moment, so wait for it rather than race it.
    deadline = time.monotonic() + 10
    while users._held and time.monotonic() < deadline:
        pool._retry_pending()
        time.sleep(0.01)
    assert not users._held, users._held
