"""Prompt pieces shared by the generating strategies."""

from __future__ import annotations

import re

from reasoner.task import Task
from reasoner.types import Attempt, Completion, Generation, Message, Problem


def question_messages(
    task: Task, problem: Problem, instruction: str, *, exemplars: bool = True
) -> list[Message]:
    """Few-shot turns from the task's direct exemplars, then the question and instruction."""
    messages: list[Message] = []
    for question, answer in task.direct_exemplars() if exemplars else []:
        messages.append(Message(role="user", content=f"{question}\n{instruction}"))
        messages.append(Message(role="assistant", content=answer))
    messages.append(Message(role="user", content=f"{problem.prompt}\n{instruction}"))
    return messages


def with_feedback(
    messages: list[Message], previous: Attempt | None, feedback: str | None, instruction: str
) -> list[Message]:
    """Append the previous reply and the checker's evidence, asking for a corrected answer."""
    if not feedback:
        return messages
    out = list(messages)
    if previous is not None and (previous.program or previous.text):
        out.append(Message(role="assistant", content=previous.program or previous.text))
    out.append(
        Message(role="user", content=f"That is wrong: {feedback}.\nPlease fix it. {instruction}")
    )
    return out


_CODE_BLOCK = re.compile(r"```(?:python|py)[ \t]*\n.*?(?:```|$)", re.S | re.IGNORECASE)


def prose_of(text: str) -> str:
    """`text` without its fenced Python blocks: the numbers in code are not the answer.

    A capable model asked for an answer sometimes writes a program instead ("asked directly
    for a number, it answered by writing Python"). Read as text, the last number of that
    program (a loop bound, a `* 2`) would pass for its answer; read without the code, a
    reply that is only code has no answer, and a reply that explains and then states
    "The answer is 18" keeps it. Unlabelled fences stay: a task may answer inside them.
    """
    return _CODE_BLOCK.sub(" ", text)


def answer_of(task: Task, text: str) -> str | None:
    """The task's canonical answer in a reply, read from its prose (see `prose_of`)."""
    return task.canonical(prose_of(text))


def attempt_from(
    strategy: str, task: Task, generation: Generation, completion: Completion, **fields: object
) -> Attempt:
    """An Attempt for one completion, with its canonical answer parsed by the task."""
    values: dict[str, object] = {
        "strategy": strategy,
        "text": completion.text,
        "tokens_in": generation.tokens_in,
        "tokens_out": completion.tokens_out,
        "latency_s": generation.latency_s,
        "logprob": completion.logprob,
    }
    if "answer" not in fields:  # PAL reads its answer from the program, off the event loop
        values["answer"] = answer_of(task, completion.text)
    values.update(fields)
    return Attempt.model_validate(values)
