"""Routing free text in `solve()`: which task's exemplars a question gets, and the trace note."""

from __future__ import annotations

import pytest
from toy import fake_runner

from reasoner import solve
from reasoner.models.scripted import ScriptedModel
from reasoner_tasks.arithmetic.prompts import PAL_EXPRESSIONS
from reasoner_tasks.freeform.prompts import WORKED
from reasoner_tasks.freeform.routing import route
from reasoner_tasks.hanoi.prompts import problem_prompt


@pytest.mark.parametrize(
    "question",
    [
        "What is 4821 - (2213 * 17) + 96?",
        "Compute 12 * (5 + 7)",
        "Calculate 9000 - 4321.",
        "3 + 4 * 2",
        "what's 17*24?",
    ],
)
def test_a_bare_expression_gets_the_arithmetic_exemplars(question: str) -> None:
    chosen = route(question)
    assert chosen.name == "arithmetic"
    assert chosen.problem.task == "freeform" and chosen.problem.payload["expression"]
    expressions = [e.question for e in chosen.task.pal_exemplars()]
    assert expressions == [f"What is {e}?" for e in PAL_EXPRESSIONS]


def test_a_word_problem_gets_the_generic_exemplars() -> None:
    chosen = route("Sara has 5 boxes with 12 pencils each. How many pencils?")
    assert chosen.name == "generic"
    assert [e.question for e in chosen.task.pal_exemplars()] == [q for q, _, _ in WORKED]


def test_the_hanoi_task_prompt_routes_to_hanoi_with_what_the_router_read() -> None:
    chosen = route(problem_prompt(5, "B", "A", "C"))
    assert chosen.name == "hanoi"
    assert chosen.problem.payload == {"disks": 5, "source": "B", "spare": "A", "target": "C"}
    assert chosen.problem.program_inputs == {"N": 5, "SOURCE": "B", "SPARE": "A", "TARGET": "C"}
    assert all(e.inputs for e in chosen.task.pal_exemplars())
    moves = [(1, "B", "C")]
    assert chosen.task.check(chosen.problem, moves).failed


def test_a_plain_hanoi_question_routes_and_an_unreadable_one_stays_generic() -> None:
    chosen = route("Solve the Tower of Hanoi with 3 disks, moving the tower from peg A to peg C.")
    assert chosen.name == "hanoi"
    assert chosen.problem.payload["spare"] == "B"
    assert route("Who invented the Tower of Hanoi?").name == "generic"


def test_a_question_with_a_fen_routes_to_chess() -> None:
    question = "Chess position (FEN): 6k1/5ppp/8/8/8/8/5PPP/3R2K1 w - - 0 1\nFind the mate in 1."
    chosen = route(question)
    assert chosen.name == "chess"
    assert chosen.problem.payload["mate_in"] == 1
    assert chosen.problem.program_inputs == {"FEN": "6k1/5ppp/8/8/8/8/5PPP/3R2K1 w - - 0 1"}
    assert chosen.task.check(chosen.problem, ("Rd8#",)).passed
    assert chosen.task.check(chosen.problem, ("Rd7",)).failed


def test_solve_records_the_route_first_in_the_trace_and_prompts_with_its_exemplars() -> None:
    model = ScriptedModel(["print(-32704)"])
    answer = solve("What is 4821 - (2213 * 17) + 96?", "pal", model, run_program=fake_runner)
    assert answer.value == "-32704"
    first = answer.trace[0]
    assert (first.kind, first.data["exemplars"]) == ("route", "arithmetic")
    assert "bare expression" in first.content
    prompt = model.requests[0].messages[0].content
    assert PAL_EXPRESSIONS[0] in prompt


def test_solve_with_a_task_given_does_not_route() -> None:
    model = ScriptedModel(["print(5)"])
    answer = solve("What is 2 + 3?", "pal", model, task="freeform", run_program=fake_runner)
    assert all(event.kind != "route" for event in answer.trace)
    assert "What is 17 * 24 + 9?" in model.requests[0].messages[0].content
