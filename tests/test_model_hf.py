"""The real embedded model (marked `model`): loaded once per run, batched == unbatched."""

from __future__ import annotations

import asyncio

import pytest

from reasoner import ModelNotFound, load_model
from reasoner.models.hf import from_spec
from reasoner.types import GenerationRequest, Message

pytestmark = pytest.mark.model

QUESTIONS = ["What is 2 + 3?", "What is 17 + 25?", "Name a colour.", "What is 9 * 9?"]


def request(text: str, **options) -> GenerationRequest:
    return GenerationRequest(
        messages=[Message(role="user", content=text)], max_tokens=24, **options
    )


def test_load_model_is_cached_per_process(smollm2):
    assert load_model("smollm2") is smollm2


def test_batched_greedy_text_equals_unbatched(smollm2):
    requests = [request(q) for q in QUESTIONS]
    alone = [smollm2.generate_now([r])[0] for r in requests]
    together = smollm2.generate_now(requests)
    assert [g.text for g in alone] == [g.text for g in together]
    # Log-probabilities too: kept to the precision that batching does not move.
    logprobs = [g.completions[0].logprob for g in alone]
    assert logprobs == [g.completions[0].logprob for g in together]
    assert all(g.tokens_in > 0 and g.completions[0].tokens_out > 0 for g in together)


def test_concurrent_callers_are_gathered_into_one_batch(smollm2):
    requests = [request(q) for q in QUESTIONS]
    alone = [smollm2.generate_now([r])[0].text for r in requests]
    before = smollm2.batcher.batches_run

    async def together():
        return await asyncio.gather(*(smollm2.generate([r]) for r in requests))

    results = asyncio.run(together())
    assert [r[0].text for r in results] == alone
    assert smollm2.batcher.batches_run - before < len(requests)


def test_stop_strings_and_samples(smollm2):
    (counted,) = smollm2.generate_now(
        [request("Count from 1 to 20, separated by commas.", stop=["5"])]
    )
    assert "5" not in counted.text
    (sampled,) = smollm2.generate_now([request("Tell a story.", temperature=0.9, n=3, seed=1)])
    assert len(sampled.completions) == 3
    assert all(c.logprob is not None and c.logprob < 0 for c in sampled.completions)


def test_missing_folder_is_one_clear_line():
    with pytest.raises(ModelNotFound, match="folder /nonexistent/model does not exist"):
        from_spec("/nonexistent/model")


def test_shared_prefix_cache_gives_the_same_greedy_text(smollm2):
    from reasoner import load_task
    from reasoner.models.chat_batch import BatchRunner
    from reasoner_strategies.pal import pal_messages

    task = load_task("arithmetic:digits=3,terms=2,n=4,seed=3")
    requests = [
        GenerationRequest(
            messages=pal_messages(task.pal_exemplars(), e.problem.prompt, {}), max_tokens=40
        )
        for e in task.examples()
    ]
    plain = BatchRunner(smollm2.runner.model, smollm2.runner.tokenizer, prefix_caching=False)
    alone_uncached = [plain.run([r])[0].text for r in requests]
    hits = smollm2.runner.prefix_cache.hits
    together_cached = [g.text for g in smollm2.runner.run(requests)]
    assert together_cached == alone_uncached
    assert smollm2.runner.prefix_cache.hits + smollm2.runner.prefix_cache.misses > hits
