"""Per-execution overhead and throughput of the sandbox for a trivial program (`print(1)`).

Latency, over N runs each:
  - warm:      `SandboxPool.run` with a ready worker (the pool refills between runs, untimed);
  - cold:      a sandbox of the same kind spawned for the run (`SandboxPool(size=0)`);
  - baseline:  a bare `python -c 'print(1)'` subprocess, no isolation at all.
Throughput: trivial programs per second, `--concurrency` threads (8) running `--programs`
(200) programs through one default pool (`size=2`): with workers single-use, births bound it.
With `--old-birth` (the default) the same throughput is measured for the birth as it was
before issue 26, in the same run and alternating with the new one, so the ratio compares the
two under the same load: the old fixed pre-imports (chess and seven stdlib modules), the
modules the old worker imported at startup (json, traceback, socket, ...), and each path
bound on its own instead of the mirror's tree as one mount. What issue 26 added to every
birth (a uid of its own, device nodes of its own, reaping) is paid by both.

Usage: python benchmarks/sandbox.py [--runs 200] [--cold-runs 50] [--programs 200]
       [--concurrency 8] [--rounds 2] [--no-old-birth]
The last line printed is a JSON object with the figures (milliseconds, programs per second).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from reasoner.sandbox import SandboxPool

PROGRAM = "print(1)"
# The birth before issue 26 (commit a847954): what every worker imported before it was ready.
OLD_PRELOAD = ("math", "fractions", "decimal", "itertools", "functools", "collections", "re")
OLD_PRELOAD += ("chess",)
OLD_WORKER_IMPORTS = ("contextlib", "json", "linecache", "socket", "traceback")
OLD_BIRTH: dict[str, Any] = {
    "preload": OLD_PRELOAD + OLD_WORKER_IMPORTS,
    "learn_preload": False,
    "single_root": False,
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary(name: str, seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    row = {
        "median": statistics.median(ms),
        "p99": percentile(ms, 0.99),
        "mean": statistics.fmean(ms),
    }
    print(
        f"{name:<28} median {row['median']:8.2f} ms   p99 {row['p99']:8.2f} ms   "
        f"mean {row['mean']:8.2f} ms   (n={len(ms)})"
    )
    return row


def time_warm(pool: SandboxPool, runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        if not pool.wait_ready(60):
            raise SystemExit("the pool did not refill within 60 s")
        started = time.perf_counter()
        result = pool.run(PROGRAM)
        timings.append(time.perf_counter() - started)
        assert result.ok and result.stdout == "1\n", result
    return timings


def time_cold(pool: SandboxPool, runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        result = pool.run(PROGRAM)
        timings.append(time.perf_counter() - started)
        assert result.ok and result.stdout == "1\n", result
    return timings


def time_subprocess(runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, check=True)
        timings.append(time.perf_counter() - started)
        assert out.stdout == b"1\n"
    return timings


def throughput(programs: int, concurrency: int, **pool_options: Any) -> float:
    """Programs per second through a fresh default-size pool, `concurrency` at a time."""
    with SandboxPool(size=2, **pool_options) as pool:
        pool.run(PROGRAM)  # the pool's setup (mirror, filter, probe) is not part of it
        if not pool.wait_ready(60):
            raise SystemExit("the pool did not fill within 60 s")
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as threads:
            results = list(threads.map(lambda _: pool.run(PROGRAM), range(programs)))
        elapsed = time.perf_counter() - started
    assert all(r.ok and r.stdout == "1\n" for r in results), next(r for r in results if not r.ok)
    return programs / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--cold-runs", type=int, default=50)
    parser.add_argument("--programs", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2, help="throughput rounds per birth")
    parser.add_argument(
        "--old-birth",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the throughput of the birth before issue 26 (default: on)",
    )
    args = parser.parse_args()

    with SandboxPool(size=2) as warm_pool, SandboxPool(size=0) as cold_pool:
        mode = warm_pool.mode
        cold_pool.run(PROGRAM)  # discover libraries once, outside the timings
        print(f"sandbox mode: {mode}; {args.runs} warm runs, {args.cold_runs} cold runs each")
        warm = summary("warm pool", time_warm(warm_pool, args.runs))
        cold_sandbox = summary("cold sandbox (same limits)", time_cold(cold_pool, args.cold_runs))
    cold = summary("cold `python -c` subprocess", time_subprocess(args.cold_runs))
    ratio = cold["median"] / warm["median"]
    print(
        f"warm pool is {ratio:.1f}x faster than a bare cold subprocess and "
        f"{cold_sandbox['median'] / warm['median']:.1f}x faster than a cold sandbox (medians)"
    )

    births = {"new": {}, "old": OLD_BIRTH} if args.old_birth else {"new": {}}
    rates: dict[str, list[float]] = {name: [] for name in births}
    for _ in range(args.rounds):  # alternating, so both see the same load on a shared machine
        for name, options in births.items():
            rates[name].append(throughput(args.programs, args.concurrency, **options))
    for name, values in rates.items():
        shown = ", ".join(f"{v:.1f}" for v in values)
        print(
            f"throughput, {name} birth: {statistics.fmean(values):6.1f} programs/s "
            f"({args.programs} programs, {args.concurrency} at once; rounds: {shown})"
        )
    figures: dict[str, Any] = {
        "mode": mode,
        "runs": args.runs,
        "warm_median_ms": round(warm["median"], 3),
        "warm_p99_ms": round(warm["p99"], 3),
        "cold_median_ms": round(cold["median"], 3),
        "cold_sandbox_median_ms": round(cold_sandbox["median"], 3),
        "cold_sandbox_p99_ms": round(cold_sandbox["p99"], 3),
        "ratio": round(ratio, 2),
        "ratio_cold_sandbox": round(cold_sandbox["median"] / warm["median"], 2),
        "throughput_per_s": round(statistics.fmean(rates["new"]), 2),
    }
    if args.old_birth:
        old = statistics.fmean(rates["old"])
        figures["throughput_old_birth_per_s"] = round(old, 2)
        figures["throughput_ratio"] = round(figures["throughput_per_s"] / old, 2)
        print(f"the new birth gives {figures['throughput_ratio']:.2f}x the old one's throughput")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
