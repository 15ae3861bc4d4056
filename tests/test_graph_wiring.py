"""Wiring of the compiled LangGraph pipelines, with a scripted model and a fake runner."""

from __future__ import annotations

import dataclasses

import pytest
from toy import ToyTask, fake_runner

from reasoner import Pipeline, Problem, solve
from reasoner.errors import ReasonerError
from reasoner.models.scripted import ScriptedModel
from reasoner.session import RunContext

TASK = ToyTask()
EXAMPLES = list(TASK.examples())


def run(pipeline: str, replies, example: int = 0):
    model = ScriptedModel(replies)
    answer = solve(EXAMPLES[example].problem, pipeline, model, task=TASK, run_program=fake_runner)
    return answer, model


def test_retry_feeds_checker_evidence_back():
    answer, model = run("direct >> check >> retry(max=2)", ["Answer: 4", "Answer: 5"])
    assert answer.value == "5"
    assert [a.answer for a in answer.attempts] == ["4", "5"]
    repair_prompt = model.requests[1].messages[-1].content
    assert "4 is not 2 + 3" in repair_prompt
    assert answer.verdicts[-1].status == "passed"


def test_retry_samples_its_repairs_at_its_temperature():
    _, greedy = run("direct >> check >> retry(max=1)", ["Answer: 4", "Answer: 5"])
    _, sampled = run("direct >> check >> retry(max=1, temperature=0.7)", ["Answer: 4", "Answer: 5"])
    assert [r.temperature for r in greedy.requests] == [0.0, 0.0]
    assert [r.temperature for r in sampled.requests] == [0.0, 0.7]


def test_retry_stops_at_its_budget():
    answer, model = run("direct >> check >> retry(max=2)", ["Answer: 9"])
    assert len(model.requests) == 3
    assert answer.value == "9"
    assert answer.confidence == 0.0


def test_repair_states_a_program_error_once():
    answer, model = run("pal >> check >> retry(max=1)", ["oops()", "print(5)"])
    assert answer.value == "5"
    repair_prompt = model.requests[1].messages[-1].content
    assert repair_prompt.count("SyntaxError") == 1, repair_prompt


def test_retry_without_verifier_repairs_program_errors():
    answer, _ = run("pal >> retry(max=1)", ["oops()", "print(5)"])
    assert answer.attempts[0].error and "SyntaxError" in answer.attempts[0].error
    assert answer.value == "5"


def test_pal_runs_the_program_with_the_sandbox_runner():
    answer, model = run("pal >> check", ["print(5)"])
    assert answer.value == "5"
    assert answer.cost.sandbox_runs == 1
    assert answer.attempts[0].program == "print(5)"
    kinds = [e.kind for e in answer.trace]
    assert kinds[:4] == ["prompt", "completion", "program", "execution"]
    assert "Question: What is 1 + 1?" in model.requests[0].messages[0].content


def test_vote_takes_the_majority_and_reports_agreement():
    answer, _ = run(
        "direct >> vote(n=5)", ["Answer: 5", "Answer: 6", "Answer: 5", "Answer: 5", "Answer: 7"]
    )
    assert answer.value == "5"
    assert answer.confidence == pytest.approx(0.6)


def test_abstain_below_threshold_is_explicit():
    answer, _ = run("direct >> vote(n=5) >> abstain(t=0.7)", ["Answer: 5", "Answer: 6"])
    assert answer.abstained and answer.value is None
    assert any("abstain" in e.content for e in answer.trace)


def test_abstain_keeps_a_checked_answer():
    answer, _ = run("direct >> check >> abstain(t=0.9)", ["Answer: 5"])
    assert not answer.abstained and answer.value == "5" and answer.confidence == 1.0


def test_a_failing_stage_is_recorded_not_raised():
    def boom(_request):
        raise RuntimeError("server on fire")

    model = ScriptedModel(boom)
    answer = solve(
        EXAMPLES[0].problem, "direct >> check", model, task=TASK, run_program=fake_runner
    )
    assert answer.value is None
    assert "server on fire" in (answer.error or "")


def test_strategies_never_see_gold():
    # Structurally: what a stage can reach carries no gold.
    assert "gold" not in Problem.model_fields
    assert all("gold" not in f.name and f.type != "Example" for f in dataclasses.fields(RunContext))
    # Behaviourally: a distinctive gold value never reaches the model or the trace.
    secret = 987654321
    task = ToyTask([(2, 3)])
    example = next(task.examples())
    example = example.model_copy(update={"gold": secret})
    model = ScriptedModel(lambda r: "Answer: 5")
    for spec in [
        "direct >> check >> retry(max=1)",
        "pal >> check",
        "cot >> vote(n=3) >> abstain(t=0.5)",
    ]:
        answer = solve(example.problem, spec, model, task=task, run_program=fake_runner)
        assert str(secret) not in answer.model_dump_json()
    assert all(str(secret) not in r.model_dump_json() for r in model.requests)


