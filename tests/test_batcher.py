"""The dynamic batcher: concurrent callers share batches only when they can."""

from __future__ import annotations

import asyncio
import threading

from reasoner.models.batcher import DynamicBatcher
from reasoner.types import Completion, Generation, GenerationRequest, Message


def request(text: str, temperature: float = 0.0) -> GenerationRequest:
    return GenerationRequest(messages=[Message(role="user", content=text)], temperature=temperature)


def echo_batches():
    batches: list[list[str]] = []
    lock = threading.Lock()

    def fn(requests):
        with lock:
            batches.append([r.messages[0].content for r in requests])
        return [
            Generation(
                completions=[Completion(text=r.messages[0].content, tokens_out=1)],
                tokens_in=1,
                latency_s=0.0,
            )
            for r in requests
        ]

    return fn, batches


def test_concurrent_callers_share_one_batch_and_get_their_own_result():
    fn, batches = echo_batches()
    batcher = DynamicBatcher(fn, max_batch=8, gather_ms=50)

    async def main():
        return await asyncio.gather(*(batcher.submit([request(f"q{i}")]) for i in range(6)))

    results = asyncio.run(main())
    assert [r[0].text for r in results] == [f"q{i}" for i in range(6)]
    assert len(batches) == 1 and sorted(batches[0]) == [f"q{i}" for i in range(6)]


def test_submissions_that_cannot_share_a_pass_wait_for_their_own_batch():
    fn, batches = echo_batches()
    batcher = DynamicBatcher(
        fn, key=lambda reqs: reqs[0].temperature > 0, max_batch=8, gather_ms=50
    )

    async def main():
        jobs = [batcher.submit([request(f"g{i}")]) for i in range(3)]
        jobs += [batcher.submit([request(f"s{i}", temperature=0.7)]) for i in range(3)]
        return await asyncio.gather(*jobs)

    asyncio.run(main())
    assert sorted(sorted(b) for b in batches) == [["g0", "g1", "g2"], ["s0", "s1", "s2"]]


def test_batches_never_exceed_max_batch_rows():
    fn, batches = echo_batches()
    batcher = DynamicBatcher(fn, max_batch=4, gather_ms=50)

    async def main():
        return await asyncio.gather(*(batcher.submit([request(f"q{i}")]) for i in range(10)))

    asyncio.run(main())
    assert max(len(b) for b in batches) <= 4 and sum(len(b) for b in batches) == 10


def test_a_failing_batch_reaches_every_caller():
    def fn(_requests):
        raise RuntimeError("out of memory")

    batcher = DynamicBatcher(fn, max_batch=8, gather_ms=20)

    async def main():
        return await asyncio.gather(
            *(batcher.submit([request("q")]) for _ in range(3)), return_exceptions=True
        )

    assert all(isinstance(r, RuntimeError) for r in asyncio.run(main()))
