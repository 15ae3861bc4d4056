"""The summary as a table in the terminal: everything on a wide one, the essentials on a
narrow one (pipeline specs are long, and a squeezed table is unreadable)."""

from __future__ import annotations

from collections.abc import Callable

from rich import box
from rich.console import Console
from rich.markup import escape as markup_escape
from rich.table import Table

from reasoner.inert_text import inert
from reasoner.report.label_cuts import print_label_cuts
from reasoner.report.labels import input_notes, task_label
from reasoner.report.metrics import THRESHOLDS, Summary, SummaryRow
from reasoner.report.pipeline_graphs import spec_lines
from reasoner.report.sampling import HEADER, NOTE, cost_rows
from reasoner.report.skipped_rows import listing
from reasoner.terminal import make_console


def escape(text: str) -> str:
    """Rich-markup escaping of text from a run's files (a model's, a program's), shown inert."""
    return markup_escape(inert(text))


#: Below this terminal width the table keeps only its essential columns.
WIDE = 140

#: header, cell, shown when narrow, what the legend says about it
Column = tuple[str, Callable[[SummaryRow], str], bool, str]


def _signed(value: float) -> str:
    style = "green" if value > 0 else "red" if value < 0 else ""
    text = f"{value:+.2f}"
    return f"[{style}]{text}[/]" if style else text


_SCORE_NOTE = "confidence-target score at t (correct +1, abstain 0, wrong -t/(1-t))"


def _score(t: float) -> Column:
    return (
        f"S t={t:g}".replace("0.", "."),
        lambda r: _signed(r.score_t[f"{t:g}"]),
        t == 0.75,
        _SCORE_NOTE,
    )


COLUMNS: list[Column] = [
    ("n", lambda r: str(r.n), True, "problems"),
    ("acc", lambda r: f"[bold]{r.accuracy:.1%}[/]", True, "accuracy"),
    (
        "95% CI",
        lambda r: f"[dim]{r.accuracy_ci95[0]:.0%}-{r.accuracy_ci95[1]:.0%}[/]",
        False,
        "bootstrap interval of accuracy",
    ),
    ("abst", lambda r: f"{r.abstention_rate:.0%}", True, "abstained"),
    ("wrong", lambda r: f"{r.wrong_rate:.0%}", False, "wrong, no answer or error"),
    *(_score(t) for t in THRESHOLDS),
    ("calls", lambda r: f"{r.cost.model_calls:.1f}", True, "model calls per problem"),
    (
        "tokens",
        lambda r: f"{r.cost.tokens_in + r.cost.tokens_out:.0f}",
        True,
        "tokens in+out per problem",
    ),
    ("s", lambda r: f"{r.cost.wall_s:.2f}", False, "seconds per problem"),
    (
        "err",
        lambda r: f"[red]{r.errors}[/]" if r.errors else "0",
        True,
        "problems whose run failed with an error (counted as wrong; the error is in "
        "results.jsonl and report.html)",
    ),
]


def legend(columns: list[Column], details: bool = False) -> str:
    """What each shown column means, in column order, each note once (the S t columns
    share one); `details` adds the details column."""
    parts: list[str] = []
    seen: set[str] = set()
    for header, _, _, note in columns:
        if note in seen:
            continue
        seen.add(note)
        name = "S t" if note == _SCORE_NOTE else header
        parts.append(f"{name}: {note}")
    if details:
        parts.append("details: share of results where a task's check held (✓) or not (✗)")
    return "; ".join(parts)


def shown_columns(wide: bool) -> list[Column]:
    """The columns of a wide table, or the essentials of a narrow one."""
    return [c for c in COLUMNS if wide or c[2]]


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
    columns = shown_columns(wide)
    for header, _, _, _ in columns:
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
        cells = [*label, escape(row.pipeline), *(cell(row) for _, cell, _, _ in columns)]
        if with_flags:
            cells.append(escape(flags_text(row)))
        table.add_row(*cells)
    return table


def flags_text(row: SummaryRow) -> str:
    """Boolean details as rates of True and False, e.g. 'legal ✓80% ✗15%' (the rest of the
    results have no such detail, e.g. no answer to judge)."""
    lines = [f"{key} ✓{rate.true:.0%} ✗{rate.false:.0%}" for key, rate in row.flags.items()]
    return "\n".join(lines + [f"{key} {mean:.2f}" for key, mean in row.means.items()])


def print_costs(summary: Summary, console: Console) -> None:
    """The cost in samples (completions, generated tokens, samples drawn), when recorded."""
    rows = cost_rows([summary])
    if not rows:
        return
    table = Table(title="cost in samples", box=box.SIMPLE_HEAD, header_style="bold")
    for header in HEADER:
        table.add_column(header, justify="left" if header in ("task", "pipeline") else "right")
    for row in rows:
        table.add_row(*(escape(c) for c in row))
    console.print(table)
    console.print(NOTE, style="dim", highlight=False)


def print_summary(summary: Summary, console: Console | None = None) -> None:
    """Print the summary: one table when the terminal is wide enough for every column, else
    one narrow table per task, titled with it; then the legend of the columns shown, the
    program-input notes, and every skipped data-file row (20 per task at most; summary.json
    and report.html list them all).

    Args:
        summary: the run's summary.
        console: where to print (default: stdout, unwrapped when it is not a terminal).
    """
    console = console or make_console()
    model = summary.config.get("model")
    title = escape(f"reasoner eval: {model}" if model else "reasoner eval")
    wide = console.width >= WIDE
    if wide:
        console.print(summary_table(summary, title=title))
    else:
        console.print(f"[bold]{title}[/]")
        for task in dict.fromkeys(r.task for r in summary.rows):
            console.print(summary_table(summary, title=task_label(task), wide=False, task=task))
    details = wide and any(r.flags for r in summary.rows)
    console.print(legend(shown_columns(wide), details), style="dim", highlight=False)
    for note in input_notes(summary):
        console.print(inert(note), style="dim", highlight=False)
    for line in spec_lines([summary.config]):
        console.print(inert(line), style="dim", highlight=False, markup=False)
    print_label_cuts(summary, console)
    print_costs(summary, console)
    for line in listing(summary.skipped_rows):
        console.print(inert(line), style="yellow", highlight=False, markup=False)
