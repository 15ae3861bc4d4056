"""The seccomp filter's rules of issue 26, each checked from inside a sandbox.

Sockets (network buffers escape the memory cgroup; protocols in allowed families could make a
distro kernel load modules), locks on inodes shared with the host (a flock on the host's
/dev/null or libc stalled host tools), page-cache probing and eviction, O_DIRECT reads of the
host's disk, `sync`, and the per-uid quotas of message queues and big pipes. Where a call would
succeed without the filter, the test passes arguments under which it would succeed, so the
errno seen is the filter's doing.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from pathlib import Path

import pytest

from reasoner.sandbox import SandboxPool
from reasoner.sandbox.seccomp_filter import listing

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")
DOCS = Path(__file__).resolve().parents[1] / "docs" / "security.md"


@pytest.fixture(scope="module")
def pool():
    with SandboxPool(size=1, isolation="bubblewrap") as p:
        assert p.mode == "bubblewrap"
        yield p


def run_ok(pool: SandboxPool, code: str) -> str:
    result = pool.run(code, timeout=10)
    assert result.ok, result
    return result.stdout


TRY = """
import errno, os
def attempt(call, *args):
    try:
        call(*args)
        return 'ok'
    except OSError as e:
        return errno.errorcode[e.errno]
"""


def test_no_socket_of_any_family_type_or_protocol_can_be_made(pool):
    code = TRY + (
        "import socket\nseen = set()\n"
        "for family in range(46):\n"
        "    for kind in (1, 2, 3, 5):\n"
        "        seen.add(attempt(socket.socket, family, kind))\n"
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "libc.syscall.restype = ctypes.c_long\n"
        "# AF_INET with garbage in the high bits, which the kernel would drop\n"
        "r = libc.syscall(41, ctypes.c_long((1 << 32) | 2), 1, 0)\n"
        "print(sorted(seen), r, errno.errorcode[ctypes.get_errno()])"
    )
    assert run_ok(pool, code) == "['EAFNOSUPPORT'] -1 EAFNOSUPPORT\n"


def test_only_a_unix_stream_pair_is_allowed_and_it_takes_no_address(pool):
    code = TRY + (
        "import socket\n"
        "a, b = socket.socketpair()\na.sendall(b'hi')\nprint(b.recv(2))\n"
        "print(attempt(socket.socketpair, socket.AF_UNIX, socket.SOCK_DGRAM),\n"
        "      attempt(socket.socketpair, socket.AF_UNIX, socket.SOCK_SEQPACKET),\n"
        "      attempt(socket.socketpair, socket.AF_INET, socket.SOCK_STREAM))\n"
        "print(attempt(a.bind, '\\0squat'), attempt(a.connect, '\\0host'), attempt(a.listen))"
    )
    expected = "b'hi'\nEAFNOSUPPORT EAFNOSUPPORT EAFNOSUPPORT\nEPERM EPERM EPERM\n"
    assert run_ok(pool, code) == expected


def test_asyncio_and_multiprocessing_still_run(pool):
    code = (
        "import asyncio, multiprocessing\n"
        "async def five():\n    await asyncio.sleep(0)\n    return 5\n"
        "print(asyncio.run(five()))\n"
        "with multiprocessing.Pool(2) as p:\n    print(p.map(abs, [-1, -2]))"
    )
    assert run_ok(pool, code) == "5\n[1, 2]\n"


def test_locks_on_shared_inodes_are_refused_and_the_host_is_not_stalled(pool):
    code = TRY + (
        "import fcntl, struct\n"
        "libc = [l.split()[-1] for l in open('/proc/self/maps') if 'libc.so' in l][0]\n"
        "out = {}\n"
        "for path in ('/dev/null', '/dev/urandom', libc, os.__file__):\n"
        "    fd = os.open(path, os.O_RDONLY)\n"
        "    lock = struct.pack('hhqqi', fcntl.F_RDLCK, 0, 0, 0, 0)\n"
        "    out[path == libc and 'libc' or path] = [\n"
        "        attempt(fcntl.flock, fd, fcntl.LOCK_EX | fcntl.LOCK_NB),\n"
        "        attempt(fcntl.fcntl, fd, fcntl.F_SETLK, lock),\n"
        "        attempt(fcntl.fcntl, fd, fcntl.F_SETLKW, lock),\n"
        "        attempt(fcntl.fcntl, fd, fcntl.F_GETLK, lock),\n"
        "        attempt(fcntl.fcntl, fd, 37, lock),  # F_OFD_SETLK\n"
        "        attempt(fcntl.fcntl, fd, 1024, fcntl.F_RDLCK),  # F_SETLEASE\n"
        "    ]\n"
        "print(out)\nimport time\ntime.sleep(0.5)"
    )
    result = pool.run(code, timeout=10)
    assert result.ok, result
    refused = ["ENOLCK"] * 5 + ["EPERM"]
    expected = {"/dev/null": refused, "/dev/urandom": refused, "libc": refused}
    expected[os.path.join(os.path.dirname(os.__file__), "os.py")] = refused
    assert eval(result.stdout) == expected  # a dict printed by the program above
    # The host takes an exclusive lock on its own /dev/null at once.
    with open("/dev/null") as devnull:
        fcntl.flock(devnull, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_directory_watches_and_big_pipes_are_refused(pool):
    code = TRY + (
        "import fcntl\nr, w = os.pipe()\nd = os.open('/tmp', os.O_RDONLY)\n"
        "print(attempt(fcntl.fcntl, d, 1026, 0x80000001),  # F_NOTIFY\n"
        "      attempt(fcntl.fcntl, r, 1031, 1 << 20),  # F_SETPIPE_SZ\n"
        "      fcntl.fcntl(r, 1032))  # F_GETPIPE_SZ: the default 64 KiB"
    )
    assert run_ok(pool, code) == "EPERM EPERM 65536\n"


def test_o_direct_reads_are_refused(pool):
    code = TRY + (
        "import ctypes, fcntl\n"
        "libc = [l.split()[-1] for l in open('/proc/self/maps') if 'libc.so' in l][0]\n"
        "print(attempt(os.open, libc, os.O_RDONLY | os.O_DIRECT))\n"
        "fd = os.open(libc, os.O_RDONLY)\n"
        "flags = fcntl.fcntl(fd, fcntl.F_GETFL)\n"
        "print(attempt(fcntl.fcntl, fd, fcntl.F_SETFL, flags | os.O_DIRECT),\n"
        "      attempt(fcntl.fcntl, fd, fcntl.F_SETFL, flags | os.O_NONBLOCK))\n"
        "cl = ctypes.CDLL(None, use_errno=True)\ncl.syscall.restype = ctypes.c_long\n"
        "print(cl.syscall(437, -100, libc.encode(), 0, 0), errno.errorcode[ctypes.get_errno()])"
    )
    assert run_ok(pool, code) == "EINVAL\nEINVAL ok\n-1 ENOSYS\n"


def test_sync_calls_succeed_without_doing_anything(pool):
    # fsync(-1) and syncfs(-1) would fail with EBADF: a 0 is the filter answering.
    code = (
        "import ctypes, errno\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "print([libc.syscall(nr, -1, 0, 0, 0) for nr in (162, 306, 74, 75, 277)])"
    )
    assert run_ok(pool, code) == "[0, 0, 0, 0, 0]\n"


def test_page_cache_probes_and_queues_are_refused(pool):
    code = TRY + (
        "import ctypes\n"
        "libc_path = [l.split()[-1] for l in open('/proc/self/maps') if 'libc.so' in l][0]\n"
        "fd = os.open(libc_path, os.O_RDONLY)\n"
        "cl = ctypes.CDLL(None, use_errno=True)\ncl.syscall.restype = ctypes.c_long\n"
        "vec = ctypes.create_string_buffer(1)\npage = ctypes.c_void_p(cl.sbrk(0) & ~4095)\n"
        "out = [attempt(os.posix_fadvise, fd, 0, 0, os.POSIX_FADV_DONTNEED)]\n"
        "# readahead, mincore, memfd_secret, mq_open (O_CREAT)\n"
        "for nr, args in ((187, (fd, 0, 4096)), (27, (page, 4096, vec)), (447, (0,)),\n"
        "                 (240, (b'/q', 0o100, 0o600, 0))):\n"
        "    r = cl.syscall(nr, *args)\n"
        "    out.append(errno.errorcode[ctypes.get_errno()] if r == -1 else 'ok')\n"
        "print(out)"
    )
    assert run_ok(pool, code) == "['EPERM', 'EPERM', 'EPERM', 'EPERM', 'EPERM']\n"


def test_docs_list_every_rule_of_the_filter():
    text = DOCS.read_text()
    listed = re.findall(r"^- `([^`]+)`$", text, flags=re.MULTILINE)
    assert listed == listing()
