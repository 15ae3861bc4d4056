"""benchmarks/exemplar_copies.py: how often a run's PAL programs copy an exemplar's."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reasoner.types import Attempt, Result
from reasoner_tasks.chess import chess

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "exemplar_copies.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("exemplar_copies", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


copies = _script()
SEARCH = chess(n=0, exemplars="search", inputs="none").pal_exemplars()


def test_a_program_that_differs_only_in_its_copied_position_and_comments_is_a_copy() -> None:
    exemplar = SEARCH[0].program
    own = exemplar.replace(
        "6k1/5ppp/8/8/8/8/5PPP/3R2K1 w - - 0 1", "r3k3/8/8/3N4/8/8/6PP/4K3 w - - 1 2"
    ).replace("def search(", "# my own search\n\ndef search(")
    assert own != exemplar
    assert copies.similarity(own, exemplar) == 1.0
    assert copies.best_similarity(own, [e.program for e in SEARCH]) >= copies.COPY_AT


def test_a_program_of_its_own_is_not_a_copy() -> None:
    own = (
        "import chess\n\nboard = chess.Board(FEN)\n"
        "best = max(board.legal_moves, key=lambda m: board.is_capture(m))\n"
        "print(board.san(best))\n"
    )
    assert copies.best_similarity(own, [e.program for e in SEARCH]) < 0.5
    # One changed constant in a long program is still a copy; half the program is not.
    exemplar = SEARCH[0].program
    assert copies.similarity(exemplar.replace("3, -10000", "2, -10000"), exemplar) >= 0.9
    assert copies.similarity(exemplar[: len(exemplar) // 2], exemplar) < 0.9
    assert copies.best_similarity(own, []) == 0.0


@given(st.text(max_size=300))
def test_any_text_is_compared_without_crashing(text: str) -> None:
    assert 0.0 <= copies.similarity(text, SEARCH[0].program) <= 1.0


def test_a_run_folder_is_counted_per_task_and_pipeline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = "chess:n=2,seed=1,inputs=none,exemplars=search"
    programs = [SEARCH[1].program, "print('Qh5')"]
    lines = []
    for number, program in enumerate(programs):
        attempt = Attempt(strategy="pal", text=program, program=program)
        result = Result(
            task=spec,
            problem_id=f"p{number}",
            pipeline="pal",
            answer=None,
            abstained=False,
            correct=False,
            attempts=[attempt],
        )
        lines.append(result.model_dump_json())
    (tmp_path / "results.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert copies.main([str(tmp_path)]) == 0
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["groups"][0]
    assert (record["task"], record["pipeline"], record["programs"]) == (spec, "pal", 2)
    assert (record["copies"], record["copy_share"]) == (1, 0.5)
    assert copies.main([str(tmp_path / "missing")]) == 2
