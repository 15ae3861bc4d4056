"""Any OpenAI-compatible chat server (vLLM, llama.cpp, Ollama, `transformers serve`, hosted APIs).

An async client, not a serving stack. This module decides what to ask and how to read the
reply; `openai_client.py` delivers the requests (concurrency, retries with backoff,
timeouts, one-line errors). Servers differ, so the model also does what some of them skip:
it applies `stop` strings itself and makes up the count when a server ignores `n`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from reasoner.errors import ModelError, ModelNotFound
from reasoner.models.base import Model
from reasoner.models.openai_client import ChatClient, Refused, Retries
from reasoner.models.openai_constraints import (
    SPEC_VALUES,
    check_obeyed,
    constraint_fields,
    detect_kind,
)
from reasoner.models.openai_server import api_key_from_env, probe
from reasoner.models.openai_wire import ChatResponse, Usage, completions_of
from reasoner.types import Generation, GenerationRequest

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_SERVER_STOPS = 4  # OpenAI rejects more; the client applies the rest itself


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    try:
        return float(raw) if raw else default
    except ValueError:
        raise ModelError(f"{name}={raw!r} is not a number; set it to e.g. {default:g}") from None


class OpenAIModel(Model):
    """A model behind an OpenAI-compatible `/chat/completions` endpoint.

    Args:
        base_url: the API root, e.g. ``http://127.0.0.1:8000/v1``.
        model: the model name the server expects.
        api_key: defaults to `REASONER_OPENAI_API_KEY`, then `OPENAI_API_KEY`; none for
            local servers that need none.
        concurrency: requests in flight at once (env `REASONER_OPENAI_CONCURRENCY`, 16).
        timeout_s: limit on each try, start to end (env `REASONER_OPENAI_TIMEOUT`, 120).
        max_retries: tries after the first (env `REASONER_OPENAI_MAX_RETRIES`, 4).
        backoff_s: first backoff; doubles each retry, with jitter, up to `max_backoff_s`.
        max_retry_after_s: the longest server `Retry-After` obeyed; longer waits are cut.
        logprobs: ask for token log-probabilities (summed into `Completion.logprob`).
        spec: the spec string reports name.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        concurrency: int | None = None,
        timeout_s: float | None = None,
        max_retries: int | None = None,
        backoff_s: float = 0.5,
        max_backoff_s: float = 30.0,
        max_retry_after_s: float = 60.0,
        logprobs: bool = True,
        constraints: str = "auto",
        spec: str | None = None,
    ) -> None:
        self.model = model
        key_source: str | None = "the api_key argument"
        if api_key is None:
            api_key, key_source = api_key_from_env()
        env = _env_number
        concurrency = int(
            concurrency if concurrency is not None else env("REASONER_OPENAI_CONCURRENCY", 16)
        )
        timeout_s = timeout_s if timeout_s is not None else env("REASONER_OPENAI_TIMEOUT", 120)
        max_retries = int(
            max_retries if max_retries is not None else env("REASONER_OPENAI_MAX_RETRIES", 4)
        )
        if concurrency < 1 or timeout_s <= 0 or max_retries < 0:
            raise ModelError(
                f"openai model {base_url.rstrip('/')}: concurrency must be >= 1, timeout > 0 "
                f"and retries >= 0 (got {concurrency}, {timeout_s}, {max_retries})"
            )
        self.client = ChatClient(
            base_url.rstrip("/"),
            model,
            api_key=api_key,
            key_source=key_source,
            concurrency=concurrency,
            timeout_s=timeout_s,
            retries=Retries(max_retries, backoff_s, max_backoff_s, max_retry_after_s),
        )
        self.logprobs = logprobs
        if constraints not in SPEC_VALUES:
            raise ModelError(
                f"openai model {self.base_url}: constraints={constraints!r}; use one of "
                + ", ".join(SPEC_VALUES)
            )
        # Which constraint fields the server reads: "auto" asks GET /models at first need.
        self._constraint_kind: str | None = None if constraints == "auto" else constraints
        self._constraint_kind_known = constraints != "auto"
        self.spec = spec or f"openai:{self.base_url}#{model}"
        # Learned from replies: None until a request with n > 1 shows whether `n` is honoured.
        self._server_honours_n: bool | None = None

    def __repr__(self) -> str:
        return f"OpenAIModel(base_url={self.base_url!r}, model={self.model!r})"

    def describe(self) -> dict[str, object]:
        return {
            "spec": self.spec,
            "backend": type(self).__name__,
            "base_url": self.base_url,
            "model": self.model,
            "concurrency": self.concurrency,
            "timeout_s": self.timeout_s,
            "max_retries": self.max_retries,
        }

    @property
    def base_url(self) -> str:
        """The API root; a local server restarted on another port sets it anew."""
        return self.client.base_url

    @base_url.setter
    def base_url(self, value: str) -> None:
        self.client.base_url = value.rstrip("/")

    @property
    def concurrency(self) -> int:
        return self.client.concurrency

    @property
    def timeout_s(self) -> float:
        return self.client.timeout_s

    @property
    def max_retries(self) -> int:
        return self.client.retries.max_retries

    async def aclose(self) -> None:
        await self.client.aclose()

    async def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        return await _all_or_cancel([self._generate_one(r) for r in requests])

    async def _generate_one(self, request: GenerationRequest) -> Generation:
        start, n = time.perf_counter(), request.n
        if request.constraint is not None and not self._constraint_kind_known:
            self._constraint_kind = await detect_kind(self.client.http())
            self._constraint_kind_known = True

        def one_by_one(first: int) -> list[Coroutine[Any, Any, ChatResponse]]:
            # A seeded server gives the same sample for the same seed: shift it per request.
            return [self._request(request, 1, _shift(request.seed, i)) for i in range(first, n)]

        if n > 1 and self._server_honours_n is False:
            bodies = await _all_or_cancel(one_by_one(0))
        else:
            bodies = [await self._request(request, n, request.seed)]
            got = len(bodies[0].choices)
            if n > 1 and self._server_honours_n is None:
                self._server_honours_n = got >= n
            bodies += await _all_or_cancel(one_by_one(got))
        completions = [c for body in bodies for c in completions_of(body, request.stop)]
        if request.constraint is not None:
            check_obeyed(request.constraint, completions, self.base_url)
        return Generation(
            completions=completions[:n],
            tokens_in=(bodies[0].usage or Usage()).prompt_tokens,
            latency_s=time.perf_counter() - start,
        )

    async def _request(self, request: GenerationRequest, n: int, seed: int | None) -> ChatResponse:
        payload = self._payload(request, n, seed)
        try:
            return await self.client.post(payload)
        except Refused as exc:
            if exc.status != 400 or not ("n" in payload or "logprobs" in payload):
                raise
        # Servers differ in what they accept (llama.cpp refuses n > 1, some hosted models
        # refuse logprobs): try once without both, and remember only if that passes.
        plain = {k: v for k, v in payload.items() if k not in ("n", "logprobs")}
        body = await self.client.post(plain)
        log.info("openai server %s refuses n > 1 or logprobs; asking without", self.base_url)
        if "logprobs" in payload:
            self.logprobs = False
        if "n" in payload:
            self._server_honours_n = False
        return body

    def _payload(self, request: GenerationRequest, n: int, seed: int | None) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": [m.model_dump() for m in request.messages],
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "top_p": request.top_p,
        }
        if n > 1:
            payload["n"] = n
        if request.stop:
            payload["stop"] = request.stop[:MAX_SERVER_STOPS]
        if seed is not None:
            payload["seed"] = seed
        if self.logprobs:
            payload["logprobs"] = True
        if request.constraint is not None:
            payload |= constraint_fields(request.constraint, self._constraint_kind, self.base_url)
        return payload


