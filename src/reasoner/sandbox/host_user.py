"""The unprivileged host users that bubblewrap runs as when the harness is root: one per run.

bubblewrap maps the sandbox's uid to the uid that starts it. Started by root, the program
would be host root inside a user namespace: its writes to root-owned kernel files (/proc/sys),
its keys (the `_uid.0` keyring) and its kernel quotas are host root's. So a root harness starts
bubblewrap through `setpriv` as an unprivileged user instead: after it joined the worker's
cgroups (which needs root), the trampoline drops to that user and execs bwrap, so nothing in
the sandbox ever holds host uid 0 or a capability outside its own namespaces.

Per-user kernel quotas (POSIX message queue bytes, queued signals, pipe buffer pages, file
descriptors in flight over unix sockets, processes) are counted by host uid, so two runs under
one uid could starve each other or pass signals through them. Each live worker therefore holds
a uid of its own, leased from a range as systemd's DynamicUser does: the subordinate uids and
gids of the system user `reasoner-sandbox` in /etc/subuid and /etc/subgid (scripts/setup.sh
allocates 256). A lease is an exclusive `flock` on `<cache>/uids/<uid>`, so harnesses running
side by side never share a uid, and the kernel drops the lock when a harness dies. The pool
returns a uid only once every process of its worker is gone.

Without that range every run shares one user (a warning says so): `REASONER_SANDBOX_USER`
(a name or `uid[:gid]`), else `reasoner-sandbox`, else `nobody` (65534). No uid needs a home,
a shell or a passwd entry: it only has to be a number nothing else runs as.
"""

from __future__ import annotations

import fcntl
import functools
import os
import pwd
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from reasoner.errors import SandboxError

DEDICATED_USER = "reasoner-sandbox"
NOBODY = 65534
SUBUID, SUBGID = Path("/etc/subuid"), Path("/etc/subgid")


