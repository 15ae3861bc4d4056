"""The wire format of OpenAI-compatible chat replies: what the client reads, validated.

Only the fields the client uses are declared; servers add others freely.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Sequence

import httpx
from pydantic import BaseModel, Field

from reasoner.models.base import truncate_at_stop
from reasoner.types import Completion


class TokenLogprob(BaseModel):
    logprob: float


class Logprobs(BaseModel):
    content: list[TokenLogprob] | None = None


class ReplyMessage(BaseModel):
    content: str | None = None


class Choice(BaseModel):
    message: ReplyMessage
    finish_reason: str | None = None
    logprobs: Logprobs | None = None


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0


class ChatResponse(BaseModel):
    choices: list[Choice] = Field(min_length=1)
    usage: Usage | None = None


def completions_of(body: ChatResponse, stop: Sequence[str]) -> list[Completion]:
    """The completions of one reply, cut at `stop`."""
    usage = body.usage or Usage()
    texts = [c.message.content or "" for c in body.choices]
    total_chars = sum(len(t) for t in texts) or 1
    out = []
    for choice, text in zip(body.choices, texts, strict=True):
        tokens = choice.logprobs.content if choice.logprobs else None
        if tokens is not None:
            tokens_out, logprob = len(tokens), sum(t.logprob for t in tokens)
        else:
            # usage covers all choices together: share it out by text length.
            share = len(text) / total_chars if len(texts) > 1 else 1.0
            tokens_out, logprob = round(usage.completion_tokens * share), None
        cut, stopped = truncate_at_stop(text, stop)
        finish = "stop" if stopped else choice.finish_reason
        out.append(
            Completion(text=cut, tokens_out=tokens_out, logprob=logprob, finish_reason=finish)
        )
    return out


def snippet(text: str, limit: int = 200) -> str:
    """`text` on one line, cut to `limit` characters, quoted: for error messages."""
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[:limit] + "...")


def retry_after(response: httpx.Response) -> float | None:
    """The seconds a `Retry-After` header asks for (a number or an HTTP date), if any."""
    raw = response.headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
