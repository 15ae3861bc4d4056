"""Posting to an OpenAI-compatible server reliably: retries, backoff, timeouts, one line per failure.

The transport half of the openai backend (`openai.py` decides what to ask and how to read
the reply). Requests go out concurrently under a semaphore; failures that may pass (429,
5xx, dropped connections, timeouts, malformed bodies) are retried with jittered exponential
backoff, honouring a server's Retry-After; the rest become one-line `ModelError`s, with the
API key masked wherever a server echoes it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import ValidationError

from reasoner.errors import ModelError
from reasoner.models.openai_server import auth_error
from reasoner.models.openai_wire import ChatResponse, retry_after, snippet

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 429}) | (frozenset(range(500, 600)) - {501, 505})


class Refused(ModelError):
    """The server refused the request with a 4xx that retrying the same request cannot fix.

    Args:
        message: the one-line error.
        status: the HTTP status (the caller may try a plainer request on a 400).
    """

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


@dataclass
class Retries:
    """How often and how long to retry a try that may pass.

    Args:
        max_retries: tries after the first.
        backoff_s: first backoff; doubles each retry, with jitter, up to `max_backoff_s`.
        max_backoff_s: the longest backoff.
        max_retry_after_s: the longest server `Retry-After` obeyed; longer waits are cut.
    """

    max_retries: int
    backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    max_retry_after_s: float = 60.0

    def delay(self, attempt: int, retry_after_s: float | None) -> float:
        """Seconds to wait before retry number `attempt + 1`.

        Args:
            attempt: 0 for the first retry.
            retry_after_s: the server's Retry-After, if it sent one.

        Returns:
            The server's wait (capped), else a jittered exponential backoff.
        """
        if retry_after_s is not None:
            return min(retry_after_s, self.max_retry_after_s)
        cap = min(self.max_backoff_s, self.backoff_s * 2**attempt)
        return cap / 2 + random.uniform(0, cap / 2)


class ChatClient:
    """POSTs JSON to `<base_url>/chat/completions` and returns the validated reply.

    Args:
        base_url: the API root, e.g. ``http://127.0.0.1:8000/v1`` (may change between
            event loops: a restarted local server gets a new port).
        model: the model name, for error messages.
        api_key: sent as a bearer token when set; never logged or shown.
        key_source: where the key came from, for the hint of a 401/403.
        concurrency: requests in flight at once.
        timeout_s: limit on each try, start to end.
        retries: the retry policy.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None,
        key_source: str | None,
        concurrency: int,
        timeout_s: float,
        retries: Retries,
    ) -> None:
        self.base_url = base_url
        self.model = model
        self._api_key = api_key
        self._key_source = key_source
        self.concurrency = concurrency
        self.timeout_s = timeout_s
        self.retries = retries
        self._state: _LoopState | None = None

    def http(self) -> httpx.AsyncClient:
        """The httpx client of the running event loop (made at first use in each loop)."""
        return self._loop_state().client

    async def aclose(self) -> None:
        """Close the current loop's connections; the next request opens new ones."""
        state, self._state = self._state, None
        if state is not None and state.loop is asyncio.get_running_loop():
            await state.client.aclose()

    async def post(self, payload: dict[str, Any]) -> ChatResponse:
        """Send one chat request, retrying what may pass.

        Args:
            payload: the JSON body.

        Returns:
            The server's reply.

        Raises:
            Refused: a 4xx other than 401/403/408/429.
            ModelError: a rejected key, or the tries ran out.
        """
        tries = self.retries.max_retries + 1
        for attempt in range(tries):
            try:
                return await self._post_once(payload)
            except _Retryable as exc:
                if attempt + 1 == tries:
                    raise ModelError(
                        f"openai server {self.base_url} (model {self.model}): "
                        f"{self._scrub(str(exc))}; gave up after {tries} tries"
                    ) from None
                delay = self.retries.delay(attempt, exc.wait_s)
                log.warning(
                    "openai server %s: %s; retry %d/%d in %.2f s",
                    self.base_url,
                    self._scrub(str(exc)),
                    attempt + 1,
                    self.retries.max_retries,
                    delay,
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable: the loop returns or raises")

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
            raise Refused(
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
