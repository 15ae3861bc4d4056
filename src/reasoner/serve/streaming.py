"""`stream: true`: the reply as server-sent events, in OpenAI's chunk format.

A pipeline's answer arrives whole, so the stream is short: a first chunk with the role (sent
at once, so clients see the request was taken), SSE comments while the pipeline works (so
proxies and clients do not time out an idle connection), one chunk with the content, a last
chunk with `finish_reason` and the `reasoner` field, a usage chunk when asked for, and
`data: [DONE]`. A failure after the headers went out is an `error` event, as OpenAI sends.
When the client goes away the run is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Coroutine
from typing import Any

from reasoner.serve.answering import Served
from reasoner.serve.errors import ApiError
from reasoner.serve.replies import content_of, new_id, report_of, sse, usage_of

log = logging.getLogger("reasoner.serve")


async def stream_completion(
    run: Coroutine[Any, Any, Served],
    model: str,
    *,
    with_trace: bool,
    include_usage: bool,
    keepalive_s: float,
) -> AsyncIterator[str]:
    """The events of one streamed reply.

    Args:
        run: the pipeline run (started here, cancelled if the stream is dropped).
        model: the model name the request used.
        with_trace: include the trace in the `reasoner` field.
        include_usage: send a final usage chunk (`stream_options.include_usage`).
        keepalive_s: seconds between keep-alive comments while the pipeline works.

    Yields:
        SSE text, one event at a time.
    """
    completion_id, created = new_id(), int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        return {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [choice],
            **extra,
        }

    work = asyncio.ensure_future(run)
    try:
        yield sse(chunk({"role": "assistant", "content": ""}))
        while not work.done():
            await asyncio.wait({work}, timeout=keepalive_s)
            if not work.done():
                yield ": working\n\n"
        try:
            served = work.result()
        except ApiError as exc:
            yield sse({"error": {"message": exc.message, "type": "invalid_request_error"}})
            return
        except Exception as exc:
            log.exception("internal error while streaming a reply")
            message = f"internal error ({type(exc).__name__}); the server log has the details"
            yield sse({"error": {"message": message, "type": "server_error"}})
            return
        yield sse(chunk({"content": content_of(served)}))
        report = report_of(served, with_trace=with_trace).model_dump(mode="json")
        yield sse(chunk({}, "stop", reasoner=report))
        if include_usage:
            usage = usage_of(served).model_dump()
            yield sse({**chunk({}), "choices": [], "usage": usage})
        yield sse("[DONE]")
    finally:
        if not work.done():
            work.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await work
