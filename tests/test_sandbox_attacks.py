"""The attacks of issue 12, each against a harness that runs as root (as CI does).

One test per attack, each asserting the precise outcome: what the program sees (errno,
exit signal, bytes written), what the result says, and that the host is unchanged.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from reasoner.sandbox import SandboxPool
from reasoner.sandbox.layout import discover
from reasoner.sandbox.seccomp_filter import DENIED_SYSCALLS

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")
MiB = 1024 * 1024
AS_ROOT = os.geteuid() == 0


@pytest.fixture(scope="module")
def pool():
    with SandboxPool(size=1, isolation="bubblewrap") as p:
        assert p.mode == "bubblewrap"
        yield p


@pytest.fixture(scope="module")
def cold_pool():
    """No warm workers: the only worker cgroup during a run is that run's."""
    with SandboxPool(size=0, isolation="bubblewrap") as p:
        assert p.mode == "bubblewrap"
        yield p


def syscall_numbers(names: tuple[str, ...]) -> dict[str, int]:
    import pyseccomp

    numbers = {n: pyseccomp.resolve_syscall(pyseccomp.Arch.NATIVE, n) for n in names}
    return {n: nr for n, nr in numbers.items() if nr >= 0}


CALL_EACH = """
import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
out = {}
for name, (nr, *args) in CALLS.items():
    ctypes.set_errno(0)
    r = libc.syscall(nr, *[ctypes.c_long(a) for a in args])
    out[name] = errno.errorcode.get(ctypes.get_errno(), "?") if r == -1 else "allowed"
print(out)
"""


async def _during(pool: SandboxPool, code: str, look, **kwargs):
    """Run `code` and, while it runs, call look(the run's cgroup folders) from the host every
    0.1 s until it returns something (a cold spawn may take seconds on a busy machine)."""
    task = asyncio.ensure_future(pool.arun(code, **kwargs))
    assert pool._cgroups is not None
    seen = None
    while seen is None and not task.done():
        await asyncio.sleep(0.1)
        paths = [p for root in pool._cgroups.roots for p in root.glob("w*")]
        seen = look(paths)
    return await task, seen


# --- 1. /proc/sys and other kernel knobs ---------------------------------------------------
KNOBS = [
    "kernel/core_pattern",
    "kernel/panic",
    "vm/drop_caches",
    "vm/overcommit_memory",
    "fs/lease-break-time",
]


def test_proc_sys_is_not_writable_and_the_host_keeps_its_settings(pool):
    before = {k: Path("/proc/sys", k).read_text() for k in KNOBS if k != "vm/drop_caches"}
    code = (
        "import os, errno\nout = {}\n"
        "for knob in KNOBS:\n"
        "    try:\n"
        "        fd = os.open('/proc/sys/' + knob, os.O_WRONLY)\n"
        "        os.write(fd, b'1')\n"
        "        out[knob] = 'written'\n"
        "    except OSError as e:\n"
        "        out[knob] = errno.errorcode[e.errno]\n"
        "print(out)"
    )
    result = pool.run(code, inputs={"KNOBS": KNOBS})
    assert result.ok, result
    assert result.stdout == repr({k: "EACCES" for k in KNOBS}) + "\n"
    assert {k: Path("/proc/sys", k).read_text() for k in before} == before


def test_nothing_under_proc_sys_opens_for_writing(pool):
    code = (
        "import os\nopened = []\n"
        "for folder, _dirs, files in os.walk('/proc/sys'):\n"
        "    for f in files:\n"
        "        path = os.path.join(folder, f)\n"
        "        try:\n"
        "            os.close(os.open(path, os.O_WRONLY))\n"
        "            opened.append(path)\n"
        "        except OSError:\n"
        "            pass\n"
        "print(len(opened), opened[:5])"
    )
    result = pool.run(code, timeout=20)
    assert result.stdout == "0 []\n", result


def test_only_the_capped_tmpfs_and_device_nodes_are_mounted_writable(pool):
    code = (
        "rw = []\n"
        "for line in open('/proc/self/mountinfo'):\n"
        "    f = line.split()\n"
        "    if 'rw' in f[5].split(','):\n"
        "        rw.append(f[4])\n"
        "print(sorted(rw))"
    )
    devices = [f"/dev/{d}" for d in ("full", "null", "random", "urandom", "zero")]
    assert pool.run(code).stdout == repr(sorted([*devices, "/dev/shm", "/tmp"])) + "\n"


