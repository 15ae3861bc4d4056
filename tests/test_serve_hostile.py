"""Hostile requests to `reasoner serve`: each gets a clear error or a recorded failure, and
the server keeps serving. The list (one test each, or one case of a table):

1. an oversized body (declared, and chunked without a length)  -> 413
2. malformed JSON, and a body that is not an object              -> 400 invalid_json / invalid_body
3. an unknown pipeline or model name                              -> 404 model_not_found
4. bad field types (messages, role, n, temperature, reasoner)     -> 400 naming the field
5. no user message, an empty one, an image part, n > 1            -> 400
6. a question that makes the model write a fork bomb or an
   endless loop under `pal`                                       -> 200, a failed answer
7. a pipeline run past the time cap                               -> 200, a failed answer
8. a client that disconnects mid-request (waiting for its answer,
   and halfway through sending its body)                          -> its run is cancelled
9. a wrong method or path                                         -> 405 / 404
After every case the server answers a plain question; no reply is a 500 or has a traceback.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time

import httpx
import pytest
from serve_fixtures import running_server

from reasoner.models.scripted import ScriptedModel
from reasoner.types import GenerationRequest

FORK_BOMB = "import os\nwhile True:\n    os.fork()"
ENDLESS = "x = 0\nwhile True:\n    x += 1"
PLAIN = {"model": "reasoner", "messages": [{"role": "user", "content": "What is 2 + 3?"}]}


class HostileModel(ScriptedModel):
    """Writes the program a question asks for; sleeps (cancellably) when asked to dawdle."""

    def __init__(self) -> None:
        super().__init__(self.program_for)
        self.cancelled = 0

    @staticmethod
    def program_for(request: GenerationRequest) -> str:
        question = request.messages[-1].content
        if "fork" in question:
            return FORK_BOMB
        if "forever" in question:
            return ENDLESS
        return "print(2 + 3)"

    async def generate(self, requests):
        if "dawdle" in requests[-1].messages[-1].content:
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
        return await super().generate(requests)


@pytest.fixture(scope="module")
def server():
    model = HostileModel()
    settings = {"program_timeout": 1.0, "max_body_bytes": 64 * 1024, "request_timeout_s": 30}
    with running_server(model, **settings) as (base, app):
        yield base, app, model


@pytest.fixture
def http(server):
    base, _, _ = server
    with httpx.Client(base_url=base, timeout=60) as client:
        yield client
    # Whatever the case did, the server still answers a plain question.
    with httpx.Client(base_url=base, timeout=60) as client:
        reply = client.post("/v1/chat/completions", json=PLAIN)
    assert reply.status_code == 200 and reply.json()["choices"][0]["message"]["content"] == "5"


def assert_error(reply: httpx.Response, status: int, code: str | None = None) -> dict:
    assert reply.status_code == status, reply.text
    assert "Traceback" not in reply.text
    error = reply.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["message"]
    if code is not None:
        assert error["code"] == code
    return error


def test_an_oversized_body_is_refused_before_it_is_read(http):
    question = "What is 2 + 3? " + "x" * (100 * 1024)
    body = {"model": "reasoner", "messages": [{"role": "user", "content": question}]}
    assert_error(http.post("/v1/chat/completions", json=body), 413, "request_too_large")


def test_an_oversized_chunked_body_is_refused_as_it_arrives(http):
    def chunks():
        yield b'{"model": "reasoner", "messages": [{"role": "user", "content": "'
        for _ in range(100):
            yield b"x" * 1024

    reply = http.post("/v1/chat/completions", content=chunks())
    assert_error(reply, 413, "request_too_large")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"model": "reasoner", "messages": [', "invalid_json"),
        (b"\xff\xfe not json", "invalid_json"),
        (b"[1, 2, 3]", "invalid_body"),
        (b"", "invalid_json"),
    ],
)
def test_malformed_json_gets_a_400(http, body, code):
    assert_error(http.post("/v1/chat/completions", content=body), 400, code)


@pytest.mark.parametrize(
    "model", ["reasoner/no_such_stage", "reasoner/pal >> retry(mx=2)", "gpt-4o"]
)
def test_an_unknown_pipeline_or_model_gets_a_404(http, model):
    error = assert_error(
        http.post("/v1/chat/completions", json={**PLAIN, "model": model}), 404, "model_not_found"
    )
    assert error["param"] == "model" and model in error["message"]


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"messages": "What is 2 + 3?"}, "messages"),
        ({"messages": [{"role": "robot", "content": "hi"}]}, "messages.0.role"),
        ({"messages": [{"role": "user", "content": 5}]}, "messages.0.content"),
        ({"n": "two"}, "n"),
        ({"temperature": "hot"}, "temperature"),
        ({"model": 7}, "model"),
        ({"reasoner": {"trace": "maybe"}}, "reasoner.trace"),
        ({"reasoner": {"traces": True}}, "reasoner.traces"),
    ],
)
def test_a_bad_field_type_gets_a_400_naming_the_field(http, change, param):
    error = assert_error(http.post("/v1/chat/completions", json={**PLAIN, **change}), 400)
    assert error["param"] is not None and error["param"].startswith(param)


@pytest.mark.parametrize(
    ("messages", "code"),
    [
        ([{"role": "system", "content": "Be brief."}], "missing_question"),
        ([{"role": "user", "content": "   "}], "empty_question"),
        (
            [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}],
            "unsupported_content",
        ),
    ],
)
def test_a_request_without_a_question_gets_a_400(http, messages, code):
    body = {"model": "reasoner", "messages": messages}
    assert_error(http.post("/v1/chat/completions", json=body), 400, code)


def test_more_than_one_choice_gets_a_400(http):
    assert_error(http.post("/v1/chat/completions", json={**PLAIN, "n": 3}), 400, "unsupported_n")


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("What is 2 + 3? Answer with a fork", "memory|processes|killed|pids|resource|fork"),
        ("What is 2 + 3? Compute it forever", "timeout|time|seconds"),
    ],
)
def test_a_hostile_program_is_a_recorded_failure(http, question, reason):
    body = {"model": "reasoner/pal", "messages": [{"role": "user", "content": question}]}
    body["reasoner"] = {"trace": True}
    reply = http.post("/v1/chat/completions", json=body)
    assert reply.status_code == 200, reply.text
    extra = reply.json()["reasoner"]
    assert extra["answer"] is None and not extra["abstained"]
    execution = extra["attempts"][0]["execution"]
    assert execution["ok"] is False
    assert re.search(reason, f"{execution['reason']} {execution['error']}", re.IGNORECASE)
    assert reply.json()["choices"][0]["message"]["content"].startswith("no answer")


def test_a_run_past_the_time_cap_is_a_recorded_failure():
    with running_server(HostileModel(), request_timeout_s=0.5) as (base, _):
        body = {"model": "reasoner", "messages": [{"role": "user", "content": "2 + 3, dawdle"}]}
        started = time.monotonic()
        reply = httpx.post(f"{base}/v1/chat/completions", json=body, timeout=30)
        assert time.monotonic() - started < 10
        assert reply.status_code == 200
        extra = reply.json()["reasoner"]
        assert extra["answer"] is None and "did not finish within 0.5 s" in extra["error"]
        assert httpx.post(f"{base}/v1/chat/completions", json=PLAIN).status_code == 200


def wait_for(check, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_a_client_that_leaves_while_waiting_has_its_run_cancelled(server, http):
    base, app, model = server
    before = model.cancelled
    body = {"model": "reasoner", "messages": [{"role": "user", "content": "2 + 3, dawdle"}]}
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{base}/v1/chat/completions", json=body, timeout=0.5)
    counters = app.state.counters
    assert wait_for(lambda: model.cancelled == before + 1 and counters.in_flight == 0)
    assert http.get("/health").json()["disconnected"] >= 1


def test_a_client_that_leaves_halfway_through_its_body_costs_nothing(server, http):
    base, app, _ = server
    port = int(base.rsplit(":", 1)[1])
    counters = app.state.counters
    answered, disconnected = counters.answered, counters.disconnected
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        head = (
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
            "Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
        )
        raw.sendall(head.encode() + json.dumps(PLAIN).encode()[:20])
    assert wait_for(lambda: counters.disconnected == disconnected + 1)
    assert counters.answered == answered


def test_a_wrong_method_or_path_gets_openai_style_errors(http):
    assert_error(http.get("/v1/chat/completions"), 405)
    assert_error(http.post("/v1/completions", json=PLAIN), 404)


def test_a_streaming_client_that_leaves_has_its_run_cancelled(server, http):
    base, app, model = server
    before = model.cancelled
    body = {**PLAIN, "stream": True, "messages": [{"role": "user", "content": "2 + 3, dawdle"}]}
    with httpx.stream("POST", f"{base}/v1/chat/completions", json=body, timeout=30) as reply:
        assert reply.status_code == 200
        first = next(reply.iter_lines())
        assert first.startswith("data: ") and '"role":"assistant"' in first
    assert wait_for(lambda: model.cancelled == before + 1 and app.state.counters.in_flight == 0)
