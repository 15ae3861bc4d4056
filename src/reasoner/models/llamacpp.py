"""The llama.cpp engine: a GGUF served by a `llama-server` that reasoner starts and owns.

The model is the openai backend pointed at that server, so everything the openai client does
(concurrency, retries, stop strings it applies itself, logprobs, fan-out of `n` samples with
shifted seeds) holds here too. The server decodes on the quantized weights with parallel
slots and continuous batching, so concurrent problems share each forward pass.

Specs:
    `llamacpp:<file.gguf>[?parallel=4&ctx=4096&threads=2]`: any GGUF.
    `smollm2-llamacpp`: the embedded SmolLM2-135M (the same GGUF `smollm2` loads on hf).
    `qwen2.5-coder-1.5b`: the opt-in Qwen2.5-Coder-1.5B-Instruct (`reasoner models install`).
The named specs take the same options after a colon: `qwen2.5-coder-1.5b:parallel=8`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from reasoner.errors import ModelError, ModelNotFound
from reasoner.models.dequantize import GGUF_FILE, embedded_gguf_folder
from reasoner.models.llamacpp_server import LlamaServer, ServerOptions
from reasoner.models.model_install import require_installed
from reasoner.models.openai import OpenAIModel
from reasoner.types import Generation, GenerationRequest

_OPTIONS = {"parallel": int, "ctx": int, "threads": int, "timeout": float}


class LlamaCppModel(OpenAIModel):
    """A GGUF on a private `llama-server`, driven through the OpenAI-compatible client.

    Args:
        server: the (not yet started) server; this model starts and stops it.
        spec: the spec string reports name.
        timeout_s: limit on each request.
    """

    def __init__(self, server: LlamaServer, *, spec: str, timeout_s: float | None = None) -> None:
        self.server = server
        base_url = server.start()
        super().__init__(
            base_url,
            server.alias,
            api_key="",  # a private loopback server: never send the user's API keys to it
            concurrency=server.options.parallel,
            # Generous: a busy CPU slows a long reply, and a dead server is caught directly.
            timeout_s=timeout_s if timeout_s is not None else 1800.0,
            max_retries=1,
            constraints="llamacpp",  # answer constraints go out as GBNF `grammar`
            spec=spec,
        )
        # llama-server answers one completion per request: fan `n` out over the slots.
        self._server_honours_n = False

    def __repr__(self) -> str:
        return f"LlamaCppModel(model={self.server.model_path.name!r}, url={self.base_url!r})"

    def describe(self) -> dict[str, object]:
        o = self.server.options
        return {
            "spec": self.spec,
            "backend": type(self).__name__,
            "engine": "llama.cpp llama-server",
            "model_file": self.server.model_path.name,
            "parallel": o.parallel,
            "ctx_per_slot": o.ctx_per_slot,
            "threads": o.threads,
        }

    async def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        if self.server.stopped:  # by aclose: start again (a few seconds at most)
            self.base_url = self.server.start().rstrip("/")
            await super().aclose()
        self.server.check_alive()
        try:
            return await super().generate(requests)
        except ModelError:
            self.server.check_alive()  # a dead server explains itself better than a retry
            raise

    async def aclose(self) -> None:
        await super().aclose()
        self.server.stop()

    def _payload(self, request: GenerationRequest, n: int, seed: int | None) -> dict[str, Any]:
        payload = super()._payload(request, n, seed)
        if payload.get("logprobs"):
            # llama-server defaults to the top 20 alternatives per token; we read only the
            # chosen token's log-probability, so ask for one alternative (less JSON per token).
            payload["top_logprobs"] = 1
        return payload


def default_threads() -> int:
    """Decode threads: `$REASONER_LLAMACPP_THREADS`, else every core unless they are oversubscribed.

    llama.cpp's threads meet at a barrier after every layer; when the cores are busy with
    other work, one of them waits a whole scheduler slice at each barrier. Measured here with
    two cores and a load average of 15: 2 threads decoded the 135M model at 0.4 tok/s, 1 thread
    at 14 tok/s. On a quiet machine the opposite holds (Qwen 1.5B: 2 threads 10.5 tok/s, 1
    thread 5.9). A load average below the core count is our own harness or noise, so it keeps
    every core; only the load above the core count takes cores away (at least one stays).
    """
    explicit = os.environ.get("REASONER_LLAMACPP_THREADS")
    if explicit:
        return max(1, int(explicit))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cores = cores or 1
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = 0.0
    return threads_for_load(cores, load)


def threads_for_load(cores: int, load: float) -> int:
    """Every core, less the whole cores by which `load` oversubscribes them (at least one)."""
    oversubscribed = max(0, int(load - cores))
    return max(1, cores - oversubscribed)


def _options(text: str, spec: str) -> tuple[ServerOptions, float | None]:
    options = ServerOptions(
        parallel=int(os.environ.get("REASONER_LLAMACPP_PARALLEL", 4)),
        threads=default_threads(),
    )
    timeout: float | None = None
    for key, value in parse_qsl(text.lstrip("?").replace(",", "&"), keep_blank_values=True):
        kind = _OPTIONS.get(key)
        if kind is None:
            raise ModelNotFound(
                f"model '{spec}': unknown option '{key}'; use {', '.join(_OPTIONS)}"
            )
        try:
            number = kind(value)
        except ValueError:
            raise ModelNotFound(f"model '{spec}': {key}={value!r} is not a number") from None
        if number <= 0:
            raise ModelNotFound(f"model '{spec}': {key} must be positive")
        if key == "parallel":
            options.parallel = int(number)
        elif key == "ctx":
            options.ctx_per_slot = int(number)
        elif key == "threads":
            options.threads = int(number)
        else:
            timeout = float(number)
    return options, timeout


def _load(path: Path, alias: str, rest: str, spec: str) -> LlamaCppModel:
    options, timeout = _options(rest, spec)
    return LlamaCppModel(LlamaServer(path, alias, options), spec=spec, timeout_s=timeout)


def from_spec(rest: str) -> LlamaCppModel:
    """`llamacpp:<file.gguf>[?parallel=4&ctx=4096&threads=2&timeout=1800]`: any local GGUF.

    Args:
        rest: what follows `llamacpp:`.

    Returns:
        The model, its server started and loaded.
    """
    file, _, query = rest.partition("?")
    if not file:
        raise ModelNotFound("model 'llamacpp:' needs a GGUF file, e.g. llamacpp:./model.gguf")
    path = Path(file).expanduser()
    if not path.is_file():
        raise ModelNotFound(f"model 'llamacpp:{rest}' not found: no file {path}")
    return _load(path, path.stem, query, f"llamacpp:{rest}")


def smollm2_llamacpp(rest: str = "") -> LlamaCppModel:
    """The embedded SmolLM2-135M-Instruct GGUF on the llama.cpp engine (`smollm2-llamacpp`)."""
    spec = "smollm2-llamacpp" + (f":{rest}" if rest else "")
    return _load(embedded_gguf_folder() / GGUF_FILE, "smollm2-135m", rest, spec)


def qwen_coder_1_5b(rest: str = "") -> LlamaCppModel:
    """The opt-in Qwen2.5-Coder-1.5B-Instruct on the llama.cpp engine (`qwen2.5-coder-1.5b`)."""
    spec = "qwen2.5-coder-1.5b" + (f":{rest}" if rest else "")
    path = require_installed("qwen2.5-coder-1.5b")
    return _load(path, "qwen2.5-coder-1.5b", rest, spec)