_OPTIONS = {
    "concurrency": int,
    "timeout": float,
    "retries": int,
    "logprobs": bool,
    "constraints": str,
}


def from_spec(rest: str) -> OpenAIModel:
    """`openai:<base_url>#<model>`: any OpenAI-compatible server (vLLM, llama.cpp, Ollama, ...).

    Options go in the URL's query: `openai:http://127.0.0.1:8000/v1?concurrency=32&timeout=60
    &retries=2&logprobs=false#my-model`; `constraints=llamacpp|vllm|none` says which answer
    constraint fields the server reads (default: from its `GET /models`). Without `#<model>`,
    the server's only model is used.
    The server is probed (`GET /models`, a few seconds at most) so that a wrong URL fails here.

    Args:
        rest: what follows `openai:` in the spec.

    Returns:
        The model, ready to generate.
    """
    parts = urlsplit(rest.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ModelNotFound(
            f"bad openai model spec 'openai:{rest}': write openai:http://HOST:PORT/v1#MODEL"
        )
    options: dict[str, Any] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        kind = _OPTIONS.get(key)
        if kind is None:
            known = ", ".join(_OPTIONS)
            raise ModelNotFound(f"openai spec 'openai:{rest}': unknown option '{key}'; use {known}")
        try:
            options[key] = (value.lower() in ("1", "true", "yes")) if kind is bool else kind(value)
        except ValueError:
            raise ModelNotFound(
                f"openai spec 'openai:{rest}': option {key}={value!r} is not a {kind.__name__}"
            ) from None
    base_url = urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")).rstrip("/")
    served = probe(base_url, timeout_s=min(5.0, options.get("timeout", 5.0)))
    model = parts.fragment
    if not model:
        if len(served) != 1:
            listing = ", ".join(served) or "no list at GET /models"
            raise ModelNotFound(
                f"openai spec 'openai:{rest}' names no model and the server offers "
                f"{listing}; write openai:{base_url}#MODEL"
            )
        model = served[0]
    elif served and model not in served:
        # Not fatal: some servers load models on demand that they do not list.
        log.warning(
            "openai server %s does not list model %r (it lists %s)",
            base_url,
            model,
            ", ".join(served[:10]),
        )
    return OpenAIModel(
        base_url,
        model,
        concurrency=options.get("concurrency"),
        timeout_s=options.get("timeout"),
        max_retries=options.get("retries"),
        logprobs=options.get("logprobs", True),
        constraints=options.get("constraints", "auto"),
        spec=f"openai:{rest}",
    )


async def _all_or_cancel(coros: Sequence[Coroutine[Any, Any, T]]) -> list[T]:
    """Run concurrently; on the first error cancel the rest (no orphaned retries) and raise it."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        if tasks:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        # Also on our own cancellation: nothing keeps retrying for a caller that is gone.
        pending = [t for t in tasks if not t.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    for task in tasks:
        error = None if task.cancelled() else task.exception()
        if error is not None:
            raise error
    return [t.result() for t in tasks]


def _shift(seed: int | None, i: int) -> int | None:
    return None if seed is None else seed + i
