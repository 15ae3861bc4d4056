"""Serving throughput: 64 concurrent chat requests through `reasoner serve` against the same
64 problems through `reasoner eval`, in the same run.

Both sides run `pal` with the embedded model, greedy, at the same concurrency (the server's
`--concurrency` and the evaluator's), on the same arithmetic problems: the evaluator gets
them as task problems, the server as the chat message "What is <expression>?", which it
routes to the same arithmetic exemplars. The server is a real `reasoner serve` process on
loopback, started (and its model loaded, and one request answered) before the clock starts;
the evaluator's model is loaded and warmed the same way. With `--rounds 2` the order flips
in the second round, so neither side always runs on a warmer or quieter machine. The
machine is shared: the load average is printed at the start and the end.

Last line: JSON with serve_problems_per_min, eval_problems_per_min, ratio (serve over eval),
serve_accuracy, eval_accuracy, concurrency, problems, loadavg.

Run: nice .venv/bin/python benchmarks/serve.py [--problems 64] [--concurrency 16] [--rounds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from timed_eval import timed_pal_eval

from reasoner import load_model, load_task, solve

TASK = "arithmetic:digits=3,terms=2-3,ops=+-*,n={half},seed=7"
PIPELINE = "pal"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def reasoner_serve(concurrency: int) -> Iterator[str]:
    """A `reasoner serve` process with the embedded model; yields its base URL when ready."""
    port = free_port()
    exe = Path(sys.executable).with_name("reasoner")
    command = [str(exe), "serve", "-m", "smollm2", "-s", PIPELINE, "--port", str(port)]
    command += ["--concurrency", str(concurrency)]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"reasoner serve did not start: {' '.join(command)}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            time.sleep(0.5)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


async def ask_all(base: str, questions: list[str]) -> list[dict]:
    """Every question at once; the replies' `reasoner` fields, in order."""
    limits = httpx.Limits(max_connections=len(questions))
    async with httpx.AsyncClient(base_url=base, timeout=1800, limits=limits) as client:

        async def ask(question: str) -> dict:
            body = {
                "model": f"reasoner/{PIPELINE}",
                "messages": [{"role": "user", "content": question}],
            }
            reply = await client.post("/v1/chat/completions", json=body)
            reply.raise_for_status()
            return reply.json()["reasoner"]

        return await asyncio.gather(*(ask(q) for q in questions))


def timed_serve(base: str, task, examples) -> tuple[float, int, int]:
    """(wall seconds, correct, generated tokens) for every problem asked at once."""
    started = time.perf_counter()
    replies = asyncio.run(ask_all(base, [e.problem.prompt for e in examples]))
    seconds = time.perf_counter() - started
    correct = 0
    for example, extra in zip(examples, replies, strict=True):
        value = task.parse(extra["answer"]) if extra["answer"] is not None else None
        correct += value is not None and bool(task.score(example, value))
    return seconds, correct, sum(extra["cost"]["tokens_out"] for extra in replies)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--problems", type=int, default=64)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=1, help="the second round flips the order")
    args = parser.parse_args()
    spec = TASK.format(half=args.problems // 2)
    task = load_task(spec)
    examples = list(task.examples())[: args.problems]
    n = len(examples)
    start_load = loadavg()
    print(f"load average at the start: {start_load}; {n} problems of {spec}, `{PIPELINE}`")

    model = load_model("smollm2")
    solve("What is 12 + 30?", PIPELINE, model)  # warm: first batch, sandbox pool
    serve_s = eval_s = 0.0
    serve_correct = eval_correct = serve_tokens = eval_tokens = 0
    with reasoner_serve(args.concurrency) as base:
        asyncio.run(ask_all(base, ["What is 12 + 30?"]))  # warm the server the same way
        for round_ in range(args.rounds):
            sides = ["eval", "serve"] if round_ % 2 == 0 else ["serve", "eval"]
            for side in sides:
                if side == "eval":
                    seconds, row, tokens = timed_pal_eval(spec, model, args.concurrency)
                    eval_s, eval_correct, eval_tokens = (
                        eval_s + seconds, eval_correct + row.correct, eval_tokens + tokens
                    )  # fmt: skip
                    what = f"reasoner eval (concurrency {args.concurrency})"
                    right = row.correct
                else:
                    seconds, right, tokens = timed_serve(base, task, examples)
                    serve_s, serve_correct, serve_tokens = (
                        serve_s + seconds, serve_correct + right, serve_tokens + tokens
                    )  # fmt: skip
                    what = f"reasoner serve ({n} concurrent requests, --concurrency {args.concurrency})"
                print(
                    f"round {round_ + 1}, {what}: {n} problems in {seconds:.1f} s "
                    f"({n / seconds * 60:.1f} problems/min), {right}/{n} correct, "
                    f"{tokens / seconds:.1f} generated tok/s",
                    flush=True,
                )
    total = n * args.rounds
    serve_rate, eval_rate = total / serve_s * 60, total / eval_s * 60
    end_load = loadavg()
    print(
        f"serve {serve_rate:.1f} problems/min against eval {eval_rate:.1f}: ratio "
        f"{serve_rate / eval_rate:.2f} (target >= 0.8); load average at the end: {end_load}"
    )
    print(
        json.dumps(
            {
                "serve_problems_per_min": round(serve_rate, 2),
                "eval_problems_per_min": round(eval_rate, 2),
                "ratio": round(serve_rate / eval_rate, 3),
                "serve_accuracy": round(serve_correct / total, 4),
                "eval_accuracy": round(eval_correct / total, 4),
                "serve_tok_s": round(serve_tokens / serve_s, 2),
                "eval_tok_s": round(eval_tokens / eval_s, 2),
                "problems": n,
                "rounds": args.rounds,
                "concurrency": args.concurrency,
                "loadavg": f"{start_load} -> {end_load}",
            }
        )
    )


if __name__ == "__main__":
    main()
