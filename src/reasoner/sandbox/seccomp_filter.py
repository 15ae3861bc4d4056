"""The seccomp filter bubblewrap installs on the sandboxed interpreter (`bwrap --seccomp FD`).

Namespaces and an unprivileged uid take away the host's files, network and privileges; this
filter takes away kernel interfaces that stay reachable from there and that no arithmetic,
SymPy, Z3 or chess program needs: the keyrings (a key quota per uid, and keys shared across
runs), io_uring, bpf, perf events, userfaultfd (kernel-exploit toolkits), ptrace and the other
ways to read a process's memory, module and kexec loading, mounting and namespace changes,
quota-charged notification APIs, clock and host settings, and sockets other than unix, IP and
netlink (AF_VSOCK would reach the hypervisor; namespaces do not cover it).

Default allow, listed calls fail with EPERM (clone3 with ENOSYS, so glibc falls back to clone,
whose namespace flags are checked here: clone3's flags live in memory a filter cannot read).
The BPF program is built by libseccomp through the `pyseccomp` binding, never by hand.
Other ABIs of the same machine (x32, i386 through int 0x80) hit libseccomp's bad-arch action,
which kills the process.
"""

from __future__ import annotations

import errno
import functools
import os
import tempfile
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
    # watches charged to a per-uid kernel quota
    "inotify_init", "inotify_init1", "fanotify_init",
    # host settings and devices
    "reboot", "swapon", "swapoff", "syslog", "acct", "settimeofday", "clock_settime",
    "clock_adjtime", "adjtimex", "sethostname", "setdomainname", "iopl", "ioperm",
    "uselib", "vhangup", "lookup_dcookie", "nfsservctl", "move_pages", "migrate_pages",
)  # fmt: skip
CLONE_NAMESPACE_FLAGS = (
    0x00020000,  # CLONE_NEWNS
    0x02000000,  # CLONE_NEWCGROUP
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x10000000,  # CLONE_NEWUSER
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
)
ALLOWED_SOCKET_FAMILIES = (1, 2, 10, 16)  # AF_UNIX, AF_INET, AF_INET6, AF_NETLINK
MAX_SOCKET_FAMILY = 64
TIOCSTI, TIOCLINUX = 0x5412, 0x541C  # push input into a terminal; console control


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
    deny = seccomp.ERRNO(errno.EPERM)
    rules = seccomp.SyscallFilter(seccomp.ALLOW)
    try:
        for name in DENIED_SYSCALLS:
            _add(seccomp, rules, deny, name)
        _add(seccomp, rules, seccomp.ERRNO(errno.ENOSYS), "clone3")
        for flag in CLONE_NAMESPACE_FLAGS:
            _add(seccomp, rules, deny, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
        no_family = seccomp.ERRNO(errno.EAFNOSUPPORT)
        for family in range(MAX_SOCKET_FAMILY):
            if family not in ALLOWED_SOCKET_FAMILIES:
                _add(seccomp, rules, no_family, "socket", seccomp.Arg(0, seccomp.EQ, family))
        _add(seccomp, rules, no_family, "socket", seccomp.Arg(0, seccomp.GE, MAX_SOCKET_FAMILY))
        for request in (TIOCSTI, TIOCLINUX):
            _add(
                seccomp,
                rules,
                deny,
                "ioctl",
                seccomp.Arg(1, seccomp.MASKED_EQ, 0xFFFFFFFF, request),
            )
        with tempfile.TemporaryFile() as out:
            rules.export_bpf(out)
            out.seek(0)
            return out.read()
    except OSError as exc:
        raise SandboxError(f"cannot build the seccomp filter: {exc}; {_install_hint()}") from exc


def _add(seccomp: ModuleType, rules: Any, action: int, name: str, *args: Any) -> None:
    number = seccomp.resolve_syscall(seccomp.Arch.NATIVE, name)
    if number < 0:
        return  # this architecture has no such call (e.g. iopl on arm64): nothing to deny
    rules.add_rule(action, number, *args)


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
