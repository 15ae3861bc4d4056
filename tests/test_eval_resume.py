"""Crash safety: a run killed at any moment resumes to exactly the uninterrupted results."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_eval_support import run_small_eval

from reasoner.eval import comparable_lines, without_timing
from reasoner.eval.store import ResultStore

TESTS = Path(__file__).resolve().parent
N = 10
CELLS = 2 * 2 * N  # tasks x pipelines x problems


def _summary_rows(out: Path) -> list:
    return without_timing(json.loads((out / "summary.json").read_text())["rows"])


def _complete_lines(out: Path) -> int:
    path = out / "results.jsonl"
    return path.read_bytes().count(b"\n") if path.exists() else 0


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted run of the small eval: what every resumed run must end with."""
    out = tmp_path_factory.mktemp("baseline")
    run_small_eval(out, n=N)
    return out


def test_resume_after_a_torn_line_gives_the_uninterrupted_results(
    baseline: Path, tmp_path: Path
) -> None:
    run_small_eval(tmp_path, n=N)
    lines = (tmp_path / "results.jsonl").read_bytes().splitlines(keepends=True)
    # What a crash leaves: some finished cells in completion order, then half a line.
    kept = lines[12:20] + lines[:5]
    torn = lines[7][: len(lines[7]) // 2]
    (tmp_path / "results.jsonl").write_bytes(b"".join(kept) + torn)
    (tmp_path / "summary.json").unlink()

    run_small_eval(tmp_path, n=N)

    assert comparable_lines(tmp_path / "results.jsonl") == comparable_lines(
        baseline / "results.jsonl"
    )
    final = (tmp_path / "results.jsonl").read_bytes().splitlines(keepends=True)
    assert all(line in final for line in kept), "finished cells were kept, not run again"
    assert _summary_rows(tmp_path) == _summary_rows(baseline)


def test_recover_cuts_only_the_torn_tail(tmp_path: Path) -> None:
    run_small_eval(tmp_path, n=2)
    path = tmp_path / "results.jsonl"
    whole = path.read_bytes()
    path.write_bytes(whole + b'{"task": "toy", "probl')
    done = ResultStore(tmp_path).recover()
    assert len(done) == 8
    assert path.read_bytes() == whole


def _child(out: Path, plots: bool) -> None:
    run_small_eval(out, n=N, delay_s=0.05, plots=plots)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork to start runs quickly")
def test_sigkill_at_random_moments_then_resume_equals_an_uninterrupted_run(
    baseline: Path, tmp_path: Path
) -> None:
    # Forked children start in milliseconds (imports are done), so twenty real SIGKILLs
    # fit in seconds. Most land while cells are being written (torn lines); the rest at any
    # moment of a run that also draws its reports (the ordered rewrite, summary, plots, HTML).
    fork = multiprocessing.get_context("fork")

    def start(out: Path, plots: bool):
        process = fork.Process(target=_child, args=(out, plots))
        process.start()
        return process

    # Kill windows in seconds, narrowed to a run's real length whenever one finishes first
    # (a resumed run has less left to do). Writing all cells takes at least 0.75 s (40 cells,
    # 1.5 model calls each on average, 0.05 s per call, 4 at a time), so the first kills
    # land while cells are being written.
    timings = {False: 0.6, True: 3.0}

    out = tmp_path / "killed"
    rng = random.Random(7)
    kills = mid_run = attempts = 0
    while kills < 20:
        attempts += 1
        assert attempts < 200, "the runs kept finishing before the kill"
        plots = kills >= 14
        began = time.perf_counter()
        process = start(out, plots)
        process.join(rng.uniform(0, timings[plots]))
        if process.is_alive():
            process.kill()
            process.join()
            kills += 1
            mid_run += 0 < _complete_lines(out) < CELLS
        else:  # it finished first: what is left to do is shorter now, aim within that
            timings[plots] = time.perf_counter() - began
    process = start(out, True)
    process.join()
    assert process.exitcode == 0

    assert mid_run >= 1, "no kill landed while cells were being written"
    assert comparable_lines(out / "results.jsonl") == comparable_lines(baseline / "results.jsonl")
    assert _summary_rows(out) == _summary_rows(baseline)
    assert not list(out.glob(".*.tmp")), "a finished run leaves no temporary file"
    assert (out / "report.html").stat().st_size > 0


def test_a_fresh_interpreter_killed_mid_run_resumes_to_the_same_results(
    baseline: Path, tmp_path: Path
) -> None:
    script = (
        f"import sys; sys.path[:0] = [{str(TESTS)!r}]; "
        "from test_eval_support import run_small_eval; "
        f"run_small_eval({str(tmp_path)!r}, n={N}, delay_s=0.05)"
    )
    process = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 60
    while _complete_lines(tmp_path) < 5 and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert _complete_lines(tmp_path) < CELLS, "killed before the run finished"

    run_small_eval(tmp_path, n=N)  # resume (here, in this process)
    assert comparable_lines(tmp_path / "results.jsonl") == comparable_lines(
        baseline / "results.jsonl"
    )
