"""Bad rows of a task's data file: skipped and named everywhere, or an error with --strict."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from reasoner import TaskFileError
from reasoner.cli import app, main
from reasoner.eval import evaluate, print_summary, report
from reasoner.models.scripted import ScriptedModel

GOOD = [
    {"question": "Tom has 2 apples and buys 3 more. How many?", "answer": "2+3=5\n#### 5"},
    {"question": "A box holds 4 pens. How many pens in 2 boxes?", "answer": "#### 8"},
    {"input": "What is 10 minus 4?", "target": 6},
    {"question": "Sam reads 7 pages a day for 2 days. Pages?", "answer": "#### 14"},
    {"question": "Half of 18?", "answer": "#### 9"},
]
#: line number -> (raw line, what the error must mention)
BAD = {
    2: ('{"question": "broken json", "answer": ', "bad JSON"),
    5: ('{"question": "no gold here"}', "answer"),
    7: ('{"question": "What?", "answer": "#### lots"}', "lots"),
}


def corrupted_gsm8k(folder: Path) -> Path:
    """An 8-line GSM8K/GSM-Hard file whose lines 2, 5 and 7 are bad."""
    good = iter(GOOD)
    lines = [BAD[n][0] if n in BAD else json.dumps(next(good)) for n in range(1, 9)]
    path = folder / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_eval(tmp_path: Path, **kwargs):
    data = corrupted_gsm8k(tmp_path)
    spec = f"gsm8k:path={data}"
    out = tmp_path / "run"
    summary = evaluate(
        [spec], ["direct"], ScriptedModel(["Answer: 5"]), out=out, progress=False, **kwargs
    )
    return spec, data, out, summary


def test_every_skipped_row_is_in_the_summary_config_and_summary_json(tmp_path):
    spec, data, out, summary = run_eval(tmp_path)
    assert summary.rows[0].n == 5
    skipped = summary.skipped_rows[spec]
    assert [(r.source, r.line) for r in skipped] == [(str(data), n) for n in sorted(BAD)]
    for row in skipped:
        assert BAD[row.line][1] in row.message
    config = json.loads((out / "config.json").read_text())
    summary_json = json.loads((out / "summary.json").read_text())
    for stored in (config["skipped_rows"][spec], summary_json["skipped_rows"][spec]):
        assert [r["line"] for r in stored] == sorted(BAD)
        assert all(r["source"] == str(data) and r["message"] for r in stored)


def test_report_html_lists_every_skipped_row(tmp_path):
    _spec, data, out, _summary = run_eval(tmp_path)
    html = (out / "report.html").read_text()
    assert "3 bad data-file rows skipped" in html
    section = html[html.index("id='skipped'") :]
    for line, (_raw, what) in BAD.items():
        assert f"<td>{line}</td>" in section and what in section
    assert str(data) in section


def test_report_redrawn_from_files_keeps_the_skipped_rows(tmp_path):
    spec, _data, out, _summary = run_eval(tmp_path)
    (out / "summary.json").unlink()
    (out / "report.html").unlink()
    again = report(out)
    assert [r.line for r in again.skipped_rows[spec]] == sorted(BAD)
    assert "3 bad data-file rows skipped" in (out / "report.html").read_text()


def test_the_terminal_table_names_each_skipped_row(tmp_path):
    spec, data, _out, summary = run_eval(tmp_path)
    buffer = io.StringIO()
    print_summary(summary, Console(file=buffer, width=200))
    text = buffer.getvalue()
    assert f"skipped 3 bad rows of {spec}:" in text
    for line in BAD:
        assert f"{data}:{line}: " in text


def test_strict_refuses_a_file_with_a_bad_row(tmp_path):
    with pytest.raises(TaskFileError, match=r"3 bad rows in task data .* first: .*mixed.jsonl:2"):
        run_eval(tmp_path, strict=True)
    assert not (tmp_path / "run" / "results.jsonl").exists()


def test_a_clean_file_runs_under_strict(tmp_path):
    path = tmp_path / "clean.jsonl"
    path.write_text("".join(json.dumps(item) + "\n" for item in GOOD))
    summary = evaluate(
        [f"gsm8k:path={path}"],
        ["direct"],
        ScriptedModel(["Answer: 5"]),
        progress=False,
        strict=True,
    )
    assert summary.rows[0].n == 5 and summary.skipped_rows == {}


def test_cli_eval_prints_each_skipped_row(tmp_path):
    data = corrupted_gsm8k(tmp_path)
    result = CliRunner().invoke(
        app,
        ["eval", "-m", "scripted:Answer: 5", "-s", "direct", "-t", f"gsm8k:path={data}"]
        + ["--out", str(tmp_path / "run"), "--no-progress"],
    )
    assert result.exit_code == 0, result.output
    for line, (_raw, what) in BAD.items():
        shown = next(ln for ln in result.output.splitlines() if f"{data}:{line}: " in ln)
        assert what in shown


def test_cli_eval_strict_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    data = corrupted_gsm8k(tmp_path)
    args = ["eval", "-m", "scripted", "-s", "direct", "-t", f"gsm8k:path={data}", "--strict"]
    monkeypatch.setattr(sys, "argv", ["reasoner", *args, "--out", str(tmp_path / "run")])
    with pytest.raises(SystemExit) as info:
        main()
    err = capsys.readouterr().err
    assert info.value.code == 2
    (line,) = err.strip().splitlines()
    assert "3 bad rows" in line and "--strict" in line


def test_cli_run_on_a_task_lists_skipped_rows_and_strict_stops(tmp_path, monkeypatch, capsys):
    data = corrupted_gsm8k(tmp_path)
    args = ["run", "-m", "scripted:Answer: 5", "-s", "direct", "-t", f"gsm8k:path={data}"]
    monkeypatch.setattr(sys, "argv", ["reasoner", *args])
    with pytest.raises(SystemExit) as info:
        main()
    captured = capsys.readouterr()
    assert info.value.code in (0, None)
    assert all(f"{data}:{line}: " in captured.err for line in BAD)
    assert "ran 3 of 5 problems" in captured.out
    monkeypatch.setattr(sys, "argv", ["reasoner", *args, "--strict"])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 2 and "3 bad rows" in capsys.readouterr().err


LICHESS_HEADER = (
    "PuzzleId,FEN,Moves,Rating,RatingDeviation,Popularity,NbPlays,Themes,GameUrl,OpeningTags"
)
LICHESS_GOOD = (
    "005Ep,5kr1/ppR3p1/3R3p/8/1r1n4/8/1P3PPP/2K5 b - - 4 31,d4b5 d6d8,752,84,100,389,"
    "endgame mate mateIn1 oneMove,https://lichess.org/ttFEoJfQ/black#62,"
)


def test_a_corrupted_lichess_csv_reports_each_bad_row(tmp_path):
    bad_fen = LICHESS_GOOD.replace("5kr1/ppR3p1", "5kr1/ppR3p1/9").replace("005Ep", "bad01")
    illegal = LICHESS_GOOD.replace("d4b5 d6d8", "d4b5 a1a8").replace("005Ep", "bad02")
    path = tmp_path / "puzzles.csv"
    path.write_text("\n".join([LICHESS_HEADER, LICHESS_GOOD, bad_fen, illegal]) + "\n")
    spec = f"chess:path={path}"
    out = tmp_path / "run"
    summary = evaluate([spec], ["direct"], ScriptedModel(["Rd8#"]), out=out, progress=False)
    assert summary.rows[0].n == 1
    assert [r.line for r in summary.skipped_rows[spec]] == [3, 4]
    html = (out / "report.html").read_text()
    assert "bad01" in html and "bad02" in html


def test_the_markdown_table_names_each_skipped_row(tmp_path):
    from reasoner.report.markdown import markdown_side_by_side, markdown_table

    spec, data, _out, summary = run_eval(tmp_path)
    for text in (markdown_table(summary), markdown_side_by_side([summary, summary])):
        assert text.count(f"- skipped 3 bad rows of {spec}:") == 1
        for line in BAD:
            assert f"  - {data}:{line}: " in text
