"""The summary as a table in the terminal: everything on a wide one, the essentials on a
narrow one (pipeline specs are long, and a squeezed table is unreadable)."""

from __future__ import annotations

from collections.abc import Callable

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from reasoner.eval.labels import input_notes, task_label
from reasoner.eval.metrics import THRESHOLDS, Summary, SummaryRow

#: Below this terminal width the table keeps only its essential columns.
WIDE = 140

LEGEND = (
    "acc: accuracy; S t: confidence-target score (correct +1, abstain 0, wrong -t/(1-t)); "
    "calls, tokens (in+out), s: means per problem"
)

Column = tuple[str, Callable[[SummaryRow], str], bool]  # header, cell, shown when narrow


def _signed(value: float) -> str:
    style = "green" if value > 0 else "red" if value < 0 else ""
    text = f"{value:+.2f}"
    return f"[{style}]{text}[/]" if style else text


def _score(t: float) -> Column:
    return (f"S t={t:g}".replace("0.", "."), lambda r: _signed(r.score_t[f"{t:g}"]), t == 0.75)


COLUMNS: list[Column] = [
    ("n", lambda r: str(r.n), True),
    ("acc", lambda r: f"[bold]{r.accuracy:.1%}[/]", True),
    ("95% CI", lambda r: f"[dim]{r.accuracy_ci95[0]:.0%}-{r.accuracy_ci95[1]:.0%}[/]", False),
    ("abst", lambda r: f"{r.abstention_rate:.0%}", True),
    ("wrong", lambda r: f"{r.wrong_rate:.0%}", False),
    *(_score(t) for t in THRESHOLDS),
    ("calls", lambda r: f"{r.cost.model_calls:.1f}", True),
    ("tokens", lambda r: f"{r.cost.tokens_in + r.cost.tokens_out:.0f}", True),
    ("s", lambda r: f"{r.cost.wall_s:.2f}", False),
    ("err", lambda r: f"[red]{r.errors}[/]" if r.errors else "0", True),
]


def summary_table(
    summary: Summary, title: str = "reasoner eval", *, wide: bool = True, task: str | None = None
) -> Table:
    """A rich Table with one line per (task, pipeline): scores beside their cost.

    Args:
        summary: the run's summary.
        title: the table's title.
        wide: every column; False keeps the essentials for a narrow terminal.
        task: only this task's rows, without a task column (the title names it).

    Returns:
        The table, ready to print.
    """
    rows = [r for r in summary.rows if task is None or r.task == task]
    table = Table(title=title, box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    if task is None:
        table.add_column("task", overflow="fold", min_width=6, ratio=2)
    table.add_column("pipeline", overflow="fold", min_width=14, ratio=3)
    columns = [c for c in COLUMNS if wide or c[2]]
    for header, _, _ in columns:
        table.add_column(header, justify="right", no_wrap=True)
    with_flags = wide and any(row.flags for row in rows)
    if with_flags:
        table.add_column("details", no_wrap=True)
    previous_task = None
    for row in rows:
        if previous_task is not None and row.task != previous_task:
            table.add_section()
        # The task once per section: repeated, a long spec crowds out the pipelines.
        shown = escape(task_label(row.task)) if row.task != previous_task else ""
        label = [shown] if task is None else []
        previous_task = row.task
        cells = [*label, escape(row.pipeline), *(cell(row) for _, cell, _ in columns)]
        if with_flags:
            cells.append(escape(flags_text(row)))
        table.add_row(*cells)
    return table


def flags_text(row: SummaryRow) -> str:
    """Boolean details as rates of True and False, e.g. 'legal ✓80% ✗15%' (the rest of the
    results have no such detail, e.g. no answer to judge)."""
    return "\n".join(f"{key} ✓{rate.true:.0%} ✗{rate.false:.0%}" for key, rate in row.flags.items())


def print_summary(summary: Summary, console: Console | None = None) -> None:
    """Print the summary: one table when the terminal is wide enough for every column, else
    one narrow table per task, titled with it.

    Args:
        summary: the run's summary.
        console: where to print (default: a new Console on the terminal).
    """
    console = console or Console()
    model = summary.config.get("model")
    title = f"reasoner eval: {model}" if model else "reasoner eval"
    if console.width >= WIDE:
        console.print(summary_table(summary, title=title))
    else:
        console.print(f"[bold]{escape(title)}[/]")
        for task in dict.fromkeys(r.task for r in summary.rows):
            console.print(summary_table(summary, title=task_label(task), wide=False, task=task))
    console.print(LEGEND, style="dim")
    for note in input_notes(summary):
        console.print(note, style="dim", highlight=False)
