"""Branches, switches, adaptive and filtered voting, and the named `agent` composition:
wiring with a scripted model and a fake sandbox runner."""

from __future__ import annotations

import pytest
from toy import ToyTask, fake_runner

from reasoner import Attempt, BadPipelineSpec, Generator, Pipeline, Verdict, solve, stage
from reasoner.answers import format_number, parse_number, same_number
from reasoner.models.scripted import ScriptedModel

TASK = ToyTask()
PROBLEM = next(TASK.examples()).problem  # What is 2 + 3?


def run(pipeline, reply):
    model = ScriptedModel(reply)
    return solve(PROBLEM, pipeline, model, task=TASK, run_program=fake_runner), model


def by_method(pal: list[str], cot: list[str]):
    """Replies by which method asks: PAL prompts show the worked program."""
    queues = {"pal": list(pal), "cot": list(cot)}

    def reply(request) -> str:
        is_pal = "print(1 + 1)" in "\n".join(m.content for m in request.messages)
        queue = queues["pal" if is_pal else "cot"]
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return reply


@pytest.mark.parametrize(
    "spec",
    [
        "(pal | cot) >> vote",
        "(pal >> check >> retry(max=1) | cot) >> vote(n=3)",
        "pal >> check >> switch(cot >> check, when=unverified, below=0.5) >> abstain(t=0.75)",
        "direct >> (pal | cot | direct) >> vote(n=4, adaptive=True, stop=0.9, filter=True)",
        "pal >> switch(cot(calculator=True), below=1.0) >> vote(n=3)",
    ],
)
def test_branch_and_switch_specs_round_trip_through_str(spec):
    assert str(Pipeline.parse(spec)) == spec
    assert str(Pipeline.parse(str(Pipeline.parse(spec)))) == spec


def test_string_list_and_operator_forms_build_the_same_branch():
    text = Pipeline.parse("(pal | cot >> check) >> vote(n=3)")
    listed = Pipeline.parse([{"branches": ["pal", "cot >> check"]}, {"vote": {"n": 3}}])
    composed = (Pipeline("pal") | Pipeline("cot") >> "check") >> stage("vote", n=3)
    assert text == listed == composed
    assert str(Pipeline("pal") | "cot" | "direct") == "(pal | cot | direct)"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("pal | cot", "put alternatives in parentheses"),
        ("(pal | ) >> vote", "empty alternative"),
        ("(pal) | cot", "put alternatives in parentheses"),
        ("(pal | cot", "bad stage"),
        ("((pal | cot) | direct)", "a branch inside a branch"),
        ("(pal | check) >> vote", "must start with a generator"),
        ("pal >> switch(check)", "must switch to a generator"),
        ("switch(cot)", "needs a generator before it"),
        ("pal >> switch(cot, when=sometimes)", "when must be one of failed, unverified"),
        ("pal >> switch(nope)", "unknown stage 'nope'"),
        ("pal >> vote(stop=0.2, adaptive=True)", "stop must be between 0.5 and 1"),
    ],
)
def test_malformed_agent_specs_get_one_line_errors(spec, message):
    with pytest.raises(BadPipelineSpec, match=message) as caught:
        Pipeline.parse(spec)
    assert "\n" not in str(caught.value)


def test_branch_pools_every_method_into_the_vote_and_records_cross_agreement():
    answer, model = run("(pal | cot) >> vote(n=2)", by_method(["print(5)"], ["Answer: 5"]))
    assert answer.value == "5"
    assert sorted(a.strategy for a in answer.attempts) == ["cot", "pal"]
    assert len(model.requests) == 2  # n=2 counts the pooled candidates: no extra sample
    assert answer.signals["methods"] == 1.0 and answer.signals["agreement"] == 1.0
    assert answer.signals["cross_agreement"] == 1.0


def test_branch_attempts_keep_their_own_verdicts_after_pooling():
    answer, _ = run(
        "(pal >> check | cot >> check) >> vote(n=2, filter=True)",
        by_method(["print(4)"], ["Answer: 5"]),
    )
    by_strategy = {a.strategy: i for i, a in enumerate(answer.attempts)}
    verdicts = {v.attempt: v.status for v in answer.verdicts}
    assert answer.value == "5"  # pal's 4 failed its check, so it did not vote
    assert verdicts == {by_strategy["cot"]: "passed"}
    assert answer.signals["cross_agreement"] == 0.0


