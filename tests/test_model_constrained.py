"""Constrained decoding on the real embedded model (marked `model`): the hf backend decodes
only what the task allows, and leaves unconstrained rows of the same batch as they were."""

from __future__ import annotations

import asyncio

import pytest

from reasoner import Answer, Task, asolve, load_task
from reasoner.constraints import matches
from reasoner.types import AnswerConstraint, Example, GenerationRequest, Message

pytestmark = pytest.mark.model

CONSTRAINED = "direct(constrained=True)"


def answer_all(model, task: Task, pipeline: str) -> list[tuple[Example, Answer]]:
    examples = list(task.examples())

    async def together() -> list[Answer]:
        return await asyncio.gather(
            *(asolve(e.problem, pipeline, model, task=task) for e in examples)
        )

    return list(zip(examples, asyncio.run(together()), strict=True))


def completions(answer: Answer) -> list[str]:
    return [e.content for e in answer.trace if e.kind == "completion"]


def chess_tasks(shared_data) -> list[Task]:
    tasks = [load_task("chess:n=2,seed=5")]
    bigbench = shared_data / "checkmate_in_one" / "task.json"
    if bigbench.is_file():
        tasks.append(load_task(f"chess:path={bigbench},n=2"))
    return tasks


def test_constrained_direct_never_states_an_illegal_chess_move(smollm2, shared_data):
    for task in chess_tasks(shared_data):
        for example, answer in answer_all(smollm2, task, CONSTRAINED):
            assert answer.error is None, answer.error
            (text,) = completions(answer)
            constraint = task.answer_constraint(example.problem)
            assert constraint is not None and matches(constraint, text), text
            details = task.details(example.problem, task.parse(answer.value or ""))
            assert details["legal"], (example.problem.id, text)


def test_constrained_direct_writes_well_formed_hanoi_move_lines(smollm2):
    task = load_task("hanoi:disks=2+3,per_size=1")
    for example, answer in answer_all(smollm2, task, CONSTRAINED):
        (text,) = completions(answer)
        lines = text.split("\n")
        assert all(line.startswith("Move disk ") for line in lines), text
        assert matches(task.answer_constraint(example.problem), text), text  # type: ignore[arg-type]
        moves = task.parse(text)
        assert moves is not None and len(moves) == len(lines)


def test_constrained_direct_answers_arithmetic_with_a_number(smollm2):
    task = load_task("arithmetic:n=3,seed=2")
    for example, answer in answer_all(smollm2, task, CONSTRAINED):
        (text,) = completions(answer)
        assert matches(task.answer_constraint(example.problem), text), text  # type: ignore[arg-type]
        assert task.parse(text) is not None, (example.problem.id, text)


def test_a_task_without_a_constraint_is_a_recorded_failure_not_a_crash(smollm2):
    freeform = load_task("freeform")
    answer = asyncio.run(
        asolve(freeform.problem("Who wrote Hamlet?"), CONSTRAINED, smollm2, task=freeform)
    )
    assert answer.value is None and answer.error is not None
    assert "gives no answer constraint" in answer.error and "\n" not in answer.error


def test_constraints_touch_only_their_own_rows_of_a_batch(smollm2):
    def ask(question: str, constraint: AnswerConstraint | None = None) -> GenerationRequest:
        messages = [Message(role="user", content=question)]
        return GenerationRequest(messages=messages, max_tokens=12, constraint=constraint)

    free = [ask("Name a colour."), ask("What is 2 + 2?")]
    alone = [g.text for g in smollm2.generate_now(free)]
    choice = AnswerConstraint(choices=["yes", "no"])
    mixed = smollm2.generate_now([free[0], ask("Is snow cold?", choice), free[1]])
    assert [mixed[0].text, mixed[2].text] == alone
    constrained = mixed[1].completions[0]
    # Forced to end once complete: EOS is the only token a finished choice allows.
    assert constrained.text in ("yes", "no") and constrained.finish_reason == "stop"
