"""One chat request's question through one pipeline, as `solve` answers free text.

The last user message is the question; it is routed by its text exactly as
`reasoner.solve()` routes it (a bare expression to the arithmetic exemplars, a Tower of
Hanoi or FEN question to those tasks, anything else to the generic exemplars). The run is
capped in time: past the cap it is cancelled and becomes a failed answer that says so.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from reasoner.errors import BadQuestion
from reasoner.models.base import Model
from reasoner.pipeline import Pipeline
from reasoner.serve.errors import ApiError
from reasoner.serve.schemas import ChatMessage
from reasoner.solving import asolve, routed_problem
from reasoner.task import Task
from reasoner.types import Answer, Problem, TraceEvent


@dataclass(frozen=True)
class Served:
    """A pipeline's answer to one request, with the task and problem it was routed to."""

    answer: Answer
    task: Task
    problem: Problem
    route: TraceEvent | None


def question_of(messages: list[ChatMessage]) -> str:
    """The question: the text of the last user message (earlier turns are not read).

    Args:
        messages: the request's messages.

    Returns:
        The question text.

    Raises:
        ApiError: 400 when no user message has text, or a message holds a non-text part.
    """
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if message.role != "user":
            continue
        content = message.content
        if isinstance(content, list):
            kinds = {part.type for part in content} - {"text"}
            if kinds:
                raise ApiError(
                    400,
                    f"message {index} has a {sorted(kinds)[0]} part: only text questions "
                    "are answered",
                    param=f"messages.{index}.content",
                    code="unsupported_content",
                )
            content = "\n".join(part.text or "" for part in content)
        if content and content.strip():
            return content
        raise ApiError(
            400,
            f"message {index}, the last user message, is empty: put the question there",
            param=f"messages.{index}.content",
            code="empty_question",
        )
    raise ApiError(
        400,
        "no user message: the last message with role 'user' is the question",
        param="messages",
        code="missing_question",
    )


async def answer_question(
    question: str,
    pipeline: Pipeline,
    model: Model,
    *,
    timeout_s: float,
    program_timeout: float,
) -> Served:
    """Route `question` as `solve` does and run `pipeline` on it, within `timeout_s`.

    Args:
        question: free text.
        pipeline: a parsed pipeline.
        model: the server's loaded model (shared by every request: its batching).
        timeout_s: the most seconds the run may take; past it the run is cancelled.
        program_timeout: seconds a generated program may run in the sandbox.

    Returns:
        The answer; a run past the cap is a failed answer whose `error` says so.

    Raises:
        ApiError: 400 for a blank question.
    """
    try:
        problem, task, route = routed_problem(question, None)
    except BadQuestion as exc:
        raise ApiError(400, str(exc), param="messages", code="empty_question") from None
    run = asolve(problem, pipeline, model, task=task, program_timeout=program_timeout)
    try:
        answer = await asyncio.wait_for(run, timeout_s)
    except asyncio.TimeoutError:
        answer = Answer(
            value=None,
            pipeline=str(pipeline),
            error=f"the pipeline did not finish within {timeout_s:g} s "
            "(the server's --request-timeout)",
        )
    if route is not None:
        answer.trace.insert(0, route)
    return Served(answer=answer, task=task, problem=problem, route=route)
