"""Reports: summary.json, the PNG plots and report.html, drawn again from files alone."""

from __future__ import annotations

import base64
import json
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_eval_support import run_small_eval
from toy import fake_runner

from reasoner import ReasonerError
from reasoner.eval import evaluate, report
from reasoner.models.scripted import ScriptedModel
from reasoner.report.calibration_plots import CALIBRATION_PLOTS
from reasoner.report.html_report import render_html
from reasoner.report.markdown import markdown_side_by_side, markdown_table
from reasoner.report.metrics import summarize
from reasoner.report.plots import PLOTS
from reasoner.types import Result, TraceEvent, Verdict

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report_run")
    run_small_eval(out, n=6, plots=True)
    return out


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_the_run_writes_every_report_file(run: Path) -> None:
    for name in ("results.jsonl", "config.json", "summary.json", "report.html", *PLOTS):
        assert (run / name).stat().st_size > 0, name
    for name in PLOTS:
        width, height = _png_size((run / name).read_bytes())
        assert width >= 500 and height >= 300


def test_report_from_files_alone_reproduces_summary_json(run: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("results.jsonl", "config.json"):
        shutil.copy(run / name, copy / name)
    summary = report(copy)
    assert (copy / "summary.json").read_text() == (run / "summary.json").read_text()
    assert json.loads(summary.model_dump_json()) == json.loads((run / "summary.json").read_text())
    for name in ("report.html", *PLOTS):
        assert (copy / name).exists()


def test_report_of_an_interrupted_run_in_completion_order_gives_the_same_scores(
    run: Path, tmp_path: Path
) -> None:
    lines = (run / "results.jsonl").read_text().splitlines(keepends=True)
    random.Random(1).shuffle(lines)
    (tmp_path / "results.jsonl").write_text("".join(lines) + '{"torn": ')
    shutil.copy(run / "config.json", tmp_path / "config.json")
    summary = report(tmp_path)
    rows = json.loads(summary.model_dump_json())["rows"]
    assert rows == json.loads((run / "summary.json").read_text())["rows"]


def test_report_html_embeds_the_plots_and_needs_nothing_online(run: Path) -> None:
    html = (run / "report.html").read_text()
    images = re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", html)
    assert len(images) == len(PLOTS) + len(CALIBRATION_PLOTS)  # the toy run has confidences
    for encoded in images:
        _png_size(base64.b64decode(encoded))
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", html), "no external resource"
    assert "<script" not in html
    for text in (
        "Summary",
        "By difficulty",
        "Example traces",
        "pal &gt;&gt; check",
        "toy:big",
        "first wrong",
        "first correct",
        "&quot;seed&quot;: 0",
    ):
        assert text in html, text


def test_report_html_escapes_model_text() -> None:
    hostile = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    result = Result(
        task="t<b>",
        problem_id="p&1",
        pipeline="direct",
        answer=hostile,
        abstained=False,
        correct=False,
        gold="<i>gold</i>",
        details={"error": hostile},
        verdicts=[Verdict(checker="c", status="failed", evidence=hostile)],
        trace=[
            TraceEvent(stage="direct", kind="completion", content=hostile, data={"note": hostile})
        ],
    )
    html = render_html(summarize([result]), [result], {})
    assert "<script>" not in html and "<img src=x" not in html and "t<b>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "p&amp;1" in html and "t&lt;b&gt;" in html
    assert "&amp;lt;" not in html, "escaped once, not twice"


def test_report_of_a_folder_without_a_run_says_what_to_pass(tmp_path: Path) -> None:
    with pytest.raises(ReasonerError, match="not found"):
        report(tmp_path / "nowhere")
    with pytest.raises(ReasonerError, match="config.json not found"):
        report(tmp_path)


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_report_renders_in_headless_chromium_with_its_images(run: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    done = _chromium(
        "--screenshot=" + str(shot),
        "--window-size=1200,2000",
        (run / "report.html").as_uri(),
        profile=tmp_path / "profile1",
    )
    assert shot.exists(), done.stderr[-2000:]
    from PIL import Image

    pixels = Image.open(shot).convert("L")
    assert pixels.size == (1200, 2000)
    histogram = pixels.histogram()
    background = max(histogram) / sum(histogram)
    assert background < 0.9, "the page is (nearly) blank"

    # The report has no script; a copy with one reports whether each image decoded.
    probe = tmp_path / "probe.html"
    script = (
        "<script>window.addEventListener('load',()=>{document.body.setAttribute("
        "'data-widths',[...document.images].map(i=>i.naturalWidth).join(','))})</script>"
    )
    probe.write_text((run / "report.html").read_text().replace("</body>", script + "</body>"))
    done = _chromium(
        "--dump-dom", "--virtual-time-budget=5000", probe.as_uri(), profile=tmp_path / "profile2"
    )
    found = re.search(r'data-widths="([\d,]*)"', done.stdout)
    assert found, done.stderr[-2000:]
    widths = [int(w) for w in found.group(1).split(",")]
    assert len(widths) == len(PLOTS) + len(CALIBRATION_PLOTS) and all(w >= 500 for w in widths)


def test_reports_say_which_variables_pal_programs_were_given(tmp_path: Path) -> None:
    summary = evaluate(
        ["hanoi:disks=2", "arithmetic:n=2"],
        ["pal"],
        ScriptedModel(["print(5)"]),
        out=tmp_path,
        run_program=fake_runner,
        progress=False,
    )
    assert summary.program_inputs == {"hanoi:disks=2": ["N", "SOURCE", "SPARE", "TARGET"]}
    assert json.loads((tmp_path / "summary.json").read_text())["program_inputs"] == (
        summary.program_inputs
    )
    html = (tmp_path / "report.html").read_text()
    assert "N, SOURCE, SPARE, TARGET as predefined variables" in html
    assert "arithmetic:n=2: programs were given" not in html
    assert "- hanoi:disks=2: programs were given N, SOURCE" in markdown_table(summary)


def test_side_by_side_groups_runs_by_task_with_a_model_column(run: Path) -> None:
    small = report(run)
    large = small.model_copy(update={"config": {**small.config, "model": "qwen2.5-coder-1.5b"}})
    text = markdown_side_by_side([small, large])
    table = text.splitlines()
    assert table[0].startswith("| task | model | pipeline |")
    body = [line for line in table[2 : table.index("")] if line.startswith("|")]
    assert len(body) == 2 * len(small.rows)
    tasks = [line.split(" | ")[0].strip("| ") for line in body]
    assert len([t for t in tasks if t]) == len({row.task for row in small.rows})
    models = [line.split(" | ")[1] for line in body]
    assert models.count("`qwen2.5-coder-1.5b`") == len(small.rows)
    assert models.count(f"`{small.config['model']}`") == len(small.rows)
    # Then one confidence table and one revision table with both runs' rows, each with the
    # model column: without it the two runs' rows for a pipeline would read alike.
    for heading, wanted in [
        ("| task | model | pipeline | S t=0.5", [r for r in small.rows if r.risk_coverage]),
        (
            "| task | model | pipeline | n | first answer right",
            [r for r in small.rows if r.revision],
        ),
    ]:
        section = text[text.index(heading) :].splitlines()
        rows = section[2 : section.index("")]
        assert len(rows) == 2 * len(wanted) > 0, heading
        assert sum("`qwen2.5-coder-1.5b`" in row for row in rows) == len(wanted), heading
    same_model = markdown_side_by_side([small, small]).splitlines()
    assert same_model[0].startswith("| task | pipeline |")
