"""The crash-safe results file: one JSON line per finished (task, problem, pipeline) cell.

Each result goes to disk as one complete line through a single `O_APPEND` descriptor and is
fsynced before the cell counts as done, so a run killed at any moment (SIGKILL included)
leaves at worst a torn last line. Opening the store cuts that torn tail off and reports the
cells already done, so re-running the same command continues where the last one stopped.
When every cell is done the file is rewritten in canonical order (task, problem, pipeline)
through a temporary file and `os.replace`, so a resumed run ends with the same file as an
uninterrupted one (timing fields aside: see `without_timing`).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from reasoner.errors import ReasonerError
from reasoner.eval.result_line import result_line
from reasoner.report.run_folder import RESULTS, atomic_write_text
from reasoner.types import Result

try:
    import fcntl
except ImportError:  # no flock on this platform (Windows): runs go unguarded
    fcntl = None  # type: ignore[assignment]

LOCK = ".lock"

CellKey = tuple[str, str, str]  # (task spec, problem id, pipeline spec)


def cell_key(result: Result) -> CellKey:
    return (result.task, result.problem_id, result.pipeline)


class ResultStore:
    """Appends results to `<folder>/results.jsonl`, recovering from an interrupted run.

    Args:
        folder: the run's output folder (created if missing).
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / RESULTS
        self._fd: int | None = None

    def recover(self) -> dict[CellKey, Result]:
        """Cut a torn tail off the file and return the results already on disk, by cell.

        Returns:
            The finished cells; a cell written twice (impossible unless two runs shared the
            folder) keeps its first line.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        _remove_stale_temporaries(self.folder)
        if not self.path.exists():
            return {}
        data = self.path.read_bytes()
        done: dict[CellKey, Result] = {}
        good_end = 0
        for number, line in enumerate(data.split(b"\n"), start=1):
            end = good_end + len(line) + 1
            if end > len(data):  # no newline after it: a torn last line
                break
            if not line.strip():
                good_end = end
                continue
            try:
                result = Result.model_validate_json(line)
            except ValueError:
                if end >= len(data):  # the last line, cut short on a disk that lost its tail
                    break
                raise ReasonerError(
                    f"{self.path}:{number}: not a result line; the file was edited or "
                    "damaged: fix or delete that line, or start again with another --out"
                ) from None
            done.setdefault(cell_key(result), result)
            good_end = end
        if good_end < len(data):
            with open(self.path, "r+b") as handle:
                handle.truncate(good_end)
                handle.flush()
                os.fsync(handle.fileno())
        return done

    def append(self, result: Result) -> Result:
        """Write one result as one line and fsync it: after this returns, it survives a crash.

        Returns:
            The result as written: itself, or a copy that could be (see `result_line`).
        """
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        stored, text = result_line(result)
        line = (text + "\n").encode()
        view = memoryview(line)
        while view:  # a regular file takes it in one write; loop in case it does not
            written = os.write(self._fd, view)
            view = view[written:]
        os.fsync(self._fd)
        return stored

    @contextlib.contextmanager
    def locked(self) -> Iterator[ResultStore]:
        """Create the folder and hold its lock while a run writes it.

        Two runs appending to one folder would run and write the same cells twice; the lock
        (an advisory `flock`, released by the kernel even on SIGKILL) turns the second into a
        clear error.

        Raises:
            ReasonerError: another process holds the folder.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    raise ReasonerError(
                        f"another run is writing to '{self.folder}': wait for it to finish, "
                        "or use another --out"
                    ) from None
            yield self
        finally:
            self.close()
            os.close(fd)  # closing the descriptor releases the lock

    def close(self) -> None:
        """Close the append descriptor (the lock, if held, stays with `locked`)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def finalize(self, ordered: Iterable[Result]) -> None:
        """Replace the file, atomically, with `ordered`: the canonical order of a finished run."""
        self.close()
        text = "".join(r.model_dump_json() + "\n" for r in ordered)
        atomic_write_text(self.path, text)


def _remove_stale_temporaries(folder: Path) -> None:
    # Left by a run killed between writing a temporary file and renaming it.
    for tmp in folder.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            tmp.unlink()


TIMING_KEYS = frozenset({"wall_s", "latency_s", "duration_s"})


def without_timing(record: Any) -> Any:
    """A result record (a dict from a JSON line) without its run-to-run timing fields.

    Drops every `wall_s`, `latency_s` and `duration_s` key at any depth (cost, attempts,
    executions, trace data), so two runs of greedy decoding compare equal.

    Args:
        record: a parsed JSON value.

    Returns:
        A copy with the timing keys removed.
    """
    if isinstance(record, dict):
        return {k: without_timing(v) for k, v in record.items() if k not in TIMING_KEYS}
    if isinstance(record, list):
        return [without_timing(v) for v in record]
    return record


def comparable_lines(path: str | Path) -> list[Any]:
    """The lines of a results file, parsed and stripped of timing, for run-to-run comparison."""
    return [
        without_timing(json.loads(line))
        for line in Path(path).read_text().splitlines()
        if line.strip()
    ]
