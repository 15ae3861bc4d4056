"""Per-execution overhead of the sandbox for a trivial program (`print(1)`).

Compares, over N runs each:
  - warm:      `SandboxPool.run` with a ready worker (the pool refills between runs, untimed);
  - cold:      a sandbox of the same kind spawned for the run (`SandboxPool(size=0)`);
  - baseline:  a bare `python -c 'print(1)'` subprocess, no isolation at all.

Usage: python benchmarks/sandbox.py [--runs 200] [--cold-runs 50]
The last line printed is a JSON object with the figures in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from reasoner.sandbox import SandboxPool

PROGRAM = "print(1)"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--cold-runs", type=int, default=50)
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
    print(
        json.dumps(
            {
                "mode": mode,
                "runs": args.runs,
                "warm_median_ms": round(warm["median"], 3),
                "warm_p99_ms": round(warm["p99"], 3),
                "cold_median_ms": round(cold["median"], 3),
                "cold_sandbox_median_ms": round(cold_sandbox["median"], 3),
                "cold_sandbox_p99_ms": round(cold_sandbox["p99"], 3),
                "ratio": round(ratio, 2),
                "ratio_cold_sandbox": round(cold_sandbox["median"] / warm["median"], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
