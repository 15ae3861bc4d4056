"""What a sandboxed interpreter needs to see, and the fallback mode's command line.

The bubblewrap sandbox binds, read-only and at their host paths, only: the interpreter binary,
the shared libraries it and the standard library's extension modules load (found with `ldd`),
and the standard library itself without any site-packages folder inside it. The allowed
third-party packages are bound one by one under `/sandbox/site`, so that folder holds exactly
those packages and nothing else of the host's site-packages. bwrap_command.py writes the
command line; mirror.py builds the same layout as one tree that an unprivileged bwrap can
read and bind as the sandbox's root.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reasoner.errors import SandboxError

ALLOWED_PACKAGES: tuple[str, ...] = ("sympy", "mpmath", "z3", "chess")
SANDBOX_SITE = "/sandbox/site"
SANDBOX_WORKER = "/sandbox/worker.py"
SANDBOX_HOME = "/tmp"
SANDBOX_UID = 65534  # "nobody": the program is never root, even inside its namespace
WORKER_SOURCE = Path(__file__).with_name("_worker.py")
# Extension modules whose libraries (X11, Tk, curses) a program has no use for.
SKIPPED_EXTENSIONS = ("_tkinter", "_curses", "readline")
PYTHON_FLAGS = ("-I", "-S", "-B", "-X", "utf8")


@dataclass(frozen=True)
class Layout:
    """The host paths a sandboxed interpreter needs, found once per process."""

    executable: str
    stdlib_dirs: tuple[str, ...]
    masked_dirs: tuple[str, ...]  # site-packages folders inside the stdlib dirs
    libraries: tuple[str, ...]
    packages: tuple[tuple[str, str], ...]  # (import name, host folder or file)


def _package_path(name: str) -> str | None:
    spec = importlib.util.find_spec(name)
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return str(Path(next(iter(spec.submodule_search_locations))).resolve())
    return str(Path(spec.origin).resolve()) if spec.origin else None


def _shared_objects(folder: str) -> list[str]:
    found = []
    for root, _dirs, files in os.walk(folder):
        found += [os.path.join(root, f) for f in files if ".so" in f and not f.endswith(".py")]
    return found


def _ldd(files: list[str]) -> tuple[str, ...]:
    """The shared libraries `files` load, as absolute paths (the dynamic loader included)."""
    ldd = shutil.which("ldd", path=os.defpath)
    if ldd is None:
        raise SandboxError("cannot find `ldd`: install libc-bin so the sandbox can list libraries")
    out = subprocess.run(
        [ldd, *files], capture_output=True, text=True, env={"LC_ALL": "C"}, check=False
    ).stdout
    libraries = set()
    for line in out.splitlines():
        if not line[:1].isspace():
            continue  # a "file:" header
        parts = line.split()
        path = parts[2] if len(parts) >= 3 and parts[1] == "=>" else parts[0]
        if path.startswith("/") and os.path.exists(path):
            libraries.add(path)
    return tuple(sorted(libraries))


def _dynload_dir() -> str | None:
    """Where the standard library's extension modules live (None for a static build)."""
    folder = sysconfig.get_config_var("DESTSHARED")
    if folder and os.path.isdir(folder):
        return str(Path(folder).resolve())
    for path in sys.path:
        if path.endswith("lib-dynload") and os.path.isdir(path):
            return str(Path(path).resolve())
    return None


def _stdlib_dirs(dynload: str | None) -> tuple[str, ...]:
    # os.py's folder is the stdlib of the base interpreter, never a virtualenv's folder.
    dirs = {str(Path(os.__file__).resolve().parent)}
    if dynload:
        dirs.add(dynload)
    # Keep only outermost folders: binding a folder twice would shadow the mask below.
    ordered = sorted(dirs, key=len)
    return tuple(d for i, d in enumerate(ordered) if not any(_inside(d, o) for o in ordered[:i]))


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


