"""`reasoner serve` with the official `openai` client and with our own `openai:` backend.

Wiring tests use scripted models (their replies are fixed programs or answers); the model
tier asks the real embedded model through the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys

import httpx
import openai
import pytest
from serve_fixtures import running_server

from reasoner import load_model, solve
from reasoner.models.scripted import ScriptedModel
from reasoner.types import GenerationRequest

HANOI = "Solve the Tower of Hanoi with 2 disks: move them from peg A to peg C."
HANOI_PROGRAM = (
    "print('Move disk 1 from A to B')\nprint('Move disk 2 from A to C')\n"
    "print('Move disk 1 from B to C')"
)


def client_for(base: str, **kw) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{base}/v1", api_key=kw.pop("api_key", "unused"), **kw)


def reasoner_field(reply) -> dict:
    """The `reasoner` extra field of an openai client object."""
    return reply.model_extra["reasoner"]


@pytest.fixture(scope="module")
def adding():
    """A server whose model writes `print(2 + 3)` for every prompt."""
    with running_server(ScriptedModel(["print(2 + 3)"])) as (base, _):
        yield base


def test_models_lists_the_servers_pipeline(adding):
    listed = [m.id for m in client_for(adding).models.list()]
    assert listed == ["reasoner/pal >> check"]


def test_the_openai_client_gets_the_answer_and_the_reasoner_field(adding):
    reply = client_for(adding).chat.completions.create(
        model="reasoner/pal >> check",
        messages=[
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "What is 2 + 3?"},
        ],
    )
    assert reply.choices[0].message.content == "5"
    assert reply.choices[0].finish_reason == "stop"
    extra = reasoner_field(reply)
    assert extra["answer"] == "5" and extra["abstained"] is False and extra["reason"] is None
    assert extra["pipeline"] == "pal >> check"
    assert extra["route"]["exemplars"] == "arithmetic"
    assert [v["status"] for v in extra["verdicts"]] == ["passed"]
    assert extra["confidence"] == 1.0
    assert extra["cost"]["model_calls"] == 1 and extra["cost"]["sandbox_runs"] == 1
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    assert extra["trace"] is None  # only on request


def test_the_trace_comes_on_request(adding):
    reply = client_for(adding).chat.completions.create(
        model="reasoner",
        messages=[{"role": "user", "content": "What is 2 + 3?"}],
        extra_body={"reasoner": {"trace": True}},
    )
    extra = reasoner_field(reply)
    kinds = [event["kind"] for event in extra["trace"]]
    assert kinds[0] == "route" and "completion" in kinds and "program" in kinds
    assert extra["attempts"][0]["program"].startswith("print(2 + 3)")


def test_a_request_names_its_own_pipeline_and_reads_the_answer_as_a_person_writes_it():
    model = ScriptedModel(["Answer: 18/5"])
    with running_server(model) as (base, _):
        reply = client_for(base).chat.completions.create(
            model="reasoner/direct",
            messages=[
                {"role": "user", "content": "What do 24 pencils cost in dollars at 3 for 45 cents?"}
            ],
        )
    assert reply.choices[0].message.content == "3.60"
    extra = reasoner_field(reply)
    assert extra["answer"] == "18/5"  # the exact value stays in the field
    assert extra["pipeline"] == "direct"


def test_an_abstention_says_so_in_the_content_and_the_field():
    # The program's 7 fails the re-evaluation of 2 + 3: confidence 0, below t.
    with running_server(ScriptedModel(["print(7)"])) as (base, _):
        reply = client_for(base).chat.completions.create(
            model="reasoner/pal >> check >> abstain(t=0.75)",
            messages=[{"role": "user", "content": "What is 2 + 3?"}],
        )
    extra = reasoner_field(reply)
    assert extra["abstained"] is True and extra["answer"] is None
    assert extra["confidence"] == 0.0
    assert "below t=0.75" in extra["reason"]
    assert reply.choices[0].message.content.startswith("abstained")


def test_a_hanoi_question_is_routed_to_the_hanoi_task():
    with running_server(ScriptedModel([HANOI_PROGRAM])) as (base, _):
        reply = client_for(base).chat.completions.create(
            model="reasoner", messages=[{"role": "user", "content": HANOI}]
        )
    extra = reasoner_field(reply)
    assert extra["route"]["exemplars"] == "hanoi" and extra["task"] == "hanoi"
    assert [v["status"] for v in extra["verdicts"]] == ["passed"]
    assert (
        reply.choices[0].message.content.splitlines()
        == HANOI_PROGRAM.replace("print('", "").replace("')", "").splitlines()
    )


def test_streaming_sends_the_answer_and_the_reasoner_field_as_server_sent_events(adding):
    stream = client_for(adding).chat.completions.create(
        model="reasoner",
        messages=[{"role": "user", "content": "What is 2 + 3?"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "5"
    finals = [c for c in chunks if c.choices and c.choices[0].finish_reason == "stop"]
    assert len(finals) == 1 and reasoner_field(finals[0])["answer"] == "5"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0


def test_an_api_key_is_required_when_set():
    with running_server(ScriptedModel(["print(2 + 3)"]), api_key="s3cret") as (base, _):
        ask = {"model": "reasoner", "messages": [{"role": "user", "content": "What is 2 + 3?"}]}
        with pytest.raises(openai.AuthenticationError) as missing:
            openai.OpenAI(base_url=f"{base}/v1", api_key="wrong").chat.completions.create(**ask)
        assert missing.value.body["code"] == "invalid_api_key"
        bare = httpx.get(f"{base}/v1/models")
        assert bare.status_code == 401 and bare.json()["error"]["code"] == "missing_api_key"
        reply = client_for(base, api_key="s3cret").chat.completions.create(**ask)
        assert reply.choices[0].message.content == "5"


class CountingModel(ScriptedModel):
    """Records how many generate calls were in flight at once."""

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self.active = self.peak = 0

    async def generate(self, requests: list[GenerationRequest]):
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            return await super().generate(requests)
        finally:
            self.active -= 1


def test_concurrent_requests_share_one_model_object():
    model = CountingModel(["print(2 + 3)"], delay_s=0.3)
    with running_server(model) as (base, _):
        client = openai.AsyncOpenAI(base_url=f"{base}/v1", api_key="unused")

        async def ask_all():
            ask = {"model": "reasoner", "messages": [{"role": "user", "content": "What is 2 + 3?"}]}
            return await asyncio.gather(*(client.chat.completions.create(**ask) for _ in range(8)))

        replies = asyncio.run(ask_all())
    assert [r.choices[0].message.content for r in replies] == ["5"] * 8
    assert len(model.requests) == 8 and model.peak > 1


def test_our_openai_backend_runs_reasoner_through_reasoner(adding):
    outer = load_model(f"openai:{adding}/v1#reasoner/pal")
    answer = solve("What is 2 + 3?", "direct", outer)
    assert answer.value == "5"
    assert answer.cost.model_calls == 1


def test_our_openai_backend_reads_a_refusal_in_one_line(adding):
    outer = load_model(f"openai:{adding}/v1?retries=0#reasoner/no_such_stage")
    answer = solve("What is 2 + 3?", "direct", outer)
    assert answer.value is None
    assert "HTTP 404" in answer.error and "unknown stage \\'no_such_stage\\'" in answer.error


@pytest.mark.model
def test_the_embedded_model_answers_through_the_server(smollm2):
    questions = {
        "What is 12 + 30?": "arithmetic",
        HANOI: "hanoi",
        "Tom has 3 apples and buys 4 more. How many apples does he have?": "generic",
    }
    with running_server(smollm2, pipeline="pal >> check") as (base, _):
        client = client_for(base, timeout=300)
        replies = {
            q: client.chat.completions.create(
                model="reasoner", messages=[{"role": "user", "content": q}]
            )
            for q in questions
        }
        with contextlib.closing(httpx.Client()) as http:
            health = http.get(f"{base}/health").json()
    for question, route in questions.items():
        extra = reasoner_field(replies[question])
        assert extra["route"]["exemplars"] == route
        assert extra["cost"]["model_calls"] >= 1 and extra["cost"]["tokens_out"] > 0
        assert replies[question].choices[0].message.content  # an answer or why there is none
    assert reasoner_field(replies["What is 12 + 30?"])["answer"] == "42"
    assert health["answered"] == 3 and health["in_flight"] == 0


def test_a_slow_streamed_answer_keeps_the_connection_alive():
    with running_server(ScriptedModel(["print(2 + 3)"], delay_s=0.5), keepalive_s=0.1) as (base, _):
        body = {"model": "reasoner", "stream": True}
        body["messages"] = [{"role": "user", "content": "What is 2 + 3?"}]
        with httpx.stream("POST", f"{base}/v1/chat/completions", json=body, timeout=30) as reply:
            lines = [line for line in reply.iter_lines() if line]
    assert ": working" in lines  # SSE comments while the pipeline works
    assert lines[-1] == "data: [DONE]"


def test_serve_refuses_a_bad_pipeline_in_one_line():
    done = subprocess.run(
        [sys.executable, "-m", "reasoner", "serve", "-m", "scripted", "-s", "pal >> nonsense"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "unknown stage 'nonsense'" in line
