"""Inspect's model as a reasoner `Model`: a pipeline run inside `inspect eval` calls it.

Every generate call goes through inspect's own model object (`get_model()`: the eval's
`--model`), so inspect counts its tokens, caches, retries and logs each call as usual.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
    ModelOutput,
    get_model,
)
from inspect_ai.model import Model as InspectModelApi

from reasoner.errors import ModelError
from reasoner.models.base import Model, truncate_at_stop
from reasoner.types import Completion, Generation, GenerationRequest, Message

#: Inspect's stop reasons that mean the token limit cut the reply.
_CUT = {"max_tokens", "model_length"}
#: Inspect's roles for ours.
_MESSAGE_TYPES = {
    "system": ChatMessageSystem,
    "user": ChatMessageUser,
    "assistant": ChatMessageAssistant,
}


class InspectModel(Model):
    """A reasoner Model over an inspect_ai model.

    Args:
        model: the inspect model; default: the active eval's (`get_model()`).
    """

    def __init__(self, model: InspectModelApi | None = None) -> None:
        self.inspect_model = model if model is not None else get_model()
        self.spec = f"inspect:{self.inspect_model}"

    def describe(self) -> dict[str, object]:
        return {"spec": self.spec, "backend": type(self).__name__}

    async def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        return list(await asyncio.gather(*(self._generate_one(r) for r in requests)))

    async def _generate_one(self, request: GenerationRequest) -> Generation:
        if request.constraint is not None:
            raise ModelError(
                "inspect models cannot constrain answers to a form: run the pipeline without "
                "constrained=True"
            )
        started = time.perf_counter()
        messages = [as_inspect_message(m) for m in request.messages]
        outputs = [await self.inspect_model.generate(messages, config=config_of(request))]
        # Providers that ignore num_choices (mockllm, most local servers) answer once: ask
        # again for the rest, each one on its own.
        got = len(outputs[0].choices)
        if got < request.n:
            single = config_of(request, n=1)
            more = [
                self.inspect_model.generate(messages, config=single) for _ in range(request.n - got)
            ]
            outputs += await asyncio.gather(*more)
        completions = [c for out in outputs for c in completions_of(out, request.stop)]
        usage = outputs[0].usage
        return Generation(
            completions=completions[: request.n],
            tokens_in=usage.input_tokens if usage is not None else 0,
            latency_s=time.perf_counter() - started,
        )


def as_inspect_message(message: Message) -> ChatMessage:
    """Our chat message as inspect's."""
    return _MESSAGE_TYPES[message.role](content=message.content)  # type: ignore[no-any-return]


def config_of(request: GenerationRequest, n: int | None = None) -> GenerateConfig:
    """Inspect's generate settings for a request (the first four stop strings go to the
    provider; all of them are applied to the text afterwards)."""
    count = request.n if n is None else n
    return GenerateConfig(
        max_tokens=request.max_tokens,
        temperature=request.temperature,
        top_p=request.top_p,
        stop_seqs=request.stop[:4] or None,
        seed=request.seed,
        num_choices=count if count > 1 else None,
    )


def completions_of(output: ModelOutput, stop: Sequence[str]) -> list[Completion]:
    """The completions of one inspect output, cut at `stop`; output tokens shared out by
    length when the provider reports them for all choices together."""
    texts = [choice.message.text for choice in output.choices] or [output.completion]
    total_tokens = output.usage.output_tokens if output.usage is not None else 0
    total_chars = sum(len(t) for t in texts) or 1
    completions = []
    for index, text in enumerate(texts):
        choice = output.choices[index] if output.choices else None
        logprobs = choice.logprobs.content if choice is not None and choice.logprobs else None
        if logprobs:
            tokens, logprob = len(logprobs), sum(p.logprob for p in logprobs)
        else:
            tokens, logprob = round(total_tokens * len(text) / total_chars), None
        cut, stopped = truncate_at_stop(text, stop)
        reason = choice.stop_reason if choice is not None else None
        finish = "stop" if stopped else ("length" if reason in _CUT else reason)
        completions.append(
            Completion(text=cut, tokens_out=tokens, logprob=logprob, finish_reason=finish)
        )
    return completions
