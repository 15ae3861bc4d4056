"""How reports list the bad rows a run skipped: per task, `file:line: what is wrong`.

The runner collects them (`reasoner.eval.skipped_rows`) and records them in config.json;
the terminal table, the Markdown and report.html name each one from there.
"""

from __future__ import annotations

from reasoner.types import RowError

#: Terminal output lists this many bad rows per task; the files list every one.
SHOWN = 20


def groups(skipped: dict[str, list[RowError]], shown: int = SHOWN) -> list[tuple[str, list[str]]]:
    """Each task's heading and the lines under it (`file:line: what is wrong`), `shown` rows
    at most per task, so the terminal and Markdown lay out the same content their own way.

    Args:
        skipped: the bad rows by task spec.
        shown: how many rows per task to list; the rest are counted, and named in
            summary.json and report.html.

    Returns:
        [(heading, [line, ...]), ...]; empty when nothing was skipped.
    """
    out = []
    for spec, rows in skipped.items():
        items = [str(row) for row in rows[:shown]]
        if len(rows) > shown:
            items.append(f"... and {len(rows) - shown} more (all in summary.json, report.html)")
        out.append((f"skipped {bad_rows(len(rows))} of {spec}:", items))
    return out


def listing(skipped: dict[str, list[RowError]], shown: int = SHOWN) -> list[str]:
    """Lines naming each skipped row, indented under its task, for the terminal.

    Returns:
        The lines to print; empty when nothing was skipped.
    """
    return [
        line
        for heading, items in groups(skipped, shown)
        for line in [heading, *(f"  {item}" for item in items)]
    ]


def bad_rows(k: int) -> str:
    """`k` counted in words: "1 bad row", "3 bad rows"."""
    return f"{k} bad row" + ("" if k == 1 else "s")
