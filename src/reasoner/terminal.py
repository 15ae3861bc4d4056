"""The rich Console every command prints through: terminal width on a terminal, no hard
wrapping when the output goes to a file or a pipe."""

from __future__ import annotations

import os

from rich.console import Console

#: Width used when the output is not a terminal and COLUMNS is unset: rich would otherwise
#: wrap every line at 80 columns, which breaks tables and long lines in logs and files.
UNWRAPPED_WIDTH = 1000


def make_console(*, stderr: bool = False) -> Console:
    """A Console on stdout (or stderr) that does not hard-wrap redirected output.

    Args:
        stderr: print to standard error instead of standard output.

    Returns:
        The terminal's width on a terminal (or COLUMNS when set); otherwise a width wide
        enough that tables and lines come out whole.
    """
    console = Console(stderr=stderr)
    if console.is_terminal or os.environ.get("COLUMNS"):
        return console
    return Console(stderr=stderr, width=UNWRAPPED_WIDTH)
