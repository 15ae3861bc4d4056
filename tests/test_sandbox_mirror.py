"""The read-only tree an unprivileged bwrap binds as its root, and the host users it runs as."""

from __future__ import annotations

import os
import stat

import pytest

from reasoner.errors import SandboxError
from reasoner.sandbox import host_user, mirror

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (the cache must be root's)")


@pytest.fixture
def source(tmp_path):
    """A fake stdlib: a private folder (mode 700) with a site-packages inside."""
    lib = tmp_path / "private" / "lib"
    (lib / "site-packages" / "torch").mkdir(parents=True)
    (lib / "site-packages" / "torch" / "__init__.py").write_text("secret")
    (lib / "os.py").write_text("print('os')")
    (lib / "locked.py").write_text("x = 1")
    os.chmod(lib / "locked.py", 0o600)
    os.chmod(tmp_path / "private", 0o700)
    return lib


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("REASONER_SANDBOX_CACHE", str(folder))
    return folder


def mirrored(source) -> str:
    """Where `source` lands in a tree that holds it at its own path."""
    tree = mirror.sandbox_root([(str(source), str(source))], ["/tmp"])
    return str(tree) + str(source)


@as_root
def test_the_mirror_is_world_readable_and_leaves_site_packages_out(source, cache):
    copy = mirrored(source)
    assert sorted(os.listdir(copy)) == ["locked.py", "os.py"]
    for name in ("locked.py", "os.py"):
        assert os.stat(os.path.join(copy, name)).st_mode & 0o004
    # A world-readable file is a hard link (no extra disk); a private one a readable copy.
    assert os.stat(os.path.join(copy, "os.py")).st_ino == os.stat(source / "os.py").st_ino
    assert os.stat(os.path.join(copy, "locked.py")).st_ino != os.stat(source / "locked.py").st_ino
    assert stat.S_IMODE(os.stat(source / "locked.py").st_mode) == 0o600  # the host is untouched
    assert os.path.isdir(os.path.join(copy.split(str(source))[0], "tmp"))  # a mount point
    folder = copy
    while folder != str(cache):
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o755
        folder = os.path.dirname(folder)


@as_root
def test_a_changed_source_builds_a_new_tree_and_an_unchanged_one_reuses_it(source, cache):
    first = mirrored(source)
    assert mirrored(source) == first
    (source / "os.py").write_text("print('a new version of os')")
    os.utime(source, (1, 1))
    second = mirrored(source)
    assert second != first
    with open(os.path.join(second, "os.py")) as f:
        assert "new version" in f.read()


@as_root
def test_a_cache_that_others_can_write_is_refused(source, cache):
    cache.mkdir()
    os.chmod(cache, 0o777)
    with pytest.raises(SandboxError, match="writable by nobody else"):
        mirrored(source)


@as_root
def test_the_host_user_is_never_root(monkeypatch, tmp_path):
    monkeypatch.setenv("REASONER_SANDBOX_USER", "0")
    with pytest.raises(SandboxError, match="is root"):
        host_user.sandbox_host_users(tmp_path)
    monkeypatch.setenv("REASONER_SANDBOX_USER", "1234:0")
    with pytest.raises(SandboxError, match="is root"):
        host_user.sandbox_host_users(tmp_path)
    monkeypatch.setenv("REASONER_SANDBOX_USER", "no-such-user-h12")
    with pytest.raises(SandboxError, match="no such user"):
        host_user.sandbox_host_users(tmp_path)
    monkeypatch.setenv("REASONER_SANDBOX_USER", "4321")
    users = host_user.sandbox_host_users(tmp_path)
    assert users is not None and users.shared
    user = users.lease().user
    assert (user.uid, user.gid) == (4321, 4321)
    assert user.drop_command()[1:4] == ["--reuid=4321", "--regid=4321", "--clear-groups"]


def test_a_harness_that_is_not_root_keeps_its_own_uid(monkeypatch, tmp_path):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert host_user.sandbox_host_users(tmp_path) is None


def test_a_subordinate_range_is_read_for_the_sandbox_user(tmp_path):
    ids = tmp_path / "subuid"
    ids.write_text("alice:100000:65536\nreasoner-sandbox:165536:256\n998:1:2\n")
    assert host_user.subordinate_range(ids, "reasoner-sandbox", 999) == range(165536, 165792)
    assert host_user.subordinate_range(ids, "bob", 998) == range(1, 3)
    assert host_user.subordinate_range(ids, "carol", 997) is None
    assert host_user.subordinate_range(tmp_path / "missing", "carol", 997) is None


def test_leases_never_share_a_uid_within_or_across_harnesses(tmp_path):
    users = [host_user.HostUser(uid, uid, str(uid)) for uid in (200, 201, 202)]
    first = host_user.HostUsers(users, tmp_path)
    other = host_user.HostUsers(users, tmp_path)  # a second harness on the same machine
    held = [first.lease(), other.lease(), first.lease()]
    assert sorted(lease.user.uid for lease in held) == [200, 201, 202]
    with pytest.raises(SandboxError, match="all 3 sandbox uids are in use"):
        other.lease(timeout=0.05)
    held[1].release()
    held[1].release()  # idempotent
    assert first.lease(timeout=1).user.uid == held[1].user.uid