def test_switch_runs_its_target_only_when_the_candidate_fails():
    failed, model = run("pal >> check >> switch(cot)", by_method(["print(4)"], ["Answer: 5"]))
    assert [a.strategy for a in failed.attempts] == ["pal", "cot"] and failed.value == "5"
    assert any("switching to cot" in e.content for e in failed.trace)
    kept, model = run("pal >> check >> switch(cot)", by_method(["print(5)"], ["Answer: 5"]))
    assert [a.strategy for a in kept.attempts] == ["pal"] and len(model.requests) == 1


def test_switch_when_unverified_and_below_a_confidence():
    # direct has no checker verdict here: `unverified` switches, `failed` does not.
    answer, _ = run("direct >> switch(cot, when=unverified)", ["Answer: 5"])
    assert len(answer.attempts) == 2
    answer, _ = run("direct >> switch(cot)", ["Answer: 5"])
    assert len(answer.attempts) == 1
    split, _ = run("direct >> vote(n=2) >> switch(cot, below=0.9)", ["Answer: 5", "Answer: 6"])
    assert [a.strategy for a in split.attempts] == ["direct", "direct", "cot"]
    agreed, _ = run("direct >> vote(n=2) >> switch(cot, below=0.9)", ["Answer: 5"])
    assert [a.strategy for a in agreed.attempts] == ["direct", "direct"]


def test_after_a_switch_both_methods_vote():
    answer, model = run(
        "pal >> check >> switch(cot, when=unverified) >> vote(n=2)",
        by_method(["print(6)"], ["Answer: 5"]),
    )
    assert {a.strategy for a in answer.attempts} == {"pal", "cot"}
    assert len(model.requests) == 2


def test_adaptive_vote_stops_once_the_majority_is_settled():
    answer, model = run("direct >> vote(n=9, adaptive=True, stop=0.9)", ["Answer: 5"])
    # Beta(k+1, 1): P(p > 1/2) = 1 - 2^-(k+1) >= 0.9 from k = 3 unanimous samples.
    assert len(model.requests) == 3 and answer.value == "5"
    assert answer.signals["samples"] == 3.0
    assert answer.cost.completions == 3
    fixed, fixed_model = run("direct >> vote(n=9)", ["Answer: 5"])
    assert fixed.cost.completions == 9 and fixed.signals["samples"] == 9.0


def test_adaptive_vote_keeps_sampling_while_split_and_stops_at_its_budget():
    replies = ["Answer: 5", "Answer: 6"]
    answer, model = run("direct >> vote(n=6, adaptive=True, stop=0.95)", replies)
    assert answer.cost.completions == 6 and answer.signals["samples"] == 6.0


def test_adaptive_vote_is_a_self_edge_in_the_graph():
    graph = Pipeline.parse("direct >> vote(n=4, adaptive=True) >> abstain").graph().get_graph()
    edges = {(e.source, e.target, e.conditional) for e in graph.edges}
    assert ("1_vote", "1_vote", True) in edges and ("1_vote", "2_abstain", True) in edges


def test_branch_compiles_to_fork_lanes_and_a_join():
    graph = Pipeline.parse("(pal | cot >> check) >> vote").graph().get_graph()
    edges = {(e.source, e.target) for e in graph.edges}
    assert {("0_branch", "1_pal"), ("0_branch", "2_cot"), ("2_cot", "3_check")} <= edges
    assert {("0_end_a", "0_join"), ("0_end_b", "0_join"), ("0_join", "4_vote")} <= edges
    assert "0_join" in Pipeline.parse("(pal | cot) >> vote").graph().get_graph().draw_mermaid()


def test_filtered_vote_checks_each_sample_and_a_verified_answer_settles_it():
    answer, model = run(
        "direct >> vote(n=5, adaptive=True, filter=True)", ["Answer: 4", "Answer: 5"]
    )
    assert answer.value == "5"
    assert len(model.requests) == 2  # 4 failed its check; 5 passed and settled the vote
    assert all(v.attempt is not None for v in answer.verdicts)