@functools.lru_cache(maxsize=8)
def discover(packages: tuple[str, ...] = ALLOWED_PACKAGES) -> Layout:
    """Find the interpreter, libraries, stdlib and allowed packages to bind (cached).

    Args:
        packages: import names of the third-party packages programs may import.

    Returns:
        The `Layout`; packages that are not installed are left out.
    """
    executable = str(Path(sys.executable).resolve())
    dynload = _dynload_dir()
    stdlib = _stdlib_dirs(dynload)
    site_dirs = {str(Path(p).resolve()) for p in site.getsitepackages() if os.path.isdir(p)}
    for stdlib_dir in stdlib:
        candidate = os.path.join(stdlib_dir, "site-packages")
        if os.path.isdir(candidate):
            site_dirs.add(candidate)
    masked = tuple(sorted(d for d in site_dirs if any(_inside(d, s) for s in stdlib)))
    found = [(name, _package_path(name)) for name in packages]
    package_paths = tuple((name, path) for name, path in found if path is not None)
    elf_files = [executable]
    if dynload:
        elf_files += [
            os.path.join(dynload, f)
            for f in sorted(os.listdir(dynload))
            if f.endswith(".so") and not f.startswith(SKIPPED_EXTENSIONS)
        ]
    for _name, path in package_paths:
        if os.path.isdir(path):
            elf_files += _shared_objects(path)
    return Layout(executable, stdlib, masked, _ldd(elf_files), package_paths)


def package_target(name: str, path: str) -> str:
    """Where an allowed package appears inside the sandbox: /sandbox/site/<folder or file>."""
    return f"{SANDBOX_SITE}/{os.path.basename(path) if os.path.isfile(path) else name}"


#: Empty folders of the sandbox's root where bwrap mounts its own file systems.
ROOT_MOUNT_POINTS: tuple[str, ...] = (SANDBOX_HOME, "/dev", "/proc")


def root_entries(layout: Layout) -> list[tuple[str, str]]:
    """What the sandbox's root holds, for mirror.py to build it as one tree.

    Returns:
        (path inside the sandbox, host path) for the interpreter, its stdlib, the shared
        libraries, the allowed packages and the worker script.
    """
    entries = [(layout.executable, layout.executable)]
    entries += [(folder, folder) for folder in layout.stdlib_dirs]
    entries += [(library, library) for library in layout.libraries]
    entries += [(package_target(name, path), path) for name, path in layout.packages]
    return entries + [(SANDBOX_WORKER, str(WORKER_SOURCE))]


def fallback_site(layout: Layout) -> str:
    """A temporary folder of symlinks to the allowed packages, for the rlimits-only mode.

    Returns:
        Its path; the caller removes it.
    """
    sweep_stale_dirs()
    folder = tempfile.mkdtemp(prefix=f"reasoner-site-{os.getpid()}-")
    os.chmod(folder, 0o755)
    for name, path in layout.packages:
        link = name if os.path.isdir(path) else os.path.basename(path)
        os.symlink(path, os.path.join(folder, link))
    return folder


def fallback_workdir() -> str:
    """A fresh temporary working directory for one fallback-mode program."""
    return tempfile.mkdtemp(prefix=f"reasoner-run-{os.getpid()}-")


def sweep_stale_dirs() -> None:
    """Remove fallback folders left by a harness that was killed before it could clean up."""
    for folder in Path(tempfile.gettempdir()).glob("reasoner-[rs][ui][nt]*-*-*"):
        owner = folder.name.split("-")[2]
        if not owner.isdigit() or Path(f"/proc/{owner}").exists():
            continue
        shutil.rmtree(folder, ignore_errors=True)


def world_readable(paths: list[str]) -> bool:
    """Whether an unprivileged user can read every path (and traverse each parent).

    Returns:
        True when the fallback worker may drop to the `nobody` uid and still import.
    """
    for path in paths:
        current = Path(path)
        for part in [current, *current.parents]:
            try:
                mode = part.stat().st_mode
            except OSError:
                return False
            if not mode & 0o001 and part.is_dir():
                return False
        if not current.stat().st_mode & 0o004:
            return False
    return True


def fallback_command(layout: Layout, site_dir: str, worker_args: list[str]) -> list[str]:
    """The command line of a worker in the rlimits-only fallback mode (no bubblewrap).

    Returns:
        The argv to spawn; the caller sets a clean environment and a temporary cwd.
    """
    argv = [layout.executable, *PYTHON_FLAGS, str(WORKER_SOURCE), "--site=" + site_dir]
    return argv + ["--isolated=0", *worker_args]
