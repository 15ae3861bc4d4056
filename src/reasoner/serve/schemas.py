"""The wire format of `reasoner serve`: OpenAI chat completions, plus the `reasoner` field.

Requests are validated here, so a wrong type is a 400 naming the field, never a crash.
Fields a pipeline has no use for (sampling settings, `user`, `logprobs`) are accepted and
ignored: the pipeline's stages choose their own decoding. Replies carry what the pipeline
knows in one documented extra field, `reasoner` (docs/serve.md), beside the usual ones.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from reasoner.types import Attempt, TraceEvent, Verdict


class ContentPart(BaseModel):
    """One part of a message's content; only text parts carry a question."""

    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    """A message as clients send it: content is text or a list of parts."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None


class ReasonerOptions(BaseModel):
    """What a client may ask of the pipeline through the request's `reasoner` field."""

    model_config = ConfigDict(extra="forbid")

    #: Return the run's trace (prompts, completions, programs, checks) and its attempts.
    trace: bool = False


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class ChatRequest(BaseModel):
    """A `POST /v1/chat/completions` body."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(min_length=1)
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    #: Only 1: a pipeline decides once (`vote` samples inside it); see `app.py`.
    n: int = Field(default=1, ge=1)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    stop: str | list[str] | None = None
    seed: int | None = None
    logprobs: bool | None = None
    user: str | None = None
    reasoner: ReasonerOptions = Field(default_factory=ReasonerOptions)


class Route(BaseModel):
    """Where the question went: whose exemplars prompted it and which task checked it."""

    exemplars: str
    task: str
    reason: str


class ReasonerReport(BaseModel):
    """The `reasoner` field of a reply: what the pipeline knows about its answer.

    Attributes:
        answer: the exact canonical answer ("18/5"; the reply's content shows "3.60"), or
            None when the run abstained or failed.
        abstained: the pipeline chose not to answer.
        reason: why there is no answer (abstention or failure), one line; None otherwise.
        confidence: the answer's confidence, 0..1, when the pipeline computes one.
        signals: the confidence signals behind it (agreement, verified, token_prob, ...).
        verdicts: the checks that judged the answer, with their evidence.
        pipeline: the pipeline that ran.
        task: the task that parsed and checked the answer.
        route: where the free-text question was routed, and why.
        cost: model calls, completions, tokens, seconds and sandbox runs it spent.
        error: a failure of the run (a stage error, the time cap), else None.
        trace: every step of the run, when the request asked for it.
        attempts: every candidate, when the request asked for the trace.
    """

    answer: str | None
    abstained: bool
    reason: str | None = None
    confidence: float | None = None
    signals: dict[str, float] = Field(default_factory=dict)
    verdicts: list[Verdict] = Field(default_factory=list)
    pipeline: str
    task: str
    route: Route | None = None
    cost: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    trace: list[TraceEvent] | None = None
    attempts: list[Attempt] | None = None


class ReplyMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: ReplyMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class Usage(BaseModel):
    """Tokens the pipeline's model calls read and wrote, all calls together."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class ChatCompletion(BaseModel):
    """A `chat.completion` reply."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    reasoner: ReasonerReport


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "reasoner"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class ErrorBody(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorReply(BaseModel):
    """OpenAI's error shape: `{"error": {"message", "type", "param", "code"}}`."""

    error: ErrorBody
