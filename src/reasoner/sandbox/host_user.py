"""The unprivileged host user that bubblewrap runs as when the harness is root.

bubblewrap maps the sandbox's uid to the uid that starts it. Started by root, the program
would be host root inside a user namespace: its writes to root-owned kernel files (/proc/sys),
its keys (the `_uid.0` keyring) and its kernel quotas are host root's. So a root harness starts
bubblewrap through `setpriv` as a dedicated unprivileged user instead: after it joined the
worker's cgroups (which needs root), the trampoline drops to that user and execs bwrap, so
nothing in the sandbox ever holds host uid 0 or a capability outside its own namespaces.

The user is `REASONER_SANDBOX_USER` (a name, or `uid[:gid]`), else the system user
`reasoner-sandbox` (scripts/setup.sh creates it), else `nobody` (65534). It needs no home,
no shell and no files: it only has to exist as a number.
"""

from __future__ import annotations

import os
import pwd
import shutil
from dataclasses import dataclass

from reasoner.errors import SandboxError

DEDICATED_USER = "reasoner-sandbox"
NOBODY = 65534


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
        setpriv = shutil.which("setpriv", path=os.defpath + ":/usr/sbin:/sbin")
        if setpriv is None:
            raise SandboxError(
                "cannot find `setpriv` to start bubblewrap as an unprivileged user: "
                "apt-get install util-linux"
            )
        ids = [f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups"]
        return [setpriv, *ids, "--inh-caps=-all", "--"]


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


def sandbox_host_user() -> HostUser | None:
    """The host user bubblewrap runs as, or None when the harness is not root.

    A harness that is not root starts bwrap as itself: its own uid is already unprivileged.

    Returns:
        The user; None when no switch is needed.

    Raises:
        SandboxError: when the configured user does not exist or is root.
    """
    if os.geteuid() != 0:
        return None
    spec = os.environ.get("REASONER_SANDBOX_USER", "").strip()
    if spec:
        user = _parse(spec)
    else:
        try:
            entry = pwd.getpwnam(DEDICATED_USER)
            user = HostUser(entry.pw_uid, entry.pw_gid, DEDICATED_USER)
        except KeyError:
            user = HostUser(NOBODY, NOBODY, "nobody")
    if user.uid == 0 or user.gid == 0:
        raise SandboxError(
            f"sandbox host user {user.name!r} is root (uid {user.uid}, gid {user.gid}): "
            "set REASONER_SANDBOX_USER to an unprivileged user"
        )
    return user