class UncheckedToy(ToyTask):
    """Like a word problem: no checker can confirm an answer."""

    def check(self, problem, value):
        return Verdict(checker="none", status="unknown", evidence="nothing to check")


def run_unchecked(pipeline, reply):
    model = ScriptedModel(reply)
    answer = solve(PROBLEM, pipeline, model, task=UncheckedToy(), run_program=fake_runner)
    return answer, model


def test_filtered_vote_drops_chains_of_thought_whose_arithmetic_is_false():
    replies = ["2 + 3 = 6, so 6.\nAnswer: 6", "2 + 3 = 6\nAnswer: 6", "2 + 3 = 5\nAnswer: 5"]
    for spec, expected in [("cot >> vote(n=3)", "6"), ("cot >> vote(n=3, filter=True)", "5")]:
        queue = list(replies)
        answer, _ = run_unchecked(spec, lambda request, queue=queue: queue.pop(0))
        assert answer.value == expected, spec
    false_steps = [e.content for e in answer.trace if "arithmetic claims are false" in e.content]
    assert len(false_steps) == 2 and all("2 + 3 = 6" in text for text in false_steps)
    # Chains that miscalculated say nothing about the answer they missed: they do not count
    # against the winner (a failed program does: the next test).
    assert answer.confidence == pytest.approx(1.0)


def test_a_chain_whose_false_steps_the_calculator_redid_votes():
    replies = ["2 + 3 = 6, so 6.\nAnswer: 6", "2 + 3 = 6\nAnswer: 6", "2 + 3 = 5\nAnswer: 5"]
    queue = list(replies)
    answer, _ = run_unchecked(
        "cot(calculator=True) >> vote(n=3, filter=True)", lambda request: queue.pop(0)
    )
    assert answer.value == "5"
    assert [a.answer for a in answer.attempts] == ["5", "5", "5"]
    assert [a.draft_answer for a in answer.attempts] == ["6", "6", None]
    assert not any("arithmetic claims are false" in e.content for e in answer.trace)


@pytest.mark.parametrize(
    "spec", ["direct >> vote(n=3, filter=True)", "direct >> vote(n=3, adaptive=True, filter=True)"]
)
def test_a_filtered_vote_abstains_when_every_sample_failed_its_check(spec):
    answer, model = run(spec, ["Answer: 4", "Answer: 6"])  # the toy checker fails both
    assert answer.abstained and answer.value is None and answer.cost.completions == 3
    assert any("none of the 3 samples passed the checks" in e.content for e in answer.trace)
    unfiltered, _ = run("direct >> vote(n=3)", ["Answer: 4", "Answer: 6"])
    assert not unfiltered.abstained and unfiltered.value in {"4", "6"}


class NumericToy(UncheckedToy):
    """Answers read as exact numbers, compared as a numeric task compares them."""

    def parse(self, text):
        return parse_number(text)

    def format(self, value):
        return format_number(value, decimal=True)

    def same_answer(self, value, other):
        return same_number(value, other)


def test_float_renderings_of_one_number_are_one_vote():
    replies = ["Answer: 852828.6363636367", "Answer: 852829", "Answer: 852828.6363636358"]
    answer = solve(
        PROBLEM,
        "cot >> vote(n=3)",
        ScriptedModel(lambda request: replies.pop(0)),
        task=NumericToy(),
        run_program=fake_runner,
    )
    assert answer.value == "852828.6363636367" and answer.confidence == pytest.approx(2 / 3)


def test_vote_counts_n_samples_of_one_request_as_n_completions():
    answer, model = run("direct >> vote(n=5)", ["Answer: 5"])
    assert answer.cost.completions == 5
    assert answer.cost.model_calls < 5  # one request for the extra four


def test_a_contributed_generator_works_inside_a_branch():
    class Fixed(Generator):
        name = "fixed"

        async def propose(self, s, *, feedback=None, n=1, temperature=0.0):
            return [Attempt(strategy="fixed", text="5", answer="5") for _ in range(n)]

    pipe = (Pipeline.of(Fixed(), "fixed") | "direct") >> "vote(n=3)"
    answer, _ = run(pipe, ["Answer: 5"])
    assert answer.value == "5"
    assert {a.strategy for a in answer.attempts} == {"fixed", "direct"}


