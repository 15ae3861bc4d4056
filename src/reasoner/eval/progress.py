"""The progress bar of a run: cells done of all, accuracy so far, time left."""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from reasoner.types import Result


class RunProgress:
    """A rich progress bar over a run's cells; does nothing when disabled.

    Args:
        total: every cell of the run, finished or not.
        done: the results already on disk (a resumed run starts part way).
        enabled: show the bar at all.
        console: where to draw it (default: the terminal).
    """

    def __init__(
        self,
        total: int,
        done: Iterable[Result],
        *,
        enabled: bool = True,
        console: Console | None = None,
    ) -> None:
        finished = list(done)
        self.correct = sum(r.correct for r in finished)
        self.errors = sum(bool(r.error) for r in finished)
        self.count = len(finished)
        self._progress: Progress | None = None
        if enabled:
            self._progress = Progress(
                TextColumn("[bold]eval"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("acc {task.fields[accuracy]}"),
                TextColumn("{task.fields[errors]}"),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                console=console,
                transient=False,
            )
            self._id = self._progress.add_task(
                "eval",
                total=total,
                completed=self.count,
                accuracy=self._accuracy(),
                errors=self._errors(),
            )

    def _accuracy(self) -> str:
        return f"{self.correct / self.count:.1%}" if self.count else "-"

    def _errors(self) -> str:
        return f"[red]{self.errors} errors" if self.errors else ""

    def advance(self, result: Result) -> None:
        """Count one finished cell."""
        self.count += 1
        self.correct += int(result.correct)
        self.errors += int(bool(result.error))
        if self._progress is not None:
            self._progress.update(
                self._id, advance=1, accuracy=self._accuracy(), errors=self._errors()
            )

    def __enter__(self) -> RunProgress:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
