"""Tower of Hanoi task: generation, the move-list parser, the simulator, the exemplars."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from task_helpers import from_spec, run_exemplar

from reasoner.errors import BadTaskSpec
from reasoner.plugins import tasks
from reasoner.types import Example
from reasoner_tasks.hanoi import HanoiTask, hanoi, make_problem
from reasoner_tasks.hanoi.parser import format_moves, parse_moves
from reasoner_tasks.hanoi.simulator import optimal_moves


def test_spec_reads_ranges_and_plus_lists() -> None:
    assert from_spec("hanoi:disks=1-4,per_size=1").sizes == [1, 2, 3, 4]
    assert from_spec("hanoi:disks=3+5+7").sizes == [3, 5, 7]
    assert from_spec("hanoi:disks=6").sizes == [6]
    assert hanoi(disks=[2, 4]).sizes == [2, 4]
    assert hanoi(disks=5).sizes == [5]


@pytest.mark.parametrize("disks", ["0", "1-30", "x", "5-3", ""])
def test_bad_disks_is_a_clear_spec_error(disks: str) -> None:
    with pytest.raises(BadTaskSpec, match="hanoi: bad disks"):
        from_spec(f"hanoi:disks={disks}")


def test_description_for_reasoner_list() -> None:
    assert tasks.describe("hanoi").startswith("Tower of Hanoi")


def test_same_seed_same_problems_and_pegs_vary_with_seed() -> None:
    first = [e.problem for e in hanoi(disks="1-6", seed=3).examples()]
    again = [e.problem for e in hanoi(disks="1-6", seed=3).examples()]
    other = [e.problem for e in hanoi(disks="1-6", seed=4).examples()]
    assert first == again
    assert [p.payload for p in first] != [p.payload for p in other]
    assert len({p.id for p in first}) == len(first) == 18


def test_first_problem_of_each_size_moves_a_to_c() -> None:
    for example in hanoi(disks="1-5", per_size=3).examples():
        payload = example.problem.payload
        if example.problem.id.endswith("-0"):
            assert (payload["source"], payload["spare"], payload["target"]) == ("A", "B", "C")
        assert example.problem.difficulty == {"disks": payload["disks"]}


def test_vary_pegs_false_repeats_a_to_c() -> None:
    problems = [e.problem for e in hanoi(disks="4", per_size=3, vary_pegs=False).examples()]
    assert {(p.payload["source"], p.payload["target"]) for p in problems} == {("A", "C")}


def test_problem_states_the_rules_and_answer_format_and_carries_no_gold() -> None:
    problem = next(iter(hanoi(disks="3").examples())).problem
    assert "move a tower of 3 disks from peg A to peg C, using peg B" in problem.prompt
    assert "peg C" in problem.prompt
    assert '"Move disk D from X to Y"' in problem.prompt
    assert problem.program_inputs == {"N": 3, "SOURCE": "A", "SPARE": "B", "TARGET": "C"}
    assert set(problem.payload) == {"disks", "source", "spare", "target"}


def test_gold_through_format_and_parse_scores_every_problem() -> None:
    task = hanoi(disks="1-10")
    examples = list(task.examples())
    assert len(examples) == 30
    for example in examples:
        value = task.parse(task.format(example.gold))
        assert value == example.gold
        assert task.score(example, value)
        assert task.check(example.problem, value).passed
        details = task.details(example.problem, value)
        assert details["optimal"] and details["moves"] == 2 ** example.problem.payload["disks"] - 1


def three_disk_example() -> Example:
    problem = make_problem(3, "A", "B", "C")
    return Example(problem=problem, gold=optimal_moves(3, "A", "B", "C"))


def test_an_illegal_move_scores_wrong_and_check_names_it() -> None:
    task, example = HanoiTask([3], 1, 0, False), three_disk_example()
    moves = task.parse("Move disk 1 from A to C\nMove disk 2 from A to B\nMove disk 3 from A to C")
    assert not task.score(example, moves)
    verdict = task.check(example.problem, moves)
    assert verdict.failed
    assert verdict.evidence == "move 3 (A->C) puts disk 3 on disk 1"
    assert task.details(example.problem, moves)["legal"] is False


@pytest.mark.parametrize(
    ("answer", "evidence"),
    [
        ("A->C\nB->C", "move 2 (B->C) takes a disk from peg B, which is empty"),
        ("Move disk 2 from A to C", "move 1 (A->C) names disk 2, but the top disk on A is 1"),
        ("A->D", "move 1 (A->D) uses peg D, but the pegs are A, B, C"),
        ("A->A", "move 1 (A->A) moves a disk onto the peg it came from"),
        ("A->C\nA->B", "after 2 moves the tower is not on C"),
    ],
)
def test_check_evidence_for_each_broken_rule(answer: str, evidence: str) -> None:
    task, example = HanoiTask([3], 1, 0, False), three_disk_example()
    verdict = task.check(example.problem, task.parse(answer))
    assert verdict.failed and verdict.evidence.startswith(evidence)
    assert not task.score(example, task.parse(answer))


def test_a_legal_but_longer_solution_scores_right_and_is_not_optimal() -> None:
    task, example = HanoiTask([3], 1, 0, False), three_disk_example()
    detour = [(1, "A", "B"), (1, "B", "A")] + example.gold
    assert task.score(example, detour)
    assert task.check(example.problem, detour).passed
    assert task.details(example.problem, detour) == {
        "moves": 9,
        "legal": True,
        "solved": True,
        "optimal": False,
        "error": None,
        "partial_credit": 7 / 9,
    }


def test_partial_credit_follows_reasoning_gym() -> None:
    task, example = HanoiTask([3], 1, 0, False), three_disk_example()
    credit = [
        task.details(example.problem, moves)["partial_credit"]
        for moves in (
            example.gold,  # optimal: 1.0
            example.gold[:3],  # legal, unfinished: 0.05
            [(2, "A", "C")],  # disk 2 is under disk 1: illegal, 0.0
            None,
        )
    ]
    assert credit == [1.0, 0.05, 0.0, 0.0]


def test_inputs_none_hands_programs_nothing_and_its_exemplars_read_the_question() -> None:
    task = from_spec("hanoi:disks=3,per_size=2,inputs=none")
    assert all(p.program_inputs == {} for p in task.problems())
    assert all(p.program_inputs for p in from_spec("hanoi:disks=3").problems())
    for exemplar in task.pal_exemplars():
        assert exemplar.inputs == {}
        setup = re.search(r"tower of (\d+) disks? from peg (\w) to peg (\w),", exemplar.question)
        assert setup is not None
        disks, source, target = setup.groups()
        output = run_exemplar(exemplar.program, {})
        example = Example(
            problem=make_problem(int(disks), source, _spare(source, target), target), gold=[]
        )
        assert task.score(example, task.parse(output)), exemplar.program


def _spare(source: str, target: str) -> str:
    group = next(g for g in ("PQR", "KLM", "XYZ", "DEF") if source in g)
    return (set(group) - {source, target}).pop()


def test_bad_inputs_mode_is_a_clear_spec_error() -> None:
    with pytest.raises(BadTaskSpec, match="inputs=all or inputs=none"):
        from_spec("hanoi:inputs=some")


def test_no_answer_is_failed_not_passed() -> None:
    task, example = HanoiTask([3], 1, 0, False), three_disk_example()
    assert task.parse("I am not sure how to do this.") is None
    assert task.check(example.problem, None).failed
    assert not task.score(example, None)


ONE_TWO = [(1, "A", "B"), (2, "A", "C")]


@pytest.mark.parametrize(
    ("text", "moves"),
    [
        ("Move disk 1 from A to B\nMove disk 2 from A to C", ONE_TWO),
        ("1. Move disk 1 from peg A to peg B.\n2. Move disk 2 from peg A to peg C.", ONE_TWO),
        ("(1, 'A', 'B')\n(2, 'A', 'C')", ONE_TWO),
        ('[[1, "A", "B"], [2, "A", "C"]]', ONE_TWO),
        ("[(1, 'A', 'B'), (2, 'A', 'C')]", ONE_TWO),
        ("[('A', 'B'), ('A', 'C')]", [(None, "A", "B"), (None, "A", "C")]),
        ("A->B\nA -> C", [(None, "A", "B"), (None, "A", "C")]),
        ("A --> B, A \u2192 C", [(None, "A", "B"), (None, "A", "C")]),
        ("disk 1: A -> B\ndisk 2: A -> C", ONE_TWO),
        ("AB\nAC", [(None, "A", "B"), (None, "A", "C")]),
        ("Move the smallest disk from A to B.", [(None, "A", "B")]),
        ("First move disk 1 from A to B, then move disk 2 from A to C.", ONE_TWO),
        ("Move disk 1 from A to B (A->B)\nMove disk 2 from A to C (A->C)", ONE_TWO),
    ],
)
def test_parser_reads_the_formats_models_write(text: str, moves: list[Any]) -> None:
    assert parse_moves(text) == moves


@pytest.mark.parametrize(
    "text",
    [
        "",
        "I think we should start with the smallest disk.",
        "Move 3 disks from peg A to peg C",
        "OK",
        "move disk 1 from a to c",
        "The answer is 7 moves.",
    ],
)
def test_parser_never_invents_a_move(text: str) -> None:
    assert parse_moves(text) is None


pegs = st.sampled_from("ABCPQRXYZ")
moves = st.lists(
    st.tuples(st.none() | st.integers(min_value=1, max_value=30), pegs, pegs), min_size=1
)


@given(moves)
def test_format_round_trips_through_parse(value: list[Any]) -> None:
    assert parse_moves(format_moves(value)) == value


TOKENS = list("ABCDab ->()[],'\"\n0123456789\u2192") + ["Move disk ", " from ", " to ", "disk"]
texts = st.lists(st.sampled_from(TOKENS) | st.text(max_size=3), max_size=80).map("".join)


@settings(max_examples=300)
@given(texts | st.text())
def test_no_text_crashes_the_move_parser(text: str) -> None:
    result = parse_moves(text)
    assert result is None or (isinstance(result, list) and len(result) > 0)
    if result:
        HanoiTask([3], 1, 0, False).check(three_disk_example().problem, result)


def test_twenty_disks_parse_and_check_quickly() -> None:
    task = HanoiTask([20], 1, 0, False)
    example = next(iter(task.examples()))
    text = task.format(example.gold)
    start = time.perf_counter()
    value = task.parse(text)
    verdict = task.check(example.problem, value)
    elapsed = time.perf_counter() - start
    assert verdict.passed and len(value) == 2**20 - 1
    assert elapsed < 10, f"parse + check of 20 disks took {elapsed:.1f}s"


def test_pal_exemplars_solve_their_own_questions_and_any_other() -> None:
    exemplars = hanoi().pal_exemplars()
    assert len(exemplars) == 4
    task = HanoiTask([3], 1, 0, False)
    for exemplar in exemplars:
        inputs = exemplar.inputs
        pegs = (inputs["SOURCE"], inputs["SPARE"], inputs["TARGET"])
        assert not {"A", "B", "C"} & set(pegs), "exemplar pegs must differ from the problems'"
        gold = optimal_moves(inputs["N"], *pegs)
        own = Example(problem=make_problem(inputs["N"], *pegs), gold=gold)
        assert own.problem.prompt == exemplar.question
        assert task.score(own, task.parse(run_exemplar(exemplar.program, inputs)))
    # The program, given another problem's inputs, solves that problem optimally.
    for example in hanoi(disks="1+6", per_size=2).examples():
        output = run_exemplar(exemplars[0].program, example.problem.program_inputs)
        assert task.details(example.problem, task.parse(output))["optimal"]


def test_direct_exemplars_are_correct_answers_to_their_questions() -> None:
    task = hanoi()
    problems = [make_problem(1, "K", "L", "M"), make_problem(2, "P", "Q", "R")]
    for problem, (question, answer) in zip(problems, task.direct_exemplars(), strict=True):
        assert question == problem.prompt
        assert task.details(problem, task.parse(answer))["optimal"]