def test_a_failed_program_counts_against_the_winner_of_an_unverified_vote():
    replies = ["print(5)", "5 +", "print(5)"]
    answer, _ = run_unchecked("pal >> vote(n=3, filter=True)", lambda request: replies.pop(0))
    assert answer.value == "5" and answer.confidence == pytest.approx(2 / 3)


def test_a_vote_that_found_nothing_leaves_the_run_to_a_later_switch():
    spec = (
        "direct >> vote(n=2, adaptive=True, filter=True) >> switch(cot) >> vote(n=3, filter=True)"
    )
    replies = ["Answer: 4", "Answer: 6", "2 + 3 = 5\nAnswer: 5"]  # the toy checker fails 4, 6
    answer, _ = run(spec, lambda request: replies.pop(0))
    assert not answer.abstained and answer.value == "5"
    alone, _ = run("direct >> vote(n=2, adaptive=True, filter=True)", ["Answer: 4", "Answer: 6"])
    assert alone.abstained  # nothing after it could answer


def test_agent_names_its_full_spec_and_solves_a_checked_problem_with_one_completion():
    pipe = Pipeline.parse("agent")
    assert str(pipe) == "agent"
    assert pipe.expanded().startswith("pal >> check >> vote(n=2")
    assert "switch(cot" in pipe.expanded()
    assert Pipeline.parse("agent(abstain=0.75)").expanded().endswith("abstain(t=0.75)")
    answer, model = run("agent", by_method(["print(5)"], ["Answer: 5"]))
    assert answer.value == "5" and answer.cost.completions == 1 and answer.pipeline == "agent"


def test_agent_brings_in_a_second_method_when_no_program_passes_the_check():
    repaired, _ = run("agent", by_method(["print(4)", "print(5)"], ["Answer: 5"]))
    assert repaired.value == "5" and {a.strategy for a in repaired.attempts} == {"pal"}
    answer, _ = run("agent", by_method(["print(4)", "print(6)"], ["Answer: 5"]))
    assert answer.value == "5" and not answer.abstained
    assert [a.strategy for a in answer.attempts][:3] == ["pal", "pal", "cot"]


def test_agent_stops_at_two_programs_that_agree_and_asks_cot_when_they_do_not():
    agreed, _ = run_unchecked("agent", by_method(["print(5)"], ["Answer: 4"]))
    assert agreed.value == "5" and agreed.cost.completions == 2
    assert {a.strategy for a in agreed.attempts} == {"pal"}
    split, _ = run_unchecked("agent", by_method(["print(4)", "print(5)"], ["2 + 3 = 5\nAnswer: 5"]))
    assert split.value == "5" and [a.strategy for a in split.attempts] == ["pal", "pal", "cot"]
    # The agent's chains have their false calculations redone before they vote.
    redone, _ = run_unchecked(
        "agent", by_method(["print(4)", "print(5)"], ["2 + 3 = 6\nAnswer: 6"])
    )
    assert redone.value == "5" and redone.attempts[2].draft_answer == "6"


def test_agents_abstaining_form_asks_cot_even_when_programs_would_agree():
    answer, _ = run_unchecked("agent(abstain=0.75)", by_method(["print(5)"], ["Answer: 5"]))
    assert answer.value == "5" and [a.strategy for a in answer.attempts] == ["pal", "cot"]
    assert answer.confidence == pytest.approx(1.0)
    split, _ = run_unchecked("agent(abstain=0.75)", by_method(["print(4)"], ["Answer: 5"]))
    assert split.abstained


def test_select_shows_both_solutions_and_keeps_the_chosen_one():
    def reply(request) -> str:
        text = request.messages[-1].content
        if "Which solution is correct" in text:
            return "B"
        return by_method(["print(4)"], ["Answer: 5"])(request)

    answer, model = run("pal >> switch(cot, when=unverified) >> select", reply)
    asked = model.requests[-1]
    assert "print(4)" in asked.messages[-1].content and "Answer: 5" in asked.messages[-1].content
    assert asked.constraint is not None and asked.constraint.choices == ["A", "B"]
    assert answer.value == "5" and answer.cost.completions == 3


