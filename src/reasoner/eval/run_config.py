"""A run's configuration (`config.json`): what ran, on what, with which versions.

It is written when a run starts; a later run in the same folder must ask for the same
cells (model, tasks, pipelines, limit), or it would mix two experiments in one file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from reasoner.errors import ReasonerError
from reasoner.report.run_folder import CONFIG, atomic_write_text
from reasoner.types import RowError

#: The fields that decide which cells a run has; a resumed run must match them.
IDENTITY = ("model", "tasks", "pipelines", "limit", "calibrate_on")
_PACKAGES = ("reasoner", "torch", "transformers", "langgraph", "pydantic")


def build_config(
    *,
    model: str,
    model_info: dict[str, Any],
    tasks: list[str],
    pipelines: list[str],
    limit: int | None,
    concurrency: int,
    seed: int,
    samples: int | None,
    program_timeout: float,
    skipped_rows: dict[str, list[RowError]] | None = None,
) -> dict[str, Any]:
    """The configuration record of a run that starts now.

    Args:
        skipped_rows: per task spec, the bad rows of its data file that the run skips.

    Returns:
        A JSON-ready dict: the run's arguments, the model's description, package versions,
        the git commit of the working directory (when there is one), the machine, the time.
    """
    return {
        "model": model,
        "model_info": _jsonable(model_info),
        "tasks": tasks,
        "pipelines": pipelines,
        "limit": limit,
        "concurrency": concurrency,
        "seed": seed,
        "samples": samples,
        "program_timeout": program_timeout,
        "skipped_rows": {
            spec: [row.model_dump() for row in rows] for spec, rows in (skipped_rows or {}).items()
        },
        "versions": {"python": platform.python_version(), **_versions()},
        "git_commit": _git_commit(),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.machine(),
            "cpu_count": os.cpu_count(),
        },
        "started_at": _now(),
        "resumed_at": [],
    }


def reconcile(folder: Path, config: dict[str, Any]) -> dict[str, Any]:
    """Write `config` to a new run folder, or check it against the one already there.

    Args:
        folder: the run's output folder.
        config: this run's configuration, from `build_config`.

    Returns:
        The configuration to keep: the existing one (with this start added to
        `resumed_at`) when resuming, else `config`.

    Raises:
        ReasonerError: the folder holds a different run.
    """
    path = folder / CONFIG
    if not path.exists():
        atomic_write_text(path, json.dumps(config, indent=2) + "\n")
        return config
    try:
        existing = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ReasonerError(
            f"{path} cannot be read ({exc}); use another --out, or delete the folder"
        ) from None
    for key in IDENTITY:
        # .get on both sides: a field added later (calibrate_on) is absent from older runs
        # and from runs that did not use it.
        if existing.get(key) != config.get(key):
            raise ReasonerError(
                f"{folder} holds a different run: its {key} is {existing.get(key)!r}, this "
                f"run's is {config.get(key)!r}; use another --out, or resume with the same "
                "arguments"
            )
    existing.setdefault("resumed_at", []).append(config["started_at"])
    # The data files are read again on resume: record what this run skips.
    existing["skipped_rows"] = config.get("skipped_rows", {})
    atomic_write_text(path, json.dumps(existing, indent=2) + "\n")
    return existing


def _versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in _PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def _git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))
