"""The task suites on the real embedded model (marked `model`): PAL solves what `direct` cannot.

Small samples keep the default run short; `runs/` and the README hold the full measurements.
Thresholds sit below what was measured so that a regression, not noise, fails them.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from reasoner import Answer, Task, asolve, load_task
from reasoner.types import Example

pytestmark = pytest.mark.model

BIGBENCH = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "checkmate_in_one"


def answer_all(model, task: Task, pipeline: str) -> list[tuple[Example, Answer]]:
    examples = list(task.examples())

    async def together() -> list[Answer]:
        return await asyncio.gather(
            *(asolve(e.problem, pipeline, model, task=task) for e in examples)
        )

    return list(zip(examples, asyncio.run(together()), strict=True))


def solved(task: Task, pairs: list[tuple[Example, Answer]]) -> int:
    return sum(a.value is not None and task.score(e, task.parse(a.value)) for e, a in pairs)


def test_hanoi_pal_solves_large_towers_that_direct_cannot(smollm2):
    task = load_task("hanoi:disks=3+6+9+12,per_size=1")
    pal = answer_all(smollm2, task, "pal")
    assert solved(task, pal) == 4, [a.attempts[0].program for _, a in pal]
    # Every PAL solution is the optimal 2^N - 1 moves, checked by simulation.
    for example, answer in pal:
        assert task.details(example.problem, task.parse(answer.value))["optimal"]
    direct = answer_all(smollm2, task, "direct")
    assert solved(task, direct) <= 1


def test_chess_pal_finds_mates_in_generated_positions(smollm2):
    task = load_task("chess:n=6,seed=3")
    assert solved(task, answer_all(smollm2, task, "pal")) >= 5


def test_chess_bigbench_pal_mates_while_direct_is_mostly_illegal(smollm2):
    if not (BIGBENCH / "task.json").is_file():
        pytest.skip("../shared/data is not present")
    task = load_task(f"chess:path={BIGBENCH / 'task.json'},n=8")
    assert solved(task, answer_all(smollm2, task, "pal")) >= 7
    direct = answer_all(smollm2, task, "direct")
    assert solved(task, direct) <= 2
    illegal = sum(
        a.value is None or not task.details(e.problem, task.parse(a.value))["legal"]
        for e, a in direct
    )
    assert illegal >= 4, "direct chess answers were measured 70-85% illegal"


def test_arithmetic_pal_beats_direct(smollm2):
    task = load_task("arithmetic:digits=3,n=8,seed=5")
    assert solved(task, answer_all(smollm2, task, "pal")) >= 7
    assert solved(task, answer_all(smollm2, task, "direct")) <= 2


def test_agent_settles_hanoi_and_mates_on_the_first_verified_program(smollm2):
    # The agent on suites a checker can verify: `pal`'s answer (36/36 Hanoi towers and
    # 300/300 BIG-bench mates when measured) passes the simulator or the mate check, so the
    # filtered vote is settled at once and nothing else is sampled.
    specs = ["hanoi:disks=3+6,per_size=1"]
    if (BIGBENCH / "task.json").is_file():
        specs.append(f"chess:path={BIGBENCH / 'task.json'},n=2")
    for spec in specs:
        task = load_task(spec)
        pairs = answer_all(smollm2, task, "agent")
        assert solved(task, pairs) == len(pairs), (spec, [a.value for _, a in pairs])
        assert all(a.cost.completions == 1 for _, a in pairs), [a.cost for _, a in pairs]
