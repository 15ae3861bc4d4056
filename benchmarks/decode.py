"""Decode speed of the embedded model at batch 1 and batch 8, against the memory-bandwidth limit.

At batch 1 every generated token reads all weights once, so tokens/s cannot exceed
copy bandwidth / weight bytes; at batch 8 one weight pass yields 8 tokens. The last line is a
JSON object (keys: tok_s_batch1, tok_s_batch8, ratio, identical, bandwidth_gb_s,
bandwidth_fraction, ...).

Run: .venv/bin/python benchmarks/decode.py
"""

from __future__ import annotations

import json
import time

import torch

from reasoner import load_model
from reasoner.types import GenerationRequest, Message

PROMPTS = [
    "What is 123 + 456?",
    "Name three colours of the rainbow.",
    "Write a Python function that adds two numbers.",
    "Explain what a prime number is.",
    "What is the capital of France?",
    "Count from 1 to 10.",
    "Give one tip for learning chess.",
    "How many disks does a small Tower of Hanoi have?",
]
MAX_TOKENS = 64


def copy_bandwidth_gb_s(mib: int = 512, repeats: int = 5) -> float:
    """Best of a few large tensor copies: bytes read plus bytes written per second."""
    src = torch.ones(mib * 1024 * 1024 // 4, dtype=torch.float32)
    dst = torch.empty_like(src)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        dst.copy_(src)
        best = min(best, time.perf_counter() - started)
    return 2 * src.numel() * 4 / best / 1e9


def main() -> None:
    model = load_model("smollm2")
    runner = model.runner  # type: ignore[attr-defined]
    requests = [
        GenerationRequest(messages=[Message(role="user", content=p)], max_tokens=MAX_TOKENS)
        for p in PROMPTS
    ]
    runner.run(requests[:1])  # warm-up: first call pays one-off allocation costs

    started = time.perf_counter()
    singles = [runner.run([r])[0] for r in requests]
    t1 = time.perf_counter() - started
    started = time.perf_counter()
    batched = runner.run(requests)
    t8 = time.perf_counter() - started

    tokens1 = sum(g.tokens_out for g in singles)
    tokens8 = sum(g.tokens_out for g in batched)
    identical = all(a.text == b.text for a, b in zip(singles, batched, strict=True))
    tok_s_1, tok_s_8 = tokens1 / t1, tokens8 / t8

    weight_bytes = sum(p.numel() * p.element_size() for p in runner.model.parameters())
    bandwidth = copy_bandwidth_gb_s()
    limit_1 = bandwidth * 1e9 / weight_bytes
    print(
        f"threads: {torch.get_num_threads()}  weights: {weight_bytes / 2**20:.0f} MiB "
        f"({next(runner.model.parameters()).dtype})"
    )
    print(f"batch 1: {tokens1} tokens in {t1:.2f} s = {tok_s_1:.1f} tok/s")
    print(f"batch 8: {tokens8} tokens in {t8:.2f} s = {tok_s_8:.1f} tok/s")
    print(f"ratio batch8/batch1: {tok_s_8 / tok_s_1:.2f}  greedy texts identical: {identical}")
    print(
        f"copy bandwidth: {bandwidth:.1f} GB/s -> batch-1 limit {limit_1:.1f} tok/s; "
        f"reached {tok_s_1 / limit_1:.0%} at batch 1, {tok_s_8 / (8 * limit_1):.0%} of 8x at batch 8"
    )
    print(
        json.dumps(
            {
                "tok_s_batch1": round(tok_s_1, 2),
                "tok_s_batch8": round(tok_s_8, 2),
                "ratio": round(tok_s_8 / tok_s_1, 3),
                "identical": identical,
                "bandwidth_gb_s": round(bandwidth, 2),
                "weight_mib": round(weight_bytes / 2**20, 1),
                "bandwidth_limit_tok_s_batch1": round(limit_1, 2),
                "bandwidth_fraction": round(tok_s_1 / limit_1, 4),
                "bandwidth_fraction_batch8": round(tok_s_8 / (8 * limit_1), 4),
            }
        )
    )


if __name__ == "__main__":
    main()