def test_the_program_sees_no_root_mapping_and_holds_no_capability(pool):
    code = (
        "maps = [open(f'/proc/self/{m}').read().split() for m in ('uid_map', 'gid_map')]\n"
        "status = dict(l.split(':', 1) for l in open('/proc/self/status'))\n"
        "caps = [status[k].strip() for k in ('CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb')]\n"
        "print(maps, set(caps), status['NoNewPrivs'].strip(), status['Seccomp'].strip())"
    )
    result = pool.run(code)
    # Inside, the parent of its namespace is bwrap's intermediate one (--disable-userns), where
    # it is 65534 too; the host's view is checked below.
    expected = [["65534", "65534", "1"], ["65534", "65534", "1"]]
    assert result.stdout == f"{expected} {{'0000000000000000'}} 1 2\n", result


@pytest.mark.skipif(not AS_ROOT, reason="the harness is not root here")
def test_every_process_of_the_run_is_the_host_user_with_no_capability(cold_pool):
    users = cold_pool._launcher._users
    assert users is not None and all(u.uid != 0 and u.gid != 0 for u in users.users)
    pairs = {(u.uid, u.gid) for u in users.users}

    def look(paths):
        found = {}
        for path in paths:
            for pid in (path / "cgroup.procs").read_text().split():
                proc = Path(f"/proc/{pid}")
                lines = (proc / "status").read_text().splitlines()
                status = dict(line.split(":", 1) for line in lines)
                ids = status["Uid"].split() + status["Gid"].split()
                maps = [(proc / m).read_text().split() for m in ("uid_map", "gid_map")]
                found[pid] = (set(ids), status["CapEff"].strip(), status["CapPrm"].strip(), maps)
        return found if len(found) >= 3 else None  # bwrap, the namespace's init, python

    result, seen = asyncio.run(_during(cold_pool, "import time\ntime.sleep(3)", look))
    assert result.ok, result
    assert seen is not None
    procs, no_caps = list(seen.values()), "0000000000000000"
    id_sets = {frozenset(p[0]) for p in procs}
    assert len(id_sets) == 1, seen  # one uid and gid (real, effective, saved) for the run
    run_ids = {int(i) for i in next(iter(id_sets))}
    uid, gid = next((u, g) for u, g in pairs if {u, g} == run_ids)
    assert all(p[1:3] == (no_caps, no_caps) for p in procs), seen
    # bwrap itself is in the host's namespace (identity map); the sandbox maps 65534 to the user.
    inside = [p[3] for p in procs if p[3][0] != ["0", "0", "4294967295"]]
    assert inside and all(
        m == [["65534", str(uid), "1"], ["65534", str(gid), "1"]] for m in inside
    ), seen


# --- 2. keyrings, and 3. kernel quotas: the seccomp filter ---------------------------------
def test_keyring_calls_are_refused_and_leave_no_key_on_the_host(pool):
    numbers = syscall_numbers(("add_key", "keyctl", "request_key"))
    calls = {  # KEY_SPEC_USER_KEYRING = -4; the strings are never read: the call is refused
        "add_key": [numbers["add_key"], 0, 0, 0, 0, -4],
        "keyctl": [numbers["keyctl"], 0, -4, 0],
        "request_key": [numbers["request_key"], 0, 0, 0, 0],
    }
    first = pool.run(CALL_EACH, inputs={"CALLS": calls})
    second = pool.run(CALL_EACH, inputs={"CALLS": calls})
    expected = repr({name: "EPERM" for name in calls}) + "\n"
    assert first.stdout == expected and second.stdout == expected, (first, second)


def test_every_denied_syscall_fails_with_eperm(pool):
    numbers = syscall_numbers(DENIED_SYSCALLS)
    # Zero arguments: unshare(0), ptrace(TRACEME), inotify_init1(0), keyctl(GET_KEYRING_ID)
    # would succeed without the filter, so EPERM here is the filter's doing.
    calls = {name: [nr, 0, 0, 0, 0, 0] for name, nr in numbers.items()}
    result = pool.run(CALL_EACH, inputs={"CALLS": calls}, timeout=10)
    assert result.ok, result
    assert result.stdout == repr({name: "EPERM" for name in calls}) + "\n"


def test_namespace_clones_fail_and_clone3_says_enosys(pool):
    numbers = syscall_numbers(("clone", "clone3"))
    calls = {
        "clone_newuser": [numbers["clone"], 0x10000000 | 17, 0, 0, 0, 0],
        "clone_newnet": [numbers["clone"], 0x40000000 | 17, 0, 0, 0, 0],
        "clone3": [numbers["clone3"], 0, 0],
    }
    result = pool.run(CALL_EACH, inputs={"CALLS": calls})
    expected = {"clone_newuser": "EPERM", "clone_newnet": "EPERM", "clone3": "ENOSYS"}
    assert result.stdout == repr(expected) + "\n", result