def test_select_makes_no_call_when_the_pool_agrees():
    answer, model = run("(pal | cot) >> select", by_method(["print(5)"], ["Answer: 5"]))
    assert answer.value == "5" and len(model.requests) == 2


class ConfidentModel(ScriptedModel):
    """Scripted replies whose mean token log-probability is set per reply text."""

    def __init__(self, replies, mean_logprob: dict[str, float]):
        super().__init__(replies)
        self.mean_logprob = mean_logprob

    async def generate(self, requests):
        generations = await super().generate(requests)
        for generation in generations:
            for c in generation.completions:
                c.logprob = self.mean_logprob.get(c.text, -0.1) * c.tokens_out
        return generations


def run_confident(pipeline, replies, mean_logprob):
    model = ConfidentModel(replies, mean_logprob)
    answer = solve(PROBLEM, pipeline, model, task=UncheckedToy(), run_program=fake_runner)
    return answer, model


def test_a_weighted_vote_follows_the_sample_the_model_was_surer_of():
    sure, unsure = "Answer: 4", "Answer: 5"
    replies = [unsure, sure]
    plain, _ = run_confident("direct >> vote(n=2)", list(replies), {sure: -0.02, unsure: -0.2})
    assert plain.value == "5"  # a tie: the first answer cast wins
    answer, _ = run_confident(
        "direct >> vote(n=2, weighted=True)", list(replies), {sure: -0.02, unsure: -0.2}
    )
    assert answer.value == "4" and answer.confidence > 0.99
    close, _ = run_confident(
        "direct >> vote(n=2, weighted=True)", list(replies), {sure: -0.1, unsure: -0.11}
    )
    assert close.value == "4" and 0.5 < close.confidence < 0.6  # the surer one, barely
    assert any("weighted by confidence" in e.content for e in answer.trace)


def test_a_weighted_vote_counts_plainly_without_log_probabilities():
    class NoLogprobs(ScriptedModel):
        async def generate(self, requests):
            generations = await super().generate(requests)
            for generation in generations:
                for c in generation.completions:
                    c.logprob = None
            return generations

    answer = solve(
        PROBLEM,
        "direct >> vote(n=3, weighted=True)",
        NoLogprobs(["Answer: 4", "Answer: 5", "Answer: 5"]),
        task=UncheckedToy(),
        run_program=fake_runner,
    )
    assert answer.value == "5" and answer.confidence == pytest.approx(2 / 3)


def test_an_adaptive_weighted_vote_stops_at_two_samples_when_one_is_far_surer():
    replies = ["Answer: 4", "Answer: 5", "Answer: 5", "Answer: 5", "Answer: 5"]
    spec = "direct >> vote(n=5, adaptive=True, stop=0.7, weighted=True)"
    answer, model = run_confident(spec, list(replies), {"Answer: 4": -0.01, "Answer: 5": -0.3})
    assert answer.value == "4" and answer.cost.completions == 2
    plain, _ = run_confident(spec.replace(", weighted=True", ""), list(replies), {})
    assert plain.value == "5" and plain.cost.completions == 4  # 4, 5, 5, 5: settled at 3 to 1


@pytest.mark.parametrize("stop", [0.5, 0.6, 0.75])
def test_an_adaptive_vote_never_settles_on_one_sample(stop):
    answer, _ = run_unchecked(f"direct >> vote(n=5, adaptive=True, stop={stop})", ["Answer: 5"])
    assert answer.cost.completions == 2 and answer.value == "5"


def test_a_reason_below_a_threshold_never_shows_the_threshold_itself():
    from reasoner.session import below

    assert below(0.795, 0.8) == "confidence 0.7950 is below 0.8"
    assert below(0.4, 0.75, "t=") == "confidence 0.40 is below t=0.75"
    assert below(None, 0.5) == "confidence unknown is below 0.5"
    assert below(0.8, 0.8) is None
