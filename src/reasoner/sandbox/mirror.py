"""A root-owned, read-only, world-readable tree of what the sandboxed interpreter needs.

When bubblewrap runs as an unprivileged host user (see host_user.py), that user often cannot
read the interpreter: pyenv lives under /root, mode 700. Loosening host permissions is not
ours to do, so the pool builds, once, a tree under `/var/cache/reasoner-sandbox/<key>/`
(`REASONER_SANDBOX_CACHE` elsewhere) holding the interpreter, its standard library (without
site-packages, which the sandbox must not see), the allowed packages, the libraries that user
cannot read, and the worker script, each at its host path below `tree/`. Files are hard links
when the source is world-readable and on the same file system (no extra disk), else copies
made world-readable; folders are 0755 and root-owned. bwrap binds each mirrored path at its
original place, so inside the sandbox nothing moves.

`<key>` hashes the paths, sizes and modification times of the sources, so a new interpreter or
package version builds a new tree; trees unused for a week are removed when a tree is built.
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

FORMAT = "1"
DEFAULT_CACHE = "/var/cache/reasoner-sandbox"
STALE_AFTER_S = 7 * 24 * 3600
SKIPPED_NAMES = frozenset({"site-packages", "dist-packages"})


def cache_dir() -> Path:
    return Path(os.environ.get("REASONER_SANDBOX_CACHE") or DEFAULT_CACHE)


def _fingerprint(sources: Iterable[str]) -> str:
    digest = hashlib.sha256(FORMAT.encode())
    for source in sorted(sources):
        digest.update(source.encode() + b"\0")
        probes = [Path(source)]
        if os.path.isdir(source):  # a replaced file changes its folder's mtime
            probes += [Path(source, name) for name in ("__init__.py", "os.py")]
        for probe in probes:
            with contextlib.suppress(OSError):
                info = probe.stat()
                digest.update(f"{probe}:{info.st_size}:{info.st_mtime_ns}\0".encode())
    return digest.hexdigest()[:24]


def _check_base(base: Path) -> None:
    base.mkdir(mode=0o755, parents=True, exist_ok=True)
    info = base.stat()
    if info.st_uid != 0 or info.st_mode & 0o022:
        raise SandboxError(
            f"sandbox cache {base} must be owned by root and writable by nobody else "
            f"(owner uid {info.st_uid}, mode {stat.filemode(info.st_mode)}): remove it"
        )


def mirrored(sources: Iterable[str]) -> dict[str, str]:
    """Mirror `sources` (absolute host paths) into the cache, building the tree if needed.

    Args:
        sources: files and folders the sandboxed interpreter must read.

    Returns:
        source path -> the mirrored path to bind in its place.

    Raises:
        SandboxError: when the cache cannot be created or is not safely owned.
    """
    sources = sorted(set(sources))
    base = cache_dir()
    try:
        _check_base(base)
        final = base / _fingerprint(sources)
        if not (final / "complete").exists():
            _build(base, final, sources)
        os.utime(final / "complete")  # marks the tree as in use, for the sweep
    except OSError as exc:
        raise SandboxError(f"cannot build the sandbox's file tree in {base}: {exc}") from exc
    tree = final / "tree"
    return {source: str(tree / source.lstrip("/")) for source in sources}


def _build(base: Path, final: Path, sources: list[str]) -> None:
    _sweep(base)
    building = base / f".build-{final.name}-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    tree = building / "tree"
    for source in sources:
        _copy(Path(source), tree / source.lstrip("/"))
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
        if entry.name.startswith(".build-"):
            owner = entry.name.rsplit("-", 1)[-1]
            if owner.isdigit() and not Path(f"/proc/{owner}").exists():
                shutil.rmtree(entry, ignore_errors=True)
            continue
        with contextlib.suppress(OSError):
            if now - (entry / "complete").stat().st_mtime > STALE_AFTER_S:
                shutil.rmtree(entry, ignore_errors=True)