def test_threads_and_processes_still_work_under_the_filter(pool):
    code = (
        "import threading, os\nt = threading.Thread(target=print, args=('thread',))\n"
        "t.start(); t.join()\npid = os.fork()\nif pid == 0:\n    os._exit(7)\n"
        "print(os.waitpid(pid, 0)[1] >> 8)"
    )
    assert pool.run(code).stdout == "thread\n7\n"


def test_sockets_of_every_family_are_refused(pool):
    code = (
        "import socket, errno\nout = []\n"
        "for family in (40, 17, 4, 9, 1, 2, 10, 16):  # VSOCK PACKET IPX X25 UNIX INET INET6 NETLINK\n"
        "    try:\n        socket.socket(family, socket.SOCK_STREAM)\n        out.append('open')\n"
        "    except OSError as e:\n        out.append(errno.errorcode[e.errno])\n"
        "print(set(out))"
    )
    assert pool.run(code).stdout == "{'EAFNOSUPPORT'}\n"


def test_a_syscall_of_another_abi_kills_the_program(pool):
    code = (
        "import ctypes\nlibc = ctypes.CDLL(None)\n"
        "libc.syscall(0x40000000 | 39)  # x32 getpid\nprint('survived')"
    )
    result = pool.run(code)
    assert result.reason == "killed" and result.error == "killed by SIGSYS", result


# --- 4. writable places: capped and counted ------------------------------------------------
def test_dev_is_read_only_and_dev_shm_holds_at_most_its_cap(pool):
    code = (
        "import errno\n"
        "try:\n    open('/dev/evil', 'w')\nexcept OSError as e:\n    print(errno.errorcode[e.errno])\n"
        "written = 0\nchunk = b'x' * (1 << 20)\n"
        "try:\n"
        "    with open('/dev/shm/big', 'wb', buffering=0) as f:\n"
        "        for _ in range(512):\n            written += f.write(chunk)\n"
        "except OSError as e:\n    print(errno.errorcode[e.errno], written >> 20)"
    )
    result = pool.run(code)
    assert result.stdout == "EROFS\nENOSPC 8\n", result


def test_tmp_holds_at_most_64_mib_over_many_files(pool):
    code = (
        "import errno\nwritten = 0\nchunk = b'x' * (1 << 20)\n"
        "try:\n"
        "    for i in range(40):\n"
        "        with open(f'f{i}', 'wb', buffering=0) as f:\n"
        "            for _ in range(15):\n                written += f.write(chunk)\n"
        "except OSError as e:\n    print(errno.errorcode[e.errno], written >> 20)"
    )
    result = pool.run(code)
    assert result.stdout == "ENOSPC 64\n", result


def test_the_masked_site_packages_folder_takes_no_writes(pool):
    site = next(iter(discover().masked_dirs), None)
    if site is None:
        pytest.skip("this interpreter has no site-packages inside its stdlib")
    code = (
        "import errno\ntry:\n    open(SITE + '/evil.py', 'w')\n"
        "except OSError as e:\n    print(errno.errorcode[e.errno])"
    )
    result = pool.run(code, inputs={"SITE": site})
    # Root harness: the mirror leaves the folder out, under a read-only parent.
    assert result.stdout == ("ENOENT\n" if AS_ROOT else "EROFS\n"), result


def test_the_tree_memory_cap_counts_tmpfs_pages(cold_pool):
    if cold_pool._cgroups is None or "memory" not in cold_pool._cgroups.controllers:
        pytest.skip("no memory cgroup here")
    # Four files: one file is capped at 16 MiB by RLIMIT_FSIZE.
    code = "for i in range(4):\n    open(f'/tmp/f{i}', 'wb').write(b'x' * (15 << 20))\n"
    code += "import time\ntime.sleep(3)"

    def look(paths):
        for path in paths:
            for name in ("memory.usage_in_bytes", "memory.current"):
                if (path / name).exists():
                    usage = int((path / name).read_text())
                    limit = "memory.limit_in_bytes" if "usage" in name else "memory.max"
                    return (usage, int((path / limit).read_text())) if usage > 60 * MiB else None
        return None

    result, seen = asyncio.run(_during(cold_pool, code, look, memory_mb=256))
    assert result.ok, result
    assert seen is not None, "the 60 MiB in /tmp never showed in the cgroup's usage"
    usage, limit = seen
    assert limit == (256 + 64 + 8 + 32) * MiB  # memory_mb + /tmp + /dev/shm + slack
    assert usage > 60 * MiB


def test_forked_children_cannot_together_exceed_the_tree_cap(cold_pool):
    if cold_pool._cgroups is None or "memory" not in cold_pool._cgroups.controllers:
        pytest.skip("no memory cgroup here")
    code = (
        "import os, time\nkids = []\n"
        "for _ in range(6):\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        x = bytearray(120 << 20)\n        time.sleep(2)\n        os._exit(0)\n"
        "    kids.append(pid)\n"
        "print(sorted(os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) for p in kids))"
    )
    # Each child alone fits in memory_mb (RLIMIT_AS is per process); six do not fit the tree.
    result = cold_pool.run(code, memory_mb=256, timeout=20)
    assert result.ok, result
    codes = eval(result.stdout)  # a list of ints printed by the program above
    assert set(codes) <= {0, -9} and codes.count(-9) >= 4, codes


