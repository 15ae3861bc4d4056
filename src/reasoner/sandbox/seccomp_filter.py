"""The seccomp filter bubblewrap installs on the sandboxed interpreter (`bwrap --seccomp FD`).

Namespaces and an unprivileged uid take away the host's files, network and privileges; this
filter takes away kernel interfaces that stay reachable from there and that no arithmetic,
SymPy, Z3 or chess program needs: the keyrings (a key quota per uid, and keys shared across
runs), io_uring, bpf, perf events, userfaultfd (kernel-exploit toolkits), ptrace and the other
ways to read a process's memory, module and kexec loading, mounting and namespace changes,
quota-charged notification APIs and message queues, clock and host settings; every socket
but a connected unix pair (network buffers are charged to no cgroup, and asyncio's self-pipe
is the one pair a program needs); file locks and leases (the bound files are the host's own
inodes: a lock on libc would stall host tools); page-cache probing and eviction; O_DIRECT
reads (they bypass the page cache and hit the host's disk); and `sync` and friends, which
become no-ops (everything a program can write is tmpfs, where they do nothing anyway).

Default allow. The action of each rule is chosen so that a program sees what a plain machine
without the feature would say: EPERM for most calls, EAFNOSUPPORT for sockets, ENOLCK for
locks, EINVAL for O_DIRECT, success for the sync family, ENOSYS for clone3 and openat2 (so
glibc falls back to clone and openat, whose flags a filter can read: clone3's and openat2's
live in memory a filter cannot read). The BPF program is built by libseccomp through the
`pyseccomp` binding, never by hand. Other ABIs of the same machine (x32, i386 through
int 0x80) hit libseccomp's bad-arch action, which kills the process. docs/security.md keeps
the same list in prose; tests/test_sandbox_seccomp.py checks each rule from inside.
"""

from __future__ import annotations

import errno
import functools
import os
import tempfile
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from reasoner.errors import SandboxError

DENIED_SYSCALLS: tuple[str, ...] = (
    # keyrings: keys persist beyond the run and are charged to the uid's quota
    "add_key", "keyctl", "request_key",
    # large kernel attack surface, the usual first step of a kernel exploit
    "io_uring_setup", "io_uring_enter", "io_uring_register", "bpf", "perf_event_open",
    "userfaultfd",
    # reading or steering other processes
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    "process_madvise",
    # kernel code
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    # file systems and namespaces
    "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen",
    "fsconfig", "fsmount", "fspick", "mount_setattr", "setns", "unshare",
    "open_by_handle_at", "name_to_handle_at", "quotactl", "quotactl_fd",
    # watches and message queues charged to a per-uid kernel quota
    "inotify_init", "inotify_init1", "fanotify_init",
    "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
    # memory no cgroup limit sees the way it sees the rest
    "memfd_secret",
    # probing and evicting the page cache of files shared with the host
    "fadvise64", "readahead", "mincore",
    # sockets: only a connected unix pair is made (below), and it needs no address
    "bind", "connect", "listen", "accept", "accept4",
    # host settings and devices
    "reboot", "swapon", "swapoff", "syslog", "acct", "settimeofday", "clock_settime",
    "clock_adjtime", "adjtimex", "sethostname", "setdomainname", "iopl", "ioperm",
    "uselib", "vhangup", "lookup_dcookie", "nfsservctl", "move_pages", "migrate_pages",
)  # fmt: skip
#: Flushing to disk is the host's business: these succeed without doing anything.
NO_OP_SYSCALLS: tuple[str, ...] = ("sync", "syncfs", "fsync", "fdatasync", "sync_file_range")
#: Locks on shared inodes (the bound libraries, the stdlib, the device nodes) fail with ENOLCK.
LOCK_SYSCALLS: tuple[str, ...] = ("flock",)
F_GETLK, F_SETLK, F_SETLKW = 5, 6, 7
F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW = 36, 37, 38
F_SETFL = 4
F_SETLEASE, F_NOTIFY, F_SETPIPE_SZ = 1024, 1026, 1031
LOCK_FCNTLS = (F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW)
#: Leases and directory notifications watch host files; bigger pipes are a per-uid quota.
DENIED_FCNTLS = (F_SETLEASE, F_NOTIFY, F_SETPIPE_SZ)
CLONE_NAMESPACE_FLAGS = (
    0x00020000,  # CLONE_NEWNS
    0x02000000,  # CLONE_NEWCGROUP
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x10000000,  # CLONE_NEWUSER
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
)
AF_UNIX, SOCK_STREAM, SOCK_TYPE_MASK = 1, 1, 0xF
# The kernel reads int arguments from the low 32 bits of a register: compare only those, so
# that garbage in the high bits cannot slip a call past a rule.
INT = 0xFFFFFFFF
TIOCSTI, TIOCLINUX = 0x5412, 0x541C  # push input into a terminal; console control


@dataclass(frozen=True)
class Rule:
    """One rule of the filter: a call, the action, and the argument tests that select it."""

    syscall: str
    action: str  # "EPERM", "ENOLCK", "EAFNOSUPPORT", "EINVAL", "ENOSYS" or "OK" (a no-op)
    #: (argument index, mask, value): the rule applies when `arg & mask == value` for each;
    #: a mask of None compares the whole 64-bit argument with `!=` instead.
    when: tuple[tuple[int, int | None, int], ...] = ()


