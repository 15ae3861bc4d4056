"""A run folder's files as the reports read them: results.jsonl, config.json, atomic writes.

The runner writes these files (`reasoner.eval.store`, `reasoner.eval.run_config`) and the
reports are drawn from them alone, so their names and readers live here, on the reporting
side, and the runner imports them: the arrow points one way.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from reasoner.errors import ReasonerError
from reasoner.types import Result

RESULTS = "results.jsonl"
CONFIG = "config.json"


def load_results(path: str | Path) -> list[Result]:
    """Every complete result line of a results file, in file order (a torn tail is skipped).

    Args:
        path: a `results.jsonl`.

    Returns:
        The results, in the order of the file's lines.

    Raises:
        ReasonerError: a complete line is not a result.
    """
    results = []
    data = Path(path).read_bytes()
    lines = data.split(b"\n")
    complete = lines[:-1]  # the part after the last newline is empty or torn
    for number, line in enumerate(complete, start=1):
        if line.strip():
            try:
                results.append(Result.model_validate_json(line))
            except ValueError as exc:
                raise ReasonerError(f"{path}:{number}: not a result line: {exc}") from None
    return results


def read_config(folder: Path) -> dict[str, Any]:
    """A run folder's config.json.

    Args:
        folder: the `--out` folder of an eval.

    Returns:
        The configuration record the run wrote when it started.

    Raises:
        ReasonerError: the file is missing or is not JSON.
    """
    path = folder / CONFIG
    try:
        return dict(json.loads(path.read_text()))
    except FileNotFoundError:
        raise ReasonerError(f"{path} not found: is {folder} the --out folder of an eval?") from None
    except ValueError as exc:
        raise ReasonerError(f"{path} is not valid JSON: {exc}") from None


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write a file so that readers (and a crash) see either the old or the new content."""
    atomic_write_bytes(path, text.encode())


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """`atomic_write_text` for bytes: a temporary file, fsynced, then `os.replace`."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems do not fsync directories; the rename is still atomic
    finally:
        os.close(fd)