def test_anonymous_memory_files_end_at_the_tree_cap(cold_pool):
    if cold_pool._cgroups is None or "memory" not in cold_pool._cgroups.controllers:
        pytest.skip("no memory cgroup here")
    # memfd pages need no address space (RLIMIT_AS) and no tmpfs mount: only the cgroup sees
    # them. Sixty files of 15 MiB (each under RLIMIT_FSIZE) would hold 900 MiB.
    code = (
        "import os\nfds = []\nfor i in range(60):\n"
        "    fd = os.memfd_create('x')\n    os.write(fd, b'x' * (15 << 20))\n    fds.append(fd)\n"
        "print('held', len(fds))"
    )
    result = cold_pool.run(code, timeout=30)
    assert result.reason == "memory", result
    assert result.error == "memory limit of the program's processes and files (616 MiB) exceeded"


# --- 5. and 6. the status channel ----------------------------------------------------------
STATUS_FD = "import sys\nfd = int([a for a in sys.argv if a.startswith('--status-fd=')][0][12:])\n"


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        ("'[' * 5000 + '\\n'", "not a JSON object"),
        ("'{\"a\": ' + '[' * 5000 + '}\\n'", "not JSON (RecursionError)"),
        ('\'{"kind": "done", "exit_code": 0, "x": 1}\\n\'', "unexpected fields"),
        ('\'{"kind": "done", "exit_code": \' + str(10**40) + \'}\\n\'', "bad exit code"),
        ("'x' * 70000", "more than 65536 bytes"),
    ],
)
def test_garbage_on_the_status_channel_is_a_failed_result(pool, payload, why):
    code = STATUS_FD + f"import os\nos.write(fd, ({payload}).encode())\nprint('after')"
    result = pool.run(code)
    assert not result.ok and result.reason == "killed", result
    assert result.error == f"the program wrote to the sandbox's status channel ({why})"


def test_module_api_never_raises_for_a_nested_status(pool):
    from reasoner.sandbox import run_program

    result = run_program(STATUS_FD + "import os\nos.write(fd, b'[' * 5000 + b'\\n')")
    assert result.reason == "killed"


def test_a_slow_status_writer_costs_the_harness_almost_no_cpu(cold_pool):
    code = STATUS_FD + (
        "import os, time\nend = time.monotonic() + 2\n"
        "while time.monotonic() < end:\n    os.write(fd, b'x')\n    time.sleep(0.0005)"
    )
    cpu = time.process_time()
    result = cold_pool.run(code, timeout=10)
    used = time.process_time() - cpu
    # The worker's own status line lands on the same unfinished line: malformed, not parsed
    # thousands of times (that cost 2.9 s of harness CPU per 5 s run before).
    assert result.error == "the program wrote to the sandbox's status channel (not a JSON object)"
    assert used < 0.5, used


def test_pal_and_vote_keep_the_good_samples_when_one_program_attacks_the_channel():
    from reasoner import solve
    from reasoner.models.scripted import ScriptedModel
    from reasoner.sandbox import arun_program

    hostile = STATUS_FD + "import os\nos.write(fd, b'[' * 5000 + b'\\n')"
    replies = ["```python\nprint(2 + 3)\n```", f"```python\n{hostile}\n```"] * 2
    answer = solve(
        "What is 2 + 3?", "pal >> vote(n=3)", ScriptedModel(replies), run_program=arun_program
    )
    assert answer.value == "5"
    errors = [a.error for a in answer.attempts]
    assert len(errors) == 3 and errors.count(None) == 2
    assert any("status channel" in (e or "") for e in errors), errors


def test_pal_keeps_the_good_samples_when_the_runner_itself_raises():
    from reasoner import solve
    from reasoner.models.scripted import ScriptedModel
    from reasoner.sandbox import arun_program

    async def flaky(code, **kwargs):
        if "boom" in code:
            raise RuntimeError("runner broke")
        return await arun_program(code, **kwargs)

    replies = ["```python\nprint(5)\n```", "```python\nprint('boom')\n```"]
    answer = solve("What is 2 + 3?", "pal >> vote(n=3)", ScriptedModel(replies), run_program=flaky)
    assert answer.value == "5"
    assert [
        "sandbox failed: RuntimeError: runner broke" in (a.error or "") for a in answer.attempts
    ] == [
        False,
        True,
        False,
    ]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