def rules() -> list[Rule]:
    """Every rule of the filter, in the order they are added.

    Returns:
        The rules; a call this architecture lacks is skipped when the filter is built.
    """
    found = [Rule(name, "EPERM") for name in DENIED_SYSCALLS]
    found += [Rule(name, "OK") for name in NO_OP_SYSCALLS]
    found += [Rule(name, "ENOLCK") for name in LOCK_SYSCALLS]
    found.append(Rule("clone3", "ENOSYS"))
    found += [Rule("clone", "EPERM", ((0, f, f),)) for f in CLONE_NAMESPACE_FLAGS]
    found.append(Rule("socket", "EAFNOSUPPORT"))
    found.append(Rule("socketpair", "EAFNOSUPPORT", ((0, None, AF_UNIX),)))
    found += [
        Rule("socketpair", "EAFNOSUPPORT", ((1, SOCK_TYPE_MASK, kind),))
        for kind in range(SOCK_TYPE_MASK + 1)
        if kind != SOCK_STREAM
    ]
    found += [Rule("fcntl", "ENOLCK", ((1, INT, cmd),)) for cmd in LOCK_FCNTLS]
    found += [Rule("fcntl", "EPERM", ((1, INT, cmd),)) for cmd in DENIED_FCNTLS]
    direct = os.O_DIRECT
    found.append(Rule("fcntl", "EINVAL", ((1, INT, F_SETFL), (2, direct, direct))))
    found.append(Rule("open", "EINVAL", ((1, direct, direct),)))
    found.append(Rule("openat", "EINVAL", ((2, direct, direct),)))
    found.append(Rule("openat2", "ENOSYS"))
    found += [Rule("ioctl", "EPERM", ((1, INT, request),)) for request in (TIOCSTI, TIOCLINUX)]
    return found


def listing() -> list[str]:
    """The rules as docs/security.md lists them: one line per call and action.

    Returns:
        Lines such as `fcntl when arg1 in {0x5, 0x6} -> ENOLCK`; calls without argument
        tests share one line per action.
    """
    plain: dict[str, list[str]] = {}
    tested: dict[tuple[str, str, tuple[tuple[int, int | None], ...]], list[int]] = {}
    for rule in rules():
        if not rule.when:
            plain.setdefault(rule.action, []).append(rule.syscall)
        elif len(rule.when) == 1:
            arg, mask, value = rule.when[0]
            tested.setdefault((rule.syscall, rule.action, ((arg, mask),)), []).append(value)
        else:
            tested[(rule.syscall, rule.action, tuple((i, m) for i, m, _ in rule.when))] = [
                v for _, _, v in rule.when
            ]
    lines = [f"{' '.join(names)} -> {_action(action)}" for action, names in plain.items()]
    for (syscall, action, args), values in tested.items():
        if len(args) == 1:
            tests = [_test(*args[0], values)]
        else:
            pairs = zip(args, values, strict=True)
            tests = [_test(arg, mask, [value]) for (arg, mask), value in pairs]
        lines.append(f"{syscall} when {' and '.join(tests)} -> {_action(action)}")
    return lines


def _action(action: str) -> str:
    return "0 (does nothing)" if action == "OK" else action


def _test(arg: int, mask: int | None, values: list[int]) -> str:
    if mask is None:
        return f"arg{arg} != {values[0]:#x}"
    left = f"arg{arg}" if mask == INT else f"arg{arg} & {mask:#x}"
    if len(values) == 1:
        return f"{left} == {values[0]:#x}"
    return f"{left} in {{{', '.join(f'{v:#x}' for v in values)}}}"


def _install_hint() -> str:
    return "pip install pyseccomp (and apt-get install libseccomp2)"


@functools.lru_cache(maxsize=1)
def filter_program() -> bytes:
    """The filter as a BPF program for this machine's architecture (built once per process).

    Returns:
        The bytes bubblewrap expects on its `--seccomp` file descriptor.

    Raises:
        SandboxError: when libseccomp or its binding is missing, naming how to install them.
    """
    try:
        import pyseccomp as seccomp
    except (ImportError, OSError) as exc:  # OSError: the binding found no libseccomp.so.2
        raise SandboxError(f"seccomp unavailable ({exc}): {_install_hint()}") from exc
    built = seccomp.SyscallFilter(seccomp.ALLOW)
    try:
        for rule in rules():
            action = seccomp.ERRNO(0 if rule.action == "OK" else getattr(errno, rule.action))
            args = [
                seccomp.Arg(i, seccomp.NE, value)
                if mask is None
                else seccomp.Arg(i, seccomp.MASKED_EQ, mask, value)
                for i, mask, value in rule.when
            ]
            _add(seccomp, built, action, rule.syscall, *args)
        with tempfile.TemporaryFile() as out:
            built.export_bpf(out)
            out.seek(0)
            return out.read()
    except OSError as exc:
        raise SandboxError(f"cannot build the seccomp filter: {exc}; {_install_hint()}") from exc


def _add(seccomp: ModuleType, built: Any, action: int, name: str, *args: Any) -> None:
    number = seccomp.resolve_syscall(seccomp.Arch.NATIVE, name)
    if number < 0:
        return  # this architecture has no such call (e.g. iopl on arm64): nothing to deny
    built.add_rule(action, number, *args)


def filter_fd() -> int:
    """A fresh pipe holding the filter, for one bubblewrap to read (the caller closes it).

    Returns:
        The read end; bwrap reads it to the end, so each worker needs its own.
    """
    program = filter_program()
    read_end, write_end = os.pipe()
    try:
        # A few KiB: far below the pipe's buffer, so this never blocks.
        os.write(write_end, program)
    finally:
        os.close(write_end)
    return read_end
