"""A served answer as a chat completion: the content a person reads, the `reasoner` field.

The content is the answer as a person writes it (`Task.display`: "3.60", not "18/5"), or,
when there is none, the one line that says why (`reasoner.outcomes.outcome_line`). The
`reasoner` field carries the exact answer and everything else the pipeline knows.
"""

from __future__ import annotations

import json
import time
import uuid

from reasoner.display import shown_answer
from reasoner.outcomes import outcome_line
from reasoner.serve.answering import Served
from reasoner.serve.schemas import (
    ChatCompletion,
    Choice,
    ReasonerReport,
    ReplyMessage,
    Route,
    Usage,
)


def new_id() -> str:
    """A fresh completion id, `chatcmpl-...`."""
    return f"chatcmpl-{uuid.uuid4().hex}"


def content_of(served: Served) -> str:
    """What the reply says: the answer as a person writes it, or why there is none.

    Args:
        served: the run.

    Returns:
        The message content.
    """
    answer = served.answer
    return shown_answer(answer, served.task, served.problem) or outcome_line(answer) or ""


def report_of(served: Served, *, with_trace: bool) -> ReasonerReport:
    """The `reasoner` field of the reply.

    Args:
        served: the run.
        with_trace: include the trace and the attempts (the request's `reasoner.trace`).

    Returns:
        The report (see `ReasonerReport` for each field).
    """
    answer = served.answer
    route = None
    if served.route is not None:
        data = served.route.data
        route = Route(
            exemplars=str(data.get("exemplars", "")),
            task=str(data.get("task", served.task.spec)),
            reason=served.route.content,
        )
    return ReasonerReport(
        answer=answer.value,
        abstained=answer.abstained,
        reason=outcome_line(answer),
        confidence=answer.confidence,
        signals=answer.signals,
        verdicts=answer.verdicts,
        pipeline=answer.pipeline,
        task=served.task.spec,
        route=route,
        cost=answer.cost.model_dump(),
        error=answer.error,
        trace=answer.trace if with_trace else None,
        attempts=answer.attempts if with_trace else None,
    )


def usage_of(served: Served) -> Usage:
    """Tokens every model call of the run read and wrote."""
    cost = served.answer.cost
    return Usage(
        prompt_tokens=cost.tokens_in,
        completion_tokens=cost.tokens_out,
        total_tokens=cost.tokens_in + cost.tokens_out,
    )


def completion_of(served: Served, model: str, *, with_trace: bool) -> ChatCompletion:
    """The whole `chat.completion` reply.

    Args:
        served: the run.
        model: the model name the request used (echoed back).
        with_trace: include the trace in the `reasoner` field.

    Returns:
        The reply.
    """
    return ChatCompletion(
        id=new_id(),
        created=int(time.time()),
        model=model,
        choices=[Choice(message=ReplyMessage(content=content_of(served)))],
        usage=usage_of(served),
        reasoner=report_of(served, with_trace=with_trace),
    )


def sse(data: object) -> str:
    """One server-sent event carrying `data` as JSON (or the literal `[DONE]`)."""
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return f"data: {text}\n\n"