def test_compiled_graph_is_a_langgraph_state_graph_with_a_loop_edge():
    pipe = Pipeline.parse("pal >> check >> retry(max=2) >> abstain(t=0.5)")
    graph = pipe.graph().get_graph()
    edges = {(e.source, e.target) for e in graph.edges}
    assert ("2_retry", "1_check") in edges
    assert ("1_check", "2_retry") in edges and ("1_check", "3_abstain") in edges


def test_cove_answers_each_planned_question_with_the_problem_but_not_the_draft():
    def reply(request) -> str:
        prompt = request.messages[-1].content
        if prompt.startswith("Question: ") and "Write 3 short questions" in prompt:
            return "1. What is 2 plus 3? ? 5\n2. Is the draft 4? ? no\nnot a question"
        if prompt.startswith("Problem: "):
            return "It is 5."
        if "Verification questions" in prompt:
            return "Answer: 5"
        return "Answer: 4"  # the draft

    answer, model = run("cove", reply)
    verify = [
        r.messages[-1].content
        for r in model.requests
        if "Question about it" in r.messages[-1].content
    ]
    assert len(verify) == 2
    assert all(p.startswith(f"Problem: {EXAMPLES[0].problem.prompt}\n") for p in verify)
    assert not any("Draft answer" in p or "Answer: 4" in p for p in verify)
    assert "Question about it: What is 2 plus 3?\n" in verify[0]
    revise = model.requests[-1].messages[-1].content
    assert "Q: What is 2 plus 3?\nA: It is 5." in revise and "Q: Is the draft 4?" in revise
    assert answer.value == "5"
    assert answer.attempts[0].draft_answer == "4"  # so reports can show what revision did


def test_cove_drafts_with_reasoning_unless_asked_for_a_bare_draft():
    def reply(request) -> str:
        return (
            "1. Is it 5?"
            if "Write 3 short questions" in request.messages[-1].content
            else "Answer: 5"
        )

    _, reasoned = run("cove", reply)
    _, bare = run('cove(draft="direct")', reply)
    reasoned_draft, bare_draft = reasoned.requests[0].messages, bare.requests[0].messages
    assert len(reasoned_draft) == 1 and "Let's think step by step." in reasoned_draft[0].content
    # direct's draft: the task's worked examples first, then the question, no reasoning asked
    assert len(bare_draft) == 1 + 2 * len(list(TASK.direct_exemplars()))
    assert bare_draft[-1].content == f"{EXAMPLES[0].problem.prompt}\n{TASK.answer_instruction}"


def test_cove_refuses_an_unknown_draft_kind():
    with pytest.raises(ReasonerError, match="draft must be one of cot, direct"):
        Pipeline.parse('cove(draft="essay")')


def test_cot_asks_for_a_brief_chain_in_the_tasks_step_form_unless_told_otherwise():
    class StepTask(type(TASK)):
        step_hint = "with its sum written out"

    def asked(pipeline: str, task) -> str:
        model = ScriptedModel(lambda _: "2 + 3 = 5\nAnswer: 5")
        answer = solve(EXAMPLES[0].problem, pipeline, model, task=task)
        assert answer.value == "5"
        (request,) = model.requests
        return request.messages[-1].content

    brief = asked("cot", StepTask())
    step = "Let's think step by step. Write one short line per step with its sum written out,"
    assert f"{step} and no code." in brief and brief.endswith(TASK.answer_instruction)
    # A task with no step form gets the brief request alone.
    assert "one short line per step, and no code." in asked("cot", TASK)
    # Kojima et al.'s trigger alone, as the strategy was before chains were asked to be brief.
    free = asked("cot(brief=False)", StepTask())
    assert (
        free == f"{EXAMPLES[0].problem.prompt}\nLet's think step by step. {TASK.answer_instruction}"
    )


def test_cot_with_a_calculator_redoes_the_false_step_and_answers_from_it():
    chain = "2 + 3 = 6\nSo the total is 6.\nAnswer: 6"
    plain, _ = run("cot", [chain])
    assert plain.value == "6"
    answer, model = run("cot(calculator=True)", [chain])
    assert len(model.requests) == 1 and answer.cost.completions == 1
    assert answer.value == "5"
    (attempt,) = answer.attempts
    assert attempt.text == "2 + 3 = 5\nSo the total is 5.\nAnswer: 5"
    assert attempt.draft_answer == "6"  # what the model concluded, for the revision report
    (event,) = [e for e in answer.trace if e.kind == "recompute"]
    assert event.data["fixes"] == "line 1: 6 -> 5"
    # A chain the calculator cannot correct safely is kept as written (2 is in the question).
    kept, _ = run("cot(calculator=True)", ["2 + 3 = 2\nAnswer: 2"])
    assert kept.value == "2" and kept.attempts[0].draft_answer is None
