"""Constrained decoding through llama.cpp's `grammar` field (GBNF from `constraints.gbnf`).

Tier `engine`: skips when the engine is not installed (`reasoner engine install`).
"""

from __future__ import annotations

import asyncio

import pytest

from reasoner import asolve, load_task
from reasoner.constraints import matches, number_constraint
from reasoner.models.engine_install import find_server
from reasoner.types import AnswerConstraint

pytestmark = [
    pytest.mark.engine,
    pytest.mark.skipif(
        find_server() is None, reason="llama.cpp engine not installed (reasoner engine install)"
    ),
]


@pytest.fixture(scope="module")
def model(smollm2_llamacpp):
    return smollm2_llamacpp


def ask(model, question: str, constraint: AnswerConstraint, max_tokens: int = 48) -> str:
    generation = asyncio.run(model.ask(question, max_tokens=max_tokens, constraint=constraint))
    return generation.text


def test_llama_server_replies_only_with_an_allowed_choice(model) -> None:
    constraint = AnswerConstraint(choices=["Qxf7#", "O-O-O", "e8=Q+"])
    assert ask(model, "Give a chess move.", constraint) in constraint.choices


def test_llama_server_follows_a_regex_turned_into_gbnf(model) -> None:
    number = number_constraint(fraction=True)
    assert matches(number, ask(model, "What is 12 + 7?", number))
    task = load_task("hanoi:disks=2")
    problem = next(iter(task.examples())).problem
    hanoi = task.answer_constraint(problem)
    assert hanoi is not None
    text = ask(model, problem.prompt, hanoi, max_tokens=64)
    assert matches(hanoi, text), text


def test_constrained_direct_on_llama_cpp_gives_legal_chess_moves(model) -> None:
    task = load_task("chess:n=3,seed=5")

    async def together():
        return await asyncio.gather(
            *(
                asolve(e.problem, "direct(constrained=True)", model, task=task)
                for e in task.examples()
            )
        )

    for example, answer in zip(task.examples(), asyncio.run(together()), strict=True):
        assert answer.error is None, answer.error
        assert task.details(example.problem, task.parse(answer.value or ""))["legal"], answer.value