@dataclass(frozen=True)
class HostUser:
    """A host uid/gid pair that is not root."""

    uid: int
    gid: int
    name: str

    def drop_command(self) -> list[str]:
        """The argv prefix that becomes this user (no supplementary groups) before exec.

        Returns:
            `setpriv ... --` (util-linux); the caller appends the command.

        Raises:
            SandboxError: when setpriv is not installed.
        """
        setpriv = _setpriv()
        if setpriv is None:
            raise SandboxError(
                "cannot find `setpriv` to start bubblewrap as an unprivileged user: "
                "apt-get install util-linux"
            )
        ids = [f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups"]
        return [setpriv, *ids, "--inh-caps=-all", "--"]


class Lease:
    """One worker's hold on a host user; `release` once its processes are all gone."""

    def __init__(self, users: HostUsers, user: HostUser, lock_fd: int | None) -> None:
        self.users = users
        self.user = user
        self._lock_fd = lock_fd

    def release(self) -> None:
        """Give the uid back (idempotent)."""
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            self.users._give_back(self.user.uid, fd)


class HostUsers:
    """Where each worker's host user comes from: a range leased a uid at a time, or one user.

    Args:
        users: the users to lease, in order (gid beside each uid).
        lock_dir: where the lock files live; None shares the single user without locking.
    """

    def __init__(self, users: list[HostUser], lock_dir: Path | None) -> None:
        if not users or any(u.uid == 0 or u.gid == 0 for u in users):
            bad = next((u for u in users if u.uid == 0 or u.gid == 0), None)
            raise SandboxError(
                f"sandbox host user {bad.name if bad else '?'!r} is root: set "
                "REASONER_SANDBOX_USER to an unprivileged user"
            )
        self.users = users
        self.lock_dir = lock_dir
        self._mutex = threading.Lock()
        self._held: set[int] = set()
        self._cursor = 0

    @property
    def shared(self) -> bool:
        """Whether every run gets the same user (no range was set up)."""
        return self.lock_dir is None

    def lease(self, timeout: float = 30.0) -> Lease:
        """A user no other live worker holds, waiting up to `timeout` for one to come free.

        Returns:
            The lease; its `user` is who bubblewrap runs as.

        Raises:
            SandboxError: every uid of the range stayed in use until the timeout.
        """
        if self.lock_dir is None:
            return Lease(self, self.users[0], None)
        deadline = time.monotonic() + timeout
        while True:
            with self._mutex:
                for _ in range(len(self.users)):
                    user = self.users[self._cursor]
                    self._cursor = (self._cursor + 1) % len(self.users)
                    if user.uid in self._held:
                        continue
                    fd = self._try_lock(user.uid)
                    if fd is not None:
                        self._held.add(user.uid)
                        return Lease(self, user, fd)
            if time.monotonic() > deadline:
                raise SandboxError(
                    f"all {len(self.users)} sandbox uids are in use (by this and other "
                    "harnesses): run fewer programs at once, or give reasoner-sandbox a larger "
                    "range in /etc/subuid and /etc/subgid"
                )
            time.sleep(0.01)

    def _try_lock(self, uid: int) -> int | None:
        assert self.lock_dir is not None
        fd = os.open(self.lock_dir / str(uid), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        return fd

    def _give_back(self, uid: int, fd: int) -> None:
        os.close(fd)  # drops the flock
        with self._mutex:
            self._held.discard(uid)


@functools.lru_cache(maxsize=1)
def _setpriv() -> str | None:
    return shutil.which("setpriv", path=os.defpath + ":/usr/sbin:/sbin")


def _parse(spec: str) -> HostUser:
    uid_text, _, gid_text = spec.partition(":")
    if uid_text.isdigit():
        uid = int(uid_text)
        gid = int(gid_text) if gid_text.isdigit() else uid
        return HostUser(uid, gid, spec)
    try:
        entry = pwd.getpwnam(spec)
    except KeyError:
        raise SandboxError(
            f"REASONER_SANDBOX_USER={spec!r}: no such user; give a user name or uid[:gid]"
        ) from None
    return HostUser(entry.pw_uid, entry.pw_gid, spec)


def subordinate_range(path: Path, name: str, uid: int) -> range | None:
    """The first subordinate id range of a user in /etc/subuid or /etc/subgid.

    Args:
        path: the file; name, uid: the owner, as either may be written there.

    Returns:
        The range, or None when the user has none (or the file is missing).
    """
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        owner, _, rest = line.strip().partition(":")
        start, _, count = rest.partition(":")
        if owner in (name, str(uid)) and start.isdigit() and count.isdigit() and int(count):
            return range(int(start), int(start) + int(count))
    return None


def sandbox_host_users(lock_dir: Path) -> HostUsers | None:
    """The host users bubblewrap runs as, or None when the harness is not root.

    A harness that is not root starts bwrap as itself: its own uid is already unprivileged,
    and it cannot switch to another (every run then shares it; see docs/security.md).

    Args:
        lock_dir: a root-owned folder for the lease locks (used with a range only).

    Returns:
        A range of users when `reasoner-sandbox` has subordinate ids, else one shared user.

    Raises:
        SandboxError: when the configured user does not exist or is root.
    """
    if os.geteuid() != 0:
        return None
    spec = os.environ.get("REASONER_SANDBOX_USER", "").strip()
    if spec:
        return HostUsers([_parse(spec)], None)
    try:
        entry = pwd.getpwnam(DEDICATED_USER)
    except KeyError:
        return HostUsers([HostUser(NOBODY, NOBODY, "nobody")], None)
    uids = subordinate_range(SUBUID, DEDICATED_USER, entry.pw_uid)
    gids = subordinate_range(SUBGID, DEDICATED_USER, entry.pw_uid)
    if uids is None:
        return HostUsers([HostUser(entry.pw_uid, entry.pw_gid, DEDICATED_USER)], None)
    users = [
        HostUser(uid, gids[i] if gids is not None and i < len(gids) else entry.pw_gid, str(uid))
        for i, uid in enumerate(uids)
    ]
    return HostUsers(users, lock_dir)
