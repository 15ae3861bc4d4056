"""Reports cut accuracy by labelled difficulty axes (chess `theme`, `rating_band`)."""

from __future__ import annotations

import io

from rich.console import Console

from reasoner.report.label_cuts import label_cuts, label_cuts_markdown, print_label_cuts
from reasoner.report.markdown import markdown_table
from reasoner.report.metrics import summarize
from reasoner.types import Result

TASK = "chess:path=data/puzzles.csv,scoring=first_move"


def _result(i: int, pipeline: str, band: str, theme: str, correct: bool, legal: bool) -> Result:
    return Result(
        task=TASK,
        problem_id=f"p{i}",
        pipeline=pipeline,
        difficulty={"rating_band": band, "theme": theme, "moves": 1},
        answer="Qh5",
        abstained=False,
        correct=correct,
        details={"legal": legal},
    )


def _results() -> list[Result]:
    rows = [
        ("0-999", "mate", True, True),
        ("0-999", "material", True, True),
        ("1000-1499", "mate", False, True),
        ("2000+", "material", False, False),
    ]
    out = []
    for pipeline, right in (("pal", True), ("direct", False)):
        for i, (band, theme, correct, legal) in enumerate(rows):
            out.append(_result(i, pipeline, band, theme, correct and right, legal or right))
    return out


def test_labelled_axes_are_cut_per_level_and_pipeline_and_numeric_ones_are_not() -> None:
    cuts = label_cuts([summarize(_results())])
    assert set(cuts) == {(TASK, "rating_band"), (TASK, "theme")}  # not "moves": one number
    levels, pipelines, cells = cuts[(TASK, "rating_band")]
    assert levels == ["0-999", "1000-1499", "2000+"] and pipelines == ["pal", "direct"]
    assert cells[("0-999", "pal")].accuracy == 1.0 and cells[("0-999", "direct")].accuracy == 0.0
    assert cells[("2000+", "direct")].flags["legal"].true == 0.0


def test_markdown_and_terminal_reports_show_accuracy_and_legality_by_band_and_theme() -> None:
    summary = summarize(_results())
    table = label_cuts_markdown([summary])
    assert "accuracy by rating_band" in table and "accuracy by theme" in table
    assert "| 0-999 | 100% of 2, legal 100% | 0% of 2, legal 100% |" in table
    assert "| 2000+ | 0% of 1, legal 100% | 0% of 1, legal 0% |" in table
    assert "| material | 50% of 2, legal 100% | 0% of 2, legal 50% |" in table
    assert table in markdown_table(summary)
    out = io.StringIO()
    print_label_cuts(summary, Console(file=out, width=200))
    printed = out.getvalue()
    assert "accuracy by theme" in printed and "50% of 2, legal 100%" in printed


def test_a_run_without_labelled_axes_adds_nothing() -> None:
    plain = [
        r.model_copy(update={"difficulty": {"disks": i + 1}}) for i, r in enumerate(_results())
    ]
    assert label_cuts_markdown([summarize(plain)]) == ""
