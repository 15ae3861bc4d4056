"""Kill a real `reasoner eval` with SIGKILL several times, resume it, and compare the final
results line by line with an uninterrupted run of the same command.

    .venv/bin/python scripts/check_resume.py --kills 3 -- \
        --task "arithmetic:digits=3,n=16" --strategy direct --strategy pal

Everything after `--` is passed to `reasoner eval` (with `--out` set here). Timing fields
(wall_s, latency_s, duration_s) are left out of the comparison; everything else, answers,
traces, token counts, must be equal. Exit status 0 when the runs agree, 1 when they do not.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reasoner.eval import comparable_lines, without_timing

REASONER = [sys.executable, "-m", "reasoner", "eval", "--no-progress"]


def run_to_end(args: list[str], out: Path) -> float:
    start = time.perf_counter()
    subprocess.run([*REASONER, *args, "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def lines_in(out: Path) -> int:
    path = out / "results.jsonl"
    return path.read_bytes().count(b"\n") if path.exists() else 0


def run_with_kills(args: list[str], out: Path, kills: int, rng: random.Random, span: float) -> None:
    """Start the run, SIGKILL it at a random moment, `kills` times; then let it finish."""
    for k in range(kills):
        process = subprocess.Popen([*REASONER, *args, "--out", str(out)], stdout=subprocess.DEVNULL)
        # The model loads in ~20 s of every start: kill early enough to land among the cells.
        delay = rng.uniform(0.25, 0.7) * span
        try:
            process.wait(timeout=delay)
            print(f"kill {k + 1}: the run finished before {delay:.0f} s", flush=True)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            print(f"kill {k + 1}: SIGKILL at {delay:.0f} s, {lines_in(out)} lines kept", flush=True)
    run_to_end(args, out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="keep both output folders under this folder")
    parser.add_argument("eval_args", nargs=argparse.REMAINDER)
    ns = parser.parse_args()
    args = [a for a in ns.eval_args if a != "--"]
    root = Path(tempfile.mkdtemp(prefix="resume-")) if ns.keep is None else ns.keep
    whole, killed = root / "uninterrupted", root / "killed"
    for folder in (whole, killed):
        shutil.rmtree(folder, ignore_errors=True)

    seconds = run_to_end(args, whole)
    print(f"uninterrupted: {lines_in(whole)} lines in {seconds:.0f} s", flush=True)
    run_with_kills(args, killed, ns.kills, random.Random(ns.seed), seconds)

    a, b = comparable_lines(whole / "results.jsonl"), comparable_lines(killed / "results.jsonl")
    differing = [i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y]
    summaries = [
        without_timing(json.loads((f / "summary.json").read_text())["rows"])
        for f in (whole, killed)
    ]
    print(f"lines: {len(a)} uninterrupted, {len(b)} after {ns.kills} kills and resume")
    print(f"lines that differ (timing fields aside): {len(differing)}")
    for i in differing[:5]:
        print(f"  line {i + 1}: {a[i]['task']} {a[i]['problem_id']} {a[i]['pipeline']}")
    print(f"summary rows equal: {summaries[0] == summaries[1]}")
    if ns.keep is None:
        shutil.rmtree(root)
    return 0 if len(a) == len(b) and not differing and summaries[0] == summaries[1] else 1


if __name__ == "__main__":
    sys.exit(main())
