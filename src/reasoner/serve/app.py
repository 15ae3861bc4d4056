"""The application: `GET /v1/models`, `POST /v1/chat/completions`, `GET /health`.

Every request shares one loaded model (so concurrent runs meet in its batcher) and the
sandbox's warm pool (the default program runner), as `reasoner eval` shares them between
its cells. A run whose client disconnects is cancelled, so a dropped request costs no more
model time than it already had.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import asdict, dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import ValidationError
from starlette.requests import ClientDisconnect
from starlette.types import Receive

from reasoner.models.base import Model
from reasoner.pipeline import Pipeline
from reasoner.serve.answering import Served, answer_question, question_of
from reasoner.serve.errors import ApiError, install_handlers, invalid_body
from reasoner.serve.guards import check_api_key, read_body
from reasoner.serve.pipelines import PipelineBook
from reasoner.serve.replies import completion_of
from reasoner.serve.schemas import ChatRequest, ModelCard, ModelList
from reasoner.serve.settings import ServeSettings
from reasoner.serve.streaming import stream_completion

#: The status logged for a request whose client left before its reply (nginx's usage).
CLIENT_CLOSED = 499


@dataclass
class Counters:
    """What `/health` reports: runs in flight, and how requests ended."""

    in_flight: int = 0
    answered: int = 0
    disconnected: int = 0


def create_app(model: Model, settings: ServeSettings) -> FastAPI:
    """The OpenAI-compatible application around one model and a default pipeline.

    Args:
        model: the loaded model every request shares.
        settings: the pipeline, the key, the caps.

    Returns:
        The ASGI application (run it with uvicorn, or test it with httpx).

    Raises:
        BadPipelineSpec: the default pipeline does not parse.
    """
    book = PipelineBook(settings.pipeline)
    counters = Counters()
    gate = asyncio.Semaphore(settings.concurrency)
    started = int(time.time())
    app = FastAPI(title="reasoner", docs_url=None, redoc_url=None, openapi_url=None)
    install_handlers(app)
    app.state.counters = counters

    async def run(question: str, pipeline: Pipeline) -> Served:
        async with gate:
            counters.in_flight += 1
            try:
                served = await answer_question(
                    question,
                    pipeline,
                    model,
                    timeout_s=settings.request_timeout_s,
                    program_timeout=settings.program_timeout,
                )
            finally:
                counters.in_flight -= 1
        counters.answered += 1
        return served

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "model": model.spec, **asdict(counters)}

    @app.get("/v1/models")
    async def models(request: Request) -> JSONResponse:
        check_api_key(request, settings.api_key)
        listing = ModelList(data=[ModelCard(id=book.default_id, created=started)])
        return JSONResponse(listing.model_dump())

    @app.get("/v1/models/{model_id:path}")
    async def model_card(model_id: str, request: Request) -> JSONResponse:
        check_api_key(request, settings.api_key)
        book.resolve(model_id)
        return JSONResponse(ModelCard(id=model_id, created=started).model_dump())

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Response:
        check_api_key(request, settings.api_key)
        try:
            body = await read_body(request, settings.max_body_bytes)
        except ClientDisconnect:  # left halfway through sending: nothing to answer
            counters.disconnected += 1
            return Response(status_code=CLIENT_CLOSED)
        try:
            chat = ChatRequest.model_validate_json(body)
        except ValidationError as exc:
            raise invalid_body(exc) from None
        if chat.n != 1:
            raise ApiError(
                400,
                f"n={chat.n}: a pipeline gives one answer per request; send {chat.n} "
                "requests, or put 'vote' in the pipeline to sample inside it",
                param="n",
                code="unsupported_n",
            )
        pipeline = book.resolve(chat.model)
        question = question_of(chat.messages)
        if chat.stream:
            events = stream_completion(
                run(question, pipeline),
                chat.model,
                with_trace=chat.reasoner.trace,
                include_usage=bool(chat.stream_options and chat.stream_options.include_usage),
                keepalive_s=settings.keepalive_s,
            )
            headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
            return StreamingResponse(events, media_type="text/event-stream", headers=headers)
        served = await _unless_disconnected(request.receive, run(question, pipeline))
        if served is None:
            counters.disconnected += 1
            return Response(status_code=CLIENT_CLOSED)
        reply = completion_of(served, chat.model, with_trace=chat.reasoner.trace)
        return JSONResponse(reply.model_dump(mode="json"))

    return app


async def _unless_disconnected(receive: Receive, work: Any) -> Served | None:
    """Run `work`; cancel it and return None if the client disconnects first.

    The body has been read, so the next message the server hands over is the disconnect.
    """
    job = asyncio.ensure_future(work)
    gone = asyncio.ensure_future(_disconnect(receive))
    try:
        await asyncio.wait({job, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        # Whatever is still running is no longer wanted: the watcher once the answer is
        # in, the run once the client is gone (or this handler itself was cancelled).
        for task in (job, gone):
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    if job.cancelled():
        return None
    result: Served = job.result()
    return result


async def _disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
