"""The opt-in llama.cpp engine: find the `llama-server` binary, or build it from the PyPI sdist.

No prebuilt `llama-cpp-python` wheel is served for this platform, but its sdist vendors
llama.cpp, including the OpenAI-compatible `llama-server`. We build only that target, as a
self-contained binary (static ggml/llama libraries, `-march=native`), and install it under
the user cache, one folder per pinned version. The Python bindings are not built: the
server is all the engine needs (parallel slots, continuous batching, GBNF grammars).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from reasoner.errors import ModelNotFound, ReasonerError
from reasoner.models.user_cache import engine_root

SDIST_NAME = "llama-cpp-python"
SDIST_VERSION = "0.3.36"
#: Of llama_cpp_python-0.3.36.tar.gz as served by PyPI (pip download, 2026-11-29).
SDIST_SHA256 = "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e"
BINARY = "llama-server"
ENV_BINARY = "REASONER_LLAMA_SERVER"
INSTALL_HINT = "reasoner engine install"
CMAKE_FLAGS = (
    "-DCMAKE_BUILD_TYPE=Release",
    # One self-contained binary: nothing to find on LD_LIBRARY_PATH at run time.
    "-DBUILD_SHARED_LIBS=OFF",
    "-DLLAMA_BUILD_SERVER=ON",
    "-DLLAMA_BUILD_TOOLS=ON",
    "-DLLAMA_CURL=OFF",  # the engine never downloads models
    "-DLLAMA_OPENSSL=OFF",
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DGGML_NATIVE=ON",  # built where it runs: use every vector extension this CPU has
)


def engine_dir() -> Path:
    """The install folder of the pinned engine version."""
    return engine_root() / SDIST_VERSION


def find_server() -> Path | None:
    """The `llama-server` to run: `$REASONER_LLAMA_SERVER`, else the installed engine.

    Returns:
        The binary's path, or None when there is none.
    """
    explicit = os.environ.get(ENV_BINARY)
    if explicit:
        return Path(explicit).expanduser()
    installed = engine_dir() / BINARY
    return installed if installed.is_file() and os.access(installed, os.X_OK) else None


def require_server() -> Path:
    """The binary, or a one-line error that names the install command."""
    binary = find_server()
    if binary is None:
        raise ModelNotFound(
            f"the llama.cpp engine is not built; build it once (about 10 CPU-minutes, needs "
            f"cmake and a C++ compiler) with: {INSTALL_HINT}  (or set {ENV_BINARY})"
        )
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        raise ModelNotFound(f"{ENV_BINARY}={binary} is not an executable file")
    return binary


def server_env(binary: Path) -> dict[str, str]:
    """The environment to run `binary` in: its own folder first on LD_LIBRARY_PATH.

    A binary copied from a shared-library build (``--binary``) keeps its libraries beside it.
    """
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = os.pathsep.join(
        p for p in (str(binary.parent), env.get("LD_LIBRARY_PATH", "")) if p
    )
    return env


def install_engine(
    *,
    sdist: Path | None = None,
    binary: Path | None = None,
    jobs: int | None = None,
    say: Callable[[str], None] = print,
) -> tuple[Path, bool]:
    """Install the engine into the user cache; does nothing when it already is.

    Args:
        sdist: an already downloaded `llama_cpp_python-0.3.36.tar.gz` (checked against the
            pinned sha256); without it pip downloads it from PyPI.
        binary: adopt an existing `llama-server` instead of building (it and any shared
            libraries beside it are copied).
        jobs: parallel compile jobs (default: the CPU count).
        say: where progress lines go.

    Returns:
        The installed binary and whether this call installed it.
    """
    dest = engine_dir()
    if (dest / BINARY).is_file() and (dest / "engine.json").is_file():
        return dest / BINARY, False
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="reasoner-engine-", dir=dest.parent) as tmp:
        staging = Path(tmp) / "install"
        staging.mkdir()
        if binary is not None:
            origin = _adopt(binary.expanduser().resolve(), staging)
        else:
            tarball = sdist or _pip_download(Path(tmp), say)
            _check_sha256(tarball)
            built = _build(tarball, Path(tmp), jobs or os.cpu_count() or 2, say)
            shutil.copy2(built, staging / BINARY)
            origin = f"built from {SDIST_NAME}=={SDIST_VERSION} (sha256 {SDIST_SHA256[:12]}...)"
        version = _probe_version(staging / BINARY)
        info = {"origin": origin, "version": version, "cmake_flags": list(CMAKE_FLAGS)}
        (staging / "engine.json").write_text(json.dumps(info, indent=2) + "\n")
        if dest.exists():  # a half-finished earlier install: replace it whole
            shutil.rmtree(dest)
        os.replace(staging, dest)
    say(f"installed the llama.cpp engine: {dest / BINARY} ({version})")
    return dest / BINARY, True


def _pip_download(tmp: Path, say: Callable[[str], None]) -> Path:
    say(f"downloading the {SDIST_NAME} {SDIST_VERSION} sdist from PyPI with pip ...")
    folder = tmp / "sdist"
    command = [sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps"]
    result = subprocess.run(
        [*command, "--dest", str(folder), f"{SDIST_NAME}=={SDIST_VERSION}"],
        capture_output=True,
        text=True,
        check=False,
    )
    found = sorted(folder.glob("*.tar.gz")) if folder.is_dir() else []
    if result.returncode != 0 or not found:
        tail = " ".join(result.stderr.strip().splitlines()[-2:])
        raise ReasonerError(f"pip download of {SDIST_NAME}=={SDIST_VERSION} failed: {tail}")
    return found[0]


def _check_sha256(tarball: Path) -> None:
    digest = hashlib.sha256()
    with tarball.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    if digest.hexdigest() != SDIST_SHA256:
        raise ReasonerError(
            f"{tarball} has sha256 {digest.hexdigest()}, not the pinned {SDIST_SHA256}; "
            "refusing to build it"
        )


def _build(tarball: Path, tmp: Path, jobs: int, say: Callable[[str], None]) -> Path:
    for tool in ("cmake", "c++"):
        if shutil.which(tool) is None:
            raise ReasonerError(
                f"building the engine needs `{tool}` on PATH (e.g. apt-get install cmake g++)"
            )
    with tarfile.open(tarball) as archive:
        if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12 / 3.11.4: refuse odd members
            archive.extractall(tmp / "src", filter="data")
        else:  # pragma: no cover - older interpreters; the tarball's hash was checked
            archive.extractall(tmp / "src")  # noqa: S202
    (top,) = (tmp / "src").iterdir()
    source = top / "vendor" / "llama.cpp"
    build = tmp / "build"
    log_path = engine_root() / "build.log"
    say(f"building {BINARY} with {jobs} jobs (log: {log_path}) ...")
    with log_path.open("w") as log:
        for step in (
            ["cmake", "-S", str(source), "-B", str(build), *CMAKE_FLAGS],
            ["cmake", "--build", str(build), "--target", BINARY, "-j", str(jobs)],
        ):
            log.write("$ " + " ".join(step) + "\n")
            log.flush()
            if subprocess.run(step, stdout=log, stderr=subprocess.STDOUT, check=False).returncode:
                tail = log_path.read_text(errors="replace").strip().splitlines()[-3:]
                raise ReasonerError(
                    f"building {BINARY} failed ({' | '.join(tail)}); full log: {log_path}"
                )
    built = build / "bin" / BINARY
    if not built.is_file():
        raise ReasonerError(f"the build finished without {built}; see {log_path}")
    return built


def _adopt(binary: Path, staging: Path) -> str:
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        raise ReasonerError(f"--binary {binary}: not an executable file")
    shutil.copy2(binary, staging / BINARY)
    # A shared-library build keeps libllama/libggml beside the binary; bring them along.
    for lib in binary.parent.glob("lib*.so*"):
        shutil.copy2(lib, staging / lib.name, follow_symlinks=True)
    return f"copied from {binary}"


def _probe_version(binary: Path) -> str:
    try:
        result = subprocess.run(
            [str(binary), "--version"],
            capture_output=True,
            text=True,
            timeout=60,
            env=server_env(binary),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ReasonerError(f"{binary} does not run: {exc}") from None
    text = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        raise ReasonerError(f"{binary} --version failed: {text[-300:]}")
    lines = [line for line in text.splitlines() if line.startswith("version")]
    return lines[0] if lines else text.splitlines()[0] if text else "unknown"
