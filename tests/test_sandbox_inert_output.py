"""Text from a model or a program reaches a terminal or a browser inert (issue 26).

Escape sequences in a program's error or output, or in a model's reply, reached the user's
terminal through `reasoner run` with ESC intact: OSC 52 writes the clipboard, OSC 0 the window
title, CSI 2J clears the screen, CSI 8m conceals text, and bidi overrides reorder what is
shown. Each print site now shows them as escapes (`reasoner.inert_text.inert`).
"""

from __future__ import annotations

import shutil
import unicodedata
from io import StringIO

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner

from reasoner.cli import app
from reasoner.inert_text import inert

OSC52 = "\x1b]52;c;ZXZpbA==\x07"  # put "evil" on the clipboard
HOSTILE = OSC52 + "\x1b]0;pwned\x07\x1b[2J\x1b[8mhidden\x9b31m\u202eevil\u2066x\x00"
ACTING = ["\x1b", "\x07", "\x9b", "\u202e", "\u2066", "\x00"]


def assert_inert(text: str) -> None:
    assert not [c for c in ACTING if c in text], repr(text)
    assert "\\x1b]52;c;ZXZpbA==\\x07" in text or "\\x1b" in text or "\\u202e" in text


BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@given(st.text())
def test_inert_text_holds_no_control_character_but_tab_and_newline(text):
    shown = inert(text)
    for char in shown:
        category = unicodedata.category(char)
        assert char in "\t\n" or category not in ("Cc", "Cs", "Zl", "Zp"), repr(shown)
        assert char not in BIDI, repr(shown)
    assert "\n" not in inert(text, one_line=True)
    shown.encode("utf-8")  # lone surrogates are escaped too


def test_printable_text_is_unchanged():
    text = "Answer: 5 ✓ naïve 中文 🙂\tx\nnext"
    assert inert(text) == text


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")
def test_reasoner_run_shows_a_programs_hostile_error_inert():
    program = f"```python\nraise ValueError({HOSTILE!r})\n```"
    result = CliRunner().invoke(app, ["run", "-m", f"scripted:{program}", "-s", "pal", "q?"])
    assert result.exit_code == 1, result.output
    assert "the program failed: ValueError" in result.output
    assert_inert(result.output)


def test_reasoner_run_shows_a_models_hostile_answer_inert():
    result = CliRunner().invoke(
        app, ["run", "-m", f"scripted:Answer: 5{HOSTILE}", "-s", "direct", "What is 2+3?"]
    )
    assert_inert(result.output)


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")
def test_reasoner_run_task_lines_are_inert():
    program = f"```python\nraise ValueError({HOSTILE!r})\n```"
    result = CliRunner().invoke(
        app, ["run", "-m", f"scripted:{program}", "-s", "pal", "-t", "arithmetic:n=1"]
    )
    assert "answer: no answer (pal): the program failed" in result.output
    assert_inert(result.output)


def test_the_terminal_table_shows_hostile_names_inert():
    from reasoner.report.metrics import summarize
    from reasoner.report.table import print_summary
    from reasoner.types import Result

    pipeline = f"direct{HOSTILE}"
    results = [
        Result(task="arithmetic", problem_id="1", pipeline=pipeline, answer="5", abstained=False,
               correct=True, details={f"f{OSC52}": True})
    ]  # fmt: skip
    summary = summarize(results, tasks=["arithmetic"], pipelines=[pipeline], seed=0)
    out = StringIO()
    print_summary(summary, Console(file=out, width=200, force_terminal=False))
    assert "direct" in out.getvalue()
    assert_inert(out.getvalue())


def test_report_html_shows_model_and_program_text_inert():
    from reasoner.report.html_report import render_html
    from reasoner.report.metrics import summarize
    from reasoner.types import Attempt, ExecutionResult, Result, TraceEvent

    execution = ExecutionResult(ok=False, stderr=HOSTILE, error=f"ValueError: {HOSTILE}")
    attempt = Attempt(strategy="pal", text=HOSTILE, program=HOSTILE, execution=execution)
    result = Result(
        task="arithmetic", problem_id="1", pipeline="pal", answer=f"5{HOSTILE}",
        abstained=False, correct=False, gold=5, error=f"failed {HOSTILE}", attempts=[attempt],
        trace=[TraceEvent(stage="pal", kind="completion", content=HOSTILE)],
    )  # fmt: skip
    summary = summarize([result], tasks=["arithmetic"], pipelines=["pal"], seed=0)
    html = render_html(summary, [result], {})
    assert "\\x1b]52" in html
    assert_inert(html)
