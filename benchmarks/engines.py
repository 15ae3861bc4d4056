"""The two engines side by side: the embedded SmolLM2 on hf (transformers) and on llama.cpp.

Same prompts, greedy, one run. For each engine:
- batch-1 decode tok/s (`tok_s_*`): new tokens per second of decoding alone, prompt processing
  excluded, one request at a time. llama.cpp reports it per request (`timings.predicted_n /
  predicted_ms`, the figure `llama-bench` calls tg); for hf it is measured by difference: each
  prompt is run for one new token and for `--max-tokens`, and decode tok/s is the extra
  tokens over the extra seconds. `ratio` is llama.cpp over hf on this figure.
- end-to-end tok/s (`e2e_tok_s_*`): new tokens over wall seconds of whole requests (prompt
  processing and HTTP included), and `e2e_ratio`.
- prefill tok/s (a ~600-token prompt, one new token, a fresh prompt each time so no prompt
  cache helps), load seconds and peak RSS (our process for hf; the server process for
  llama.cpp, read from /proc VmHWM). llama.cpp also runs the prompts 4 at a time on 4 slots
  (aggregate tok/s: what parallel slots buy).
When the opt-in Qwen2.5-Coder-1.5B is installed, the same figures for it on llama.cpp (hf needs
7-9 GB and decodes under 1 tok/s here, so it is not run). Last line: JSON with tok_s_hf,
tok_s_llamacpp, ratio (llama.cpp over hf) and the rest.

Run: .venv/bin/python benchmarks/engines.py [--max-tokens 128] [--no-qwen]
Needs the engine: `reasoner engine install`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time
import urllib.request
from pathlib import Path
from typing import Any

from reasoner import load_model
from reasoner.models.base import Model
from reasoner.models.model_install import is_installed
from reasoner.types import GenerationRequest, Message

PROMPTS = [
    "What is 123 + 456? Explain your steps.",
    "Name three colours of the rainbow and describe each.",
    "Write a Python function that adds two numbers, with a docstring.",
    "Explain what a prime number is, with examples.",
    "Describe the city of Paris in a few sentences.",
    "Count from 1 to 30, in words.",
    "Give three tips for learning chess.",
    "Explain the Tower of Hanoi puzzle and its rules.",
]


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def request(text: str, max_tokens: int) -> GenerationRequest:
    return GenerationRequest(messages=[Message(role="user", content=text)], max_tokens=max_tokens)


def long_prompt(i: int) -> str:
    # A distinct start each time: llama-server would otherwise reuse its cached prompt.
    facts = " ".join(f"Fact {j}: item {i}-{j} weighs {3 * j + i} grams." for j in range(60))
    return f"Run {i}. {facts} Which item is heaviest?"


async def timed(model: Model, text: str, max_tokens: int) -> tuple[float, int, str]:
    """One request: wall seconds, new tokens, text."""
    started = time.perf_counter()
    (generation,) = await model.generate([request(text, max_tokens)])
    completion = generation.completions[0]
    return time.perf_counter() - started, completion.tokens_out, completion.text


async def decode(
    model: Model, max_tokens: int, *, by_difference: bool
) -> tuple[float, int, list[str], float | None]:
    """Batch 1, one request after another.

    Returns:
        Wall seconds and new tokens of the whole requests, their texts, and (`by_difference`)
        decode tok/s by difference: each prompt run again for one new token, after all the
        whole requests so that they found no prompt cached (see the module docstring).
    """
    await model.generate([request("Say hello.", 8)])  # warm-up
    seconds, tokens, texts, whole = 0.0, 0, [], []
    for text in PROMPTS:
        full_s, n, reply = await timed(model, text, max_tokens)
        seconds, tokens = seconds + full_s, tokens + n
        texts.append(reply)
        whole.append((full_s, n))
    if not by_difference:
        return seconds, tokens, texts, None
    extra_s = extra_tokens = 0.0
    for text, (full_s, n) in zip(PROMPTS, whole, strict=True):
        one_s, _, _ = await timed(model, text, 1)
        extra_s, extra_tokens = extra_s + full_s - one_s, extra_tokens + n - 1
    return seconds, tokens, texts, extra_tokens / extra_s


def server_decode(model: Any, max_tokens: int) -> float:
    """llama.cpp's own decode tok/s over the prompts, from each response's `timings`."""
    tokens = ms = 0.0
    for text in PROMPTS:
        payload = model._payload(request(text, max_tokens), 1, None)
        post = urllib.request.Request(
            f"{model.base_url}/chat/completions",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(post, timeout=600) as response:
            timings = json.loads(response.read())["timings"]
        tokens, ms = tokens + timings["predicted_n"], ms + timings["predicted_ms"]
    return tokens / ms * 1000


async def concurrent(model: Model, max_tokens: int) -> tuple[float, int]:
    """All prompts at once (the server decodes them on its parallel slots)."""
    started = time.perf_counter()
    generations = await model.generate([request(t, max_tokens) for t in PROMPTS])
    return time.perf_counter() - started, sum(g.completions[0].tokens_out for g in generations)


async def prefill(model: Model, repeats: int = 3) -> float:
    """Prompt tokens per second: long prompts, one new token each, best of `repeats`."""
    best = 0.0
    for i in range(repeats):
        started = time.perf_counter()
        (generation,) = await model.generate([request(long_prompt(i), 1)])
        best = max(best, generation.tokens_in / (time.perf_counter() - started))
    return best


def server_peak_rss_mib(model: Any) -> float:
    status = Path(f"/proc/{model.server.pid}/status").read_text()
    line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def run_llamacpp(spec: str, max_tokens: int, name: str) -> dict[str, Any]:
    started = time.perf_counter()
    model: Any = load_model(f"{spec}:parallel=4")
    load_s = time.perf_counter() - started

    async def measure() -> dict[str, Any]:
        seconds, tokens, texts, _ = await decode(model, max_tokens, by_difference=False)
        decode_rate = await asyncio.to_thread(server_decode, model, max_tokens)
        pre = await prefill(model)
        par_s, par_tokens = await concurrent(model, max_tokens)
        return {
            f"tok_s_{name}": decode_rate,
            f"e2e_tok_s_{name}": tokens / seconds,
            f"prefill_tok_s_{name}": pre,
            f"tok_s_{name}_4_slots": par_tokens / par_s,
            f"load_s_{name}": load_s,
            f"peak_rss_mib_{name}_server": server_peak_rss_mib(model),
            "_texts": texts,
            "_tokens": tokens,
            "_seconds": seconds,
        }

    try:
        return asyncio.run(measure())
    finally:
        model.server.stop()


def run_hf(max_tokens: int) -> dict[str, Any]:
    started = time.perf_counter()
    model = load_model("smollm2")
    load_s = time.perf_counter() - started

    async def measure() -> dict[str, Any]:
        seconds, tokens, texts, decode_rate = await decode(model, max_tokens, by_difference=True)
        pre = await prefill(model)
        return {
            "tok_s_hf": decode_rate,
            "e2e_tok_s_hf": tokens / seconds,
            "prefill_tok_s_hf": pre,
            "load_s_hf": load_s,
            "_texts": texts,
            "_tokens": tokens,
            "_seconds": seconds,
        }

    result = asyncio.run(measure())
    result["peak_rss_mib_hf"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--no-qwen", action="store_true", help="skip the 1.5B model")
    args = parser.parse_args()
    load_before = loadavg()
    print(f"load average before: {load_before}")

    # llama.cpp first: hf's torch threads then cannot linger into its timing.
    ll = run_llamacpp("smollm2-llamacpp", args.max_tokens, "llamacpp")
    hf = run_hf(args.max_tokens)
    same = sum(a == b for a, b in zip(hf["_texts"], ll["_texts"], strict=True))
    for label, r, key in (("hf", hf, "hf"), ("llama.cpp", ll, "llamacpp")):
        print(
            f"smollm2 on {label}: batch-1 decode {r[f'tok_s_{key}']:.1f} tok/s, end-to-end "
            f"{r[f'e2e_tok_s_{key}']:.1f} tok/s ({r['_tokens']} tokens in {r['_seconds']:.2f} s), prefill "
            f"{r[f'prefill_tok_s_{key}']:.0f} tok/s, load {r[f'load_s_{key}']:.2f} s"
        )
    print(
        f"smollm2 on llama.cpp, 8 prompts on 4 slots: {ll['tok_s_llamacpp_4_slots']:.1f} tok/s "
        f"aggregate; server peak RSS {ll['peak_rss_mib_llamacpp_server']:.0f} MiB; hf process "
        f"peak RSS {hf['peak_rss_mib_hf']:.0f} MiB"
    )
    ratio = ll["tok_s_llamacpp"] / hf["tok_s_hf"]
    e2e_ratio = ll["e2e_tok_s_llamacpp"] / hf["e2e_tok_s_hf"]
    print(
        f"ratio (llama.cpp over hf, batch-1 decode): {ratio:.2f}; end-to-end {e2e_ratio:.2f}; "
        f"same greedy text: {same}/8"
    )
    figures: dict[str, Any] = {k: v for r in (hf, ll) for k, v in r.items() if k[0] != "_"}
    figures["ratio"] = ratio
    figures["e2e_ratio"] = e2e_ratio
    figures["same_greedy_texts"] = same
    if not args.no_qwen and is_installed("qwen2.5-coder-1.5b"):
        qw = run_llamacpp("qwen2.5-coder-1.5b", args.max_tokens, "qwen")
        print(
            f"qwen2.5-coder-1.5b on llama.cpp: batch-1 decode {qw['tok_s_qwen']:.1f} tok/s, "
            f"end-to-end {qw['e2e_tok_s_qwen']:.1f} tok/s, prefill {qw['prefill_tok_s_qwen']:.0f} tok/s, 4 slots "
            f"{qw['tok_s_qwen_4_slots']:.1f} tok/s, load {qw['load_s_qwen']:.2f} s, "
            f"server peak RSS {qw['peak_rss_mib_qwen_server']:.0f} MiB"
        )
        figures.update({k: v for k, v in qw.items() if k[0] != "_"})
    elif args.no_qwen:
        print("qwen2.5-coder-1.5b: skipped (--no-qwen)")
    else:
        print("qwen2.5-coder-1.5b: not installed (reasoner models install qwen2.5-coder-1.5b)")
    figures["loadavg_before"] = load_before
    figures["loadavg_after"] = loadavg()
    print(f"load average after: {figures['loadavg_after']}")
    rounded = {k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()}
    print(json.dumps(rounded))


if __name__ == "__main__":
    main()
