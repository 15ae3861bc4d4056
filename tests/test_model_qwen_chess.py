"""Chess PAL on the opt-in Qwen2.5-Coder-1.5B: the search exemplars, copied, solve tactics.

Tier `qwen`: skips unless the engine and the model are installed. The positions are made for
this test, none from a benchmark file: two tactics written as Lichess rows (a knight fork of
king and rook, one of king and queen; Stockfish's best move by 3 pawns or more) and three
generated mates in one. With the position handed over and with nothing handed over (the
program writes the FEN out), every answer must be a legal move and nearly all right, and the
programs must be the exemplars' search, copied (what `benchmarks/exemplar_copies.py` counts).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from reasoner import Answer, Task, asolve, load_task
from reasoner.models.engine_install import find_server
from reasoner.models.model_install import is_installed
from reasoner.types import Example

pytestmark = [
    pytest.mark.qwen,
    pytest.mark.skipif(
        find_server() is None or not is_installed("qwen2.5-coder-1.5b"),
        reason="needs reasoner engine install and reasoner models install qwen2.5-coder-1.5b",
    ),
]

HEADER = "PuzzleId,FEN,Moves,Rating,RatingDeviation,Popularity,NbPlays,Themes,GameUrl,OpeningTags"
TACTICS = [
    "T1,r2k4/8/8/3N4/8/8/6PP/4K3 b - - 0 1,d8e8 d5c7 e8d7 c7a8,1200,80,90,100,fork short,,",
    "T2,6k1/5ppp/2q5/3N4/8/8/5PPP/6K1 b - - 0 1,c6c8 d5e7 g8f8 e7c8,1300,80,90,100,fork short,,",
]


@pytest.fixture(scope="module")
def qwen():
    from reasoner import load_model

    model = load_model("qwen2.5-coder-1.5b:parallel=2")
    yield model
    model.server.stop()


def _answers(model, task: Task, pipeline: str) -> list[tuple[Example, Answer]]:
    examples = list(task.examples())

    async def together() -> list[Answer]:
        return await asyncio.gather(
            *(asolve(e.problem, pipeline, model, task=task) for e in examples)
        )

    return list(zip(examples, asyncio.run(together()), strict=True))


def _copy_share(pairs: list[tuple[Example, Answer]], task: Task) -> float:
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "exemplar_copies.py"
    spec = importlib.util.spec_from_file_location("exemplar_copies", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    exemplars = [e.program for e in task.pal_exemplars()]
    programs = [a.attempts[0].program or "" for _, a in pairs]
    copies = [module.best_similarity(p, exemplars) >= module.COPY_AT for p in programs]
    return sum(copies) / len(copies)


def test_qwen_pal_copies_the_search_and_plays_legal_winning_moves(qwen, tmp_path: Path) -> None:
    data = tmp_path / "tactics.csv"
    data.write_text("\n".join([HEADER, *TACTICS]) + "\n", encoding="utf-8")
    for inputs in ("all", "none"):
        tasks = [
            load_task(f"chess:path={data},scoring=first_move,inputs={inputs},exemplars=search"),
            load_task(f"chess:n=3,seed=11,inputs={inputs},exemplars=search"),
        ]
        right = total = 0
        for task in tasks:
            pairs = _answers(qwen, task, "pal(max_tokens=600)")
            for example, answer in pairs:
                value = task.parse(answer.value) if answer.value else None
                programs = [a.program for a in answer.attempts]
                assert value is not None, (inputs, example.problem.id, programs, answer.error)
                assert task.details(example.problem, value)["legal"], (inputs, answer.value)
                right += task.score(example, value)
                total += 1
            assert _copy_share(pairs, task) >= 0.6, [a.attempts[0].program for _, a in pairs]
        assert right >= total - 1, (inputs, right, total)
