"""Deterministic replies for wiring tests: never use it to measure anything."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterable, Sequence

from reasoner.models.base import Model, truncate_at_stop
from reasoner.types import Completion, Generation, GenerationRequest

Reply = str | Callable[[GenerationRequest], str]


class ScriptedModel(Model):
    """Answers from a list of replies (cycled) or a function of the request.

    Args:
        replies: strings returned in turn, or one callable mapping a request to its reply.
        delay_s: simulated latency per call, to exercise concurrency.
    """

    def __init__(
        self,
        replies: Iterable[str] | Callable[[GenerationRequest], str] = ("",),
        *,
        delay_s: float = 0.0,
        spec: str = "scripted",
    ) -> None:
        if callable(replies):
            self._fn: Callable[[GenerationRequest], str] = replies
        else:
            cycle = itertools.cycle(list(replies) or [""])
            self._fn = lambda _request: next(cycle)
        self.delay_s = delay_s
        self.spec = spec
        self.requests: list[GenerationRequest] = []

    async def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        out = []
        for request in requests:
            self.requests.append(request)
            completions = []
            for _ in range(request.n):
                text, _ = truncate_at_stop(self._fn(request), request.stop)
                completions.append(
                    Completion(
                        text=text, tokens_out=len(text.split()), logprob=0.0, finish_reason="stop"
                    )
                )
            tokens_in = sum(len(m.content.split()) for m in request.messages)
            out.append(
                Generation(completions=completions, tokens_in=tokens_in, latency_s=self.delay_s)
            )
        return out


def from_spec(rest: str) -> ScriptedModel:
    """`scripted` or `scripted:reply one|reply two`: replies cycled in order."""
    replies = rest.split("|") if rest else ["42"]
    return ScriptedModel(replies, spec=f"scripted:{rest}" if rest else "scripted")
