"""The sandbox's root file system as one root-owned, read-only, world-readable tree.

When bubblewrap runs as an unprivileged host user (see host_user.py), that user often cannot
read the interpreter: pyenv lives under /root, mode 700. Loosening host permissions is not
ours to do, so the pool builds, once, a tree under `/var/cache/reasoner-sandbox/<key>/tree`
(`REASONER_SANDBOX_CACHE` elsewhere) laid out exactly as the sandbox's root: the interpreter
and its standard library at their host paths (without site-packages, which the sandbox must
not see), the shared libraries they load (the `ldd` closure, symlinks resolved), the allowed
packages under /sandbox/site, the worker script, and empty folders where /tmp, /dev and /proc
are mounted. bwrap binds the whole tree as `/` in one mount: 32 separate binds cost every
worker's birth 6 ms of CPU.

Files are hard links when the source is world-readable and on the same file system (no extra
disk), else copies made world-readable; folders are 0755 and root-owned. A hard-linked file is
the host's own inode, read-only in the sandbox; the seccomp filter refuses locks and page-cache
eviction, the two things a reader could still do to it. `<key>` hashes the sources and where
they go, so a new interpreter or package version builds a new tree; trees unused for a week
are removed when a tree is built.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import time
from collections.abc import Iterable
from pathlib import Path

from reasoner.errors import SandboxError

FORMAT = "2"  # 2: the whole root in one tree
DEFAULT_CACHE = "/var/cache/reasoner-sandbox"
STALE_AFTER_S = 7 * 24 * 3600
SKIPPED_NAMES = frozenset({"site-packages", "dist-packages"})
PRIVATE_DIRS = frozenset({"uids", "dev"})  # the harness's own folders beside the trees


def cache_dir() -> Path:
    return Path(os.environ.get("REASONER_SANDBOX_CACHE") or DEFAULT_CACHE)


def _fingerprint(entries: Iterable[tuple[str, str]]) -> str:
    digest = hashlib.sha256(FORMAT.encode())
    for target, source in sorted(entries):
        digest.update(target.encode() + b"\0" + source.encode() + b"\0")
        probes = [Path(source)]
        if os.path.isdir(source):  # a replaced file changes its folder's mtime
            probes += [Path(source, name) for name in ("__init__.py", "os.py")]
        for probe in probes:
            with contextlib.suppress(OSError):
                info = probe.stat()
                digest.update(f"{probe}:{info.st_size}:{info.st_mtime_ns}\0".encode())
    return digest.hexdigest()[:24]


def check_base(base: Path) -> None:
    """Create the cache folder, or check that only root can write it.

    Raises:
        SandboxError: it is owned by another user or writable by others.
    """
    try:
        base.mkdir(mode=0o755, parents=True, exist_ok=True)
        info = base.stat()
    except OSError as exc:
        raise SandboxError(f"cannot create the sandbox's cache {base}: {exc}") from exc
    if info.st_uid != 0 or info.st_mode & 0o022:
        raise SandboxError(
            f"sandbox cache {base} must be owned by root and writable by nobody else "
            f"(owner uid {info.st_uid}, mode {stat.filemode(info.st_mode)}): remove it"
        )


def private_dir(name: str) -> Path:
    """A folder of the harness's own under the cache (uid locks, device nodes), mode 0755.

    Returns:
        Its path, created if needed.

    Raises:
        SandboxError: when the cache is not safely owned or cannot be written.
    """
    base = cache_dir()
    check_base(base)
    folder = base / name
    try:
        folder.mkdir(mode=0o755, exist_ok=True)
    except OSError as exc:
        raise SandboxError(f"cannot create {folder}: {exc}") from exc
    return folder


def sandbox_root(entries: Iterable[tuple[str, str]], mount_points: Iterable[str]) -> Path:
    """The tree to bind as the sandbox's `/`, built on first use.

    Args:
        entries: (path inside the sandbox, host file or folder to put there).
        mount_points: empty folders to create (where /tmp, /dev, /proc are mounted).

    Returns:
        The tree's folder.

    Raises:
        SandboxError: when the cache cannot be created or is not safely owned.
    """
    entries = sorted(set(entries))
    folders = sorted(set(mount_points))
    base = cache_dir()
    check_base(base)
    final = base / _fingerprint([*entries, *((f, "") for f in folders)])
    try:
        if not (final / "complete").exists():
            _build(base, final, entries, folders)
        os.utime(final / "complete")  # marks the tree as in use, for the sweep
    except OSError as exc:
        raise SandboxError(f"cannot build the sandbox's file tree in {base}: {exc}") from exc
    return final / "tree"


def _build(base: Path, final: Path, entries: list[tuple[str, str]], folders: list[str]) -> None:
    _sweep(base)
    building = base / f".build-{final.name}-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    tree = building / "tree"
    tree.mkdir(parents=True)
    for target, source in entries:
        _copy(Path(source), tree / target.lstrip("/"))
    for folder in folders:
        (tree / folder.lstrip("/")).mkdir(mode=0o755, parents=True, exist_ok=True)
    (building / "complete").write_text(time.strftime("%Y-%m-%dT%H:%M:%S\n"))
    _chmod_dirs(building)
    try:
        os.rename(building, final)
    except OSError:  # another harness finished the same tree first
        shutil.rmtree(building, ignore_errors=True)
        if not (final / "complete").exists():
            raise


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    if source.is_symlink() and not source.is_dir():
        source = source.resolve()
    if source.is_dir():
        target.mkdir(mode=0o755, exist_ok=True)
        for entry in os.scandir(source):
            if entry.name in SKIPPED_NAMES:
                continue
            if entry.is_symlink():
                os.symlink(os.readlink(entry.path), target / entry.name)
            elif entry.is_dir():
                _copy(Path(entry.path), target / entry.name)
            elif entry.is_file():
                _copy_file(Path(entry.path), target / entry.name)
        return
    _copy_file(source, target)


def _copy_file(source: Path, target: Path) -> None:
    info = source.stat()
    if info.st_mode & 0o004:
        with contextlib.suppress(OSError):  # EXDEV and friends: copy instead
            os.link(source, target)
            return
    shutil.copyfile(source, target)
    os.chmod(target, 0o755 if info.st_mode & 0o111 else 0o644)


def _chmod_dirs(root: Path) -> None:
    for folder, _dirs, _files in os.walk(root):
        os.chmod(folder, 0o755)


def _sweep(base: Path) -> None:
    """Remove trees unused for a week and builds left by harnesses that died."""
    now = time.time()
    for entry in base.iterdir():
        if entry.name in PRIVATE_DIRS:
            continue
        if entry.name.startswith(".build-"):
            owner = entry.name.rsplit("-", 1)[-1]
            if owner.isdigit() and not Path(f"/proc/{owner}").exists():
                shutil.rmtree(entry, ignore_errors=True)
            continue
        with contextlib.suppress(OSError):
            if now - (entry / "complete").stat().st_mtime > STALE_AFTER_S:
                shutil.rmtree(entry, ignore_errors=True)
