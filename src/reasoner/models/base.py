"""The one interface every base-model backend implements.

A backend answers a batch of `GenerationRequest`s. Callers that each hold one request may call
concurrently: backends that can batch (hf) gather concurrent calls into one forward pass.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence

from reasoner.types import AnswerConstraint, Generation, GenerationRequest, Message


class Model(abc.ABC):
    """A loaded base model. Load once (`reasoner.load_model`), reuse across many calls."""

    #: The spec string this model was loaded from, e.g. ``"smollm2"``; reports name it.
    spec: str = ""

    @abc.abstractmethod
    async def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        """Generate for every request.

        Args:
            requests: chat requests; each may ask for `n` samples.

        Returns:
            One `Generation` per request, in order.
        """

    async def ask(
        self,
        prompt: str | Sequence[Message],
        *,
        system: str | None = None,
        max_tokens: int = 256,
        temperature: float = 0.0,
        top_p: float = 1.0,
        stop: Sequence[str] = (),
        n: int = 1,
        seed: int | None = None,
        constraint: AnswerConstraint | None = None,
    ) -> Generation:
        """Generate for one prompt (a user message, or a full message list).

        Returns:
            The `Generation` for that single request.
        """
        messages = (
            [Message(role="user", content=prompt)] if isinstance(prompt, str) else list(prompt)
        )
        if system is not None:
            messages.insert(0, Message(role="system", content=system))
        request = GenerationRequest(
            messages=messages,
            max_tokens=max_tokens,
            temperature=temperature,
            top_p=top_p,
            stop=list(stop),
            n=n,
            seed=seed,
            constraint=constraint,
        )
        (generation,) = await self.generate([request])
        return generation

    async def aclose(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release what the backend holds (connections, worker threads)."""

    def describe(self) -> dict[str, object]:
        """What a run's configuration records about this model."""
        return {"spec": self.spec, "backend": type(self).__name__}


def truncate_at_stop(text: str, stop: Sequence[str]) -> tuple[str, bool]:
    """Cut `text` before the first stop string; say whether one was found."""
    cut = len(text)
    for s in stop:
        if s:
            i = text.find(s)
            if i != -1:
                cut = min(cut, i)
    return text[:cut], cut < len(text)
