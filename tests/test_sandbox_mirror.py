"""The read-only tree an unprivileged bwrap reads, and the host user it runs as."""

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


@as_root
def test_the_mirror_is_world_readable_and_leaves_site_packages_out(source, cache):
    mapped = mirror.mirrored([str(source)])
    copy = mapped[str(source)]
    assert sorted(os.listdir(copy)) == ["locked.py", "os.py"]
    for name in ("locked.py", "os.py"):
        assert os.stat(os.path.join(copy, name)).st_mode & 0o004
    # A world-readable file is a hard link (no extra disk); a private one a readable copy.
    assert os.stat(os.path.join(copy, "os.py")).st_ino == os.stat(source / "os.py").st_ino
    assert os.stat(os.path.join(copy, "locked.py")).st_ino != os.stat(source / "locked.py").st_ino
    assert stat.S_IMODE(os.stat(source / "locked.py").st_mode) == 0o600  # the host is untouched
    folder = copy
    while folder != str(cache):
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o755
        folder = os.path.dirname(folder)


@as_root
def test_a_changed_source_builds_a_new_tree_and_an_unchanged_one_reuses_it(source, cache):
    first = mirror.mirrored([str(source)])
    assert mirror.mirrored([str(source)]) == first
    (source / "os.py").write_text("print('a new version of os')")
    os.utime(source, (1, 1))
    second = mirror.mirrored([str(source)])
    assert second != first
    with open(os.path.join(second[str(source)], "os.py")) as f:
        assert "new version" in f.read()


@as_root
def test_a_cache_that_others_can_write_is_refused(source, cache):
    cache.mkdir()
    os.chmod(cache, 0o777)
    with pytest.raises(SandboxError, match="writable by nobody else"):
        mirror.mirrored([str(source)])


@as_root
def test_the_host_user_is_never_root(monkeypatch):
    monkeypatch.setenv("REASONER_SANDBOX_USER", "0")
    with pytest.raises(SandboxError, match="is root"):
        host_user.sandbox_host_user()
    monkeypatch.setenv("REASONER_SANDBOX_USER", "1234:0")
    with pytest.raises(SandboxError, match="is root"):
        host_user.sandbox_host_user()
    monkeypatch.setenv("REASONER_SANDBOX_USER", "no-such-user-h12")
    with pytest.raises(SandboxError, match="no such user"):
        host_user.sandbox_host_user()
    monkeypatch.setenv("REASONER_SANDBOX_USER", "4321")
    user = host_user.sandbox_host_user()
    assert user is not None and (user.uid, user.gid) == (4321, 4321)
    assert user.drop_command()[1:4] == ["--reuid=4321", "--regid=4321", "--clear-groups"]


def test_a_harness_that_is_not_root_keeps_its_own_uid(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert host_user.sandbox_host_user() is None
