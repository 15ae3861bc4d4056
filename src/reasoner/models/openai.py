"""Any OpenAI-compatible chat server (vLLM, llama.cpp, Ollama, `transformers serve`, hosted APIs).

An async client, not a serving stack: requests go out concurrently under a semaphore, failures
that may pass (429, 5xx, dropped connections, timeouts, malformed bodies) are retried with
jittered exponential backoff, and the rest become one-line `ModelError`s. Servers differ, so
the client also does what some of them skip: it applies `stop` strings itself and makes up the
count when a server ignores `n`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import time
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import httpx
from pydantic import ValidationError

from reasoner.errors import ModelError, ModelNotFound
from reasoner.models.base import Model
from reasoner.models.openai_constraints import (
    SPEC_VALUES,
    check_obeyed,
    constraint_fields,
    detect_kind,
)
from reasoner.models.openai_server import api_key_from_env, auth_error, probe
from reasoner.models.openai_wire import ChatResponse, Usage, completions_of, retry_after, snippet
from reasoner.types import Generation, GenerationRequest

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRY_STATUSES = frozenset({408, 429}) | (frozenset(range(500, 600)) - {501, 505})
MAX_SERVER_STOPS = 4  # OpenAI rejects more; the client applies the rest itself


class _Refused(ModelError):
    """The server refused the request with a 4xx that retrying the same request cannot fix."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class _Retryable(Exception):
    """One failed try that may pass on the next; `wait_s` is the server's Retry-After."""

    def __init__(self, what: str, wait_s: float | None = None) -> None:
        super().__init__(what)
        self.wait_s = wait_s


@dataclass
class _LoopState:
    """An httpx client and semaphore belong to one event loop; sync wrappers start new loops."""

    loop: asyncio.AbstractEventLoop
    client: httpx.AsyncClient
    semaphore: asyncio.Semaphore


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
        self.base_url = base_url.rstrip("/")
        self.model = model
        if api_key is None:
            api_key, self._key_source = api_key_from_env()
        else:
            self._key_source = "the api_key argument"
        self._api_key = api_key
        env = _env_number
        self.concurrency = int(
            concurrency if concurrency is not None else env("REASONER_OPENAI_CONCURRENCY", 16)
        )
        self.timeout_s = timeout_s if timeout_s is not None else env("REASONER_OPENAI_TIMEOUT", 120)
        self.max_retries = int(
            max_retries if max_retries is not None else env("REASONER_OPENAI_MAX_RETRIES", 4)
        )
        if self.concurrency < 1 or self.timeout_s <= 0 or self.max_retries < 0:
            raise ModelError(
                f"openai model {self.base_url}: concurrency must be >= 1, timeout > 0 and "
                f"retries >= 0 (got {self.concurrency}, {self.timeout_s}, {self.max_retries})"
            )
        self.backoff_s, self.max_backoff_s = backoff_s, max_backoff_s
        self.max_retry_after_s = max_retry_after_s
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
        self._state: _LoopState | None = None
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

    def _headers(self) -> dict[str, str]:
        """Request headers, with the key when one is set (never logged)."""
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    def _scrub(self, text: str) -> str:
        """`text` with the API key masked: servers sometimes echo it in error bodies."""
        return text.replace(self._api_key, "***") if self._api_key else text

    def _loop_state(self) -> _LoopState:
        loop = asyncio.get_running_loop()
        if self._state is None or self._state.loop is not loop:
            client = httpx.AsyncClient(
                base_url=self.base_url + "/",
                headers=self._headers(),
                timeout=httpx.Timeout(self.timeout_s, connect=min(10.0, self.timeout_s)),
                limits=httpx.Limits(max_connections=self.concurrency),
            )
            self._state = _LoopState(loop, client, asyncio.Semaphore(self.concurrency))
        return self._state

    async def aclose(self) -> None:
        state, self._state = self._state, None
        if state is not None and state.loop is asyncio.get_running_loop():
            await state.client.aclose()

    async def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        return await _all_or_cancel([self._generate_one(r) for r in requests])

    async def _generate_one(self, request: GenerationRequest) -> Generation:
        start, n = time.perf_counter(), request.n
        if request.constraint is not None and not self._constraint_kind_known:
            self._constraint_kind = await detect_kind(self._loop_state().client)
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
            return await self._post_with_retries(payload)
        except _Refused as exc:
            if exc.status != 400 or not ("n" in payload or "logprobs" in payload):
                raise
        # Servers differ in what they accept (llama.cpp refuses n > 1, some hosted models
        # refuse logprobs): try once without both, and remember only if that passes.
        plain = {k: v for k, v in payload.items() if k not in ("n", "logprobs")}
        body = await self._post_with_retries(plain)
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

    async def _post_with_retries(self, payload: dict[str, Any]) -> ChatResponse:
        tries = self.max_retries + 1
        for attempt in range(tries):
            try:
                return await self._post_once(payload)
            except _Retryable as exc:
                if attempt + 1 == tries:
                    raise ModelError(
                        f"openai server {self.base_url} (model {self.model}): "
                        f"{self._scrub(str(exc))}; gave up after {tries} tries"
                    ) from None
                delay = self._delay(attempt, exc.wait_s)
                log.warning(
                    "openai server %s: %s; retry %d/%d in %.2f s",
                    self.base_url,
                    self._scrub(str(exc)),
                    attempt + 1,
                    self.max_retries,
                    delay,
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable: the loop returns or raises")

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_retry_after_s)
        cap = min(self.max_backoff_s, self.backoff_s * 2**attempt)
        return cap / 2 + random.uniform(0, cap / 2)

    async def _post_once(self, payload: dict[str, Any]) -> ChatResponse:
        state = self._loop_state()
        async with state.semaphore:
            try:
                # httpx's timeout bounds each read; wait_for bounds the whole try, so a server
                # that trickles bytes cannot hold a slot forever.
                response = await asyncio.wait_for(
                    state.client.post("chat/completions", json=payload), self.timeout_s
                )
            except (asyncio.TimeoutError, httpx.TimeoutException):
                raise _Retryable(f"no reply within {self.timeout_s:g} s") from None
            except httpx.TransportError as exc:
                raise _Retryable(f"connection failed ({type(exc).__name__}: {exc})") from None
        return self._parse(response)

    def _parse(self, response: httpx.Response) -> ChatResponse:
        status = response.status_code
        if status in (401, 403):
            raise auth_error(self.base_url, status, self._key_source)
        if status in RETRY_STATUSES:
            raise _Retryable(f"HTTP {status} {snippet(response.text)}", retry_after(response))
        if status >= 400:
            hint = " (check the model name and that the URL ends in /v1)" if status == 404 else ""
            raise _Refused(
                f"openai server {self.base_url} (model {self.model}) refused the request: "
                f"HTTP {status} {self._scrub(snippet(response.text))}{hint}",
                status,
            )
        try:
            return ChatResponse.model_validate(response.json())
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise _Retryable(f"malformed response (not JSON): {snippet(response.text)}") from None
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            raise _Retryable(
                f"malformed response ({where}: {first['msg']}): {snippet(response.text)}"
            ) from None


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
