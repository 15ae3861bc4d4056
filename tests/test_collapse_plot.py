"""The Hanoi collapse plot, partial credit in reports, and the inputs=none label."""

from __future__ import annotations

from pathlib import Path

import pytest
from toy import fake_runner

from reasoner.eval import evaluate
from reasoner.models.scripted import ScriptedModel
from reasoner.report.collapse_plot import COLLAPSE_PNG, collapse_panels
from reasoner.report.markdown import markdown_table
from reasoner.report.plots import draw_plots

HANOI = "hanoi:disks=1-3,per_size=1,inputs=none"


@pytest.fixture(scope="module")
def hanoi_run(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("collapse")
    # Every reply is the one-disk solution: N=1 solved, N=2 and 3 legal but unfinished.
    summary = evaluate(
        [HANOI],
        ["direct", "pal"],
        ScriptedModel(["Move disk 1 from A to C"]),
        out=out,
        run_program=fake_runner,
        progress=False,
    )
    return summary, out


def test_partial_credit_is_averaged_per_row_and_per_size(hanoi_run) -> None:
    summary, _ = hanoi_run
    direct = summary.row(HANOI, "direct")
    assert direct.means["partial_credit"] == pytest.approx((1 + 0.05 + 0.05) / 3)
    by_size = {
        r.level: r.means["partial_credit"]
        for r in summary.by_difficulty
        if r.pipeline == "direct" and r.axis == "disks"
    }
    assert by_size == {1: 1.0, 2: 0.05, 3: 0.05}
    assert "partial_credit 0.37" in markdown_table(summary)


def test_a_hanoi_run_writes_the_collapse_plot(hanoi_run) -> None:
    _, out = hanoi_run
    data = (out / COLLAPSE_PNG).read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 5000
    assert COLLAPSE_PNG.removesuffix(".png").replace("_", " ") in (out / "report.html").read_text()


def test_runs_without_a_size_axis_draw_no_collapse_plot(tmp_path: Path) -> None:
    summary = evaluate(
        ["arithmetic:n=2"],
        ["direct"],
        ScriptedModel(["Answer: 5"]),
        out=tmp_path,
        progress=False,
    )
    assert collapse_panels(summary) == {}
    assert COLLAPSE_PNG not in draw_plots(summary)


def test_reports_say_when_programs_were_handed_nothing(hanoi_run) -> None:
    summary, out = hanoi_run
    assert summary.handed_nothing == [HANOI]
    assert HANOI not in summary.program_inputs
    note = "programs were handed nothing: they read the question"
    assert note in markdown_table(summary)
    assert note in (out / "report.html").read_text()
