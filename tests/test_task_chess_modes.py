"""Chess task modes: inputs=none, Kagi's first-move scoring, non-mate selection, and the
opt-in engine check for non-mate moves (skipped without Stockfish)."""

from __future__ import annotations

from pathlib import Path

import chess as pychess
import pytest
from task_helpers import from_spec, run_exemplar

from reasoner.errors import BadTaskSpec
from reasoner.types import Example, Problem
from reasoner_tasks.chess import chess
from reasoner_tasks.chess.engine import ENGINE_ENV, engine_path, judge_move
from reasoner_tasks.chess.files import load_puzzles

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
LICHESS = SHARED / "lichess" / "puzzles.csv"
BIGBENCH = SHARED / "checkmate_in_one" / "task.json"
HEADER = "PuzzleId,FEN,Moves,Rating,RatingDeviation,Popularity,NbPlays,Themes,GameUrl,OpeningTags"
# Hand-made: Nc7+ forks the king on e8 and the rook on a8 (White's pawns make it a win).
FORK_FEN = "r3k3/8/8/3N4/8/8/6PP/4K3 w - - 0 1"


def _write_pgn_style_task(tmp_path: Path) -> str:
    """A one-item BIG-bench file (Fool's mate), so PGN-style exemplars are used."""
    path = tmp_path / "task.json"
    path.write_text(
        '{"examples": [{"input": "1. f3 e5 2. g4", "target": "Qh4#"}]}', encoding="utf-8"
    )
    return str(path)


def test_inputs_none_hands_nothing_and_each_exemplar_program_writes_its_own_position(
    tmp_path: Path,
) -> None:
    for task in (
        chess(n=3, seed=1, inputs="none"),
        chess(path=_write_pgn_style_task(tmp_path), inputs="none"),
        chess(n=3, seed=1, inputs="none", exemplars="search"),
        chess(path=_write_pgn_style_task(tmp_path), inputs="none", exemplars="search"),
    ):
        assert all(p.program_inputs == {} for p in task.problems())
        for exemplar, (_, answer) in zip(
            task.pal_exemplars(), task.direct_exemplars(), strict=True
        ):
            assert exemplar.inputs == {}
            assert "FEN" not in exemplar.program.replace("(FEN)", "")
            printed = run_exemplar(exemplar.program, {})
            assert task.parse(printed)[::2][: len(answer.split())] == task.parse(answer)
    assert "inputs=none" in chess(n=1, inputs="none").spec
    assert all(p.program_inputs for p in chess(n=2, seed=1).problems())


def test_bad_mode_values_are_clear_spec_errors() -> None:
    with pytest.raises(BadTaskSpec, match="inputs=all or inputs=none"):
        from_spec("chess:n=1,inputs=fen")
    with pytest.raises(BadTaskSpec, match="scoring=line or scoring=first_move"):
        from_spec("chess:n=1,scoring=kagi")
    with pytest.raises(BadTaskSpec, match="engine=none or engine=stockfish"):
        from_spec("chess:n=1,engine=yes")


def _tactic(tmp_path: Path, scoring: str) -> tuple[Example, object]:
    # Black's last move Kd8-e8 walks into Nc7+ (fork of king and rook), then ...Kd7 Nxa8.
    row = "T1,r2k4/8/8/3N4/8/8/6PP/4K3 b - - 0 1,d8e8 d5c7 e8d7 c7a8,1200,80,90,100,fork short,,"
    path = tmp_path / f"{scoring}.csv"
    path.write_text(f"{HEADER}\n{row}\n", encoding="utf-8")
    task = chess(path=str(path), scoring=scoring)
    return next(iter(task.examples())), task


def test_first_move_scoring_follows_kagi_and_line_scoring_needs_the_whole_line(
    tmp_path: Path,
) -> None:
    example, kagi = _tactic(tmp_path, "first_move")
    _, lichess = _tactic(tmp_path, "line")
    assert kagi.score(example, ("Nc7+",))  # type: ignore[attr-defined]
    assert not lichess.score(example, ("Nc7+",))  # type: ignore[attr-defined]
    assert lichess.score(example, ("Nc7+", "Nxa8"))  # type: ignore[attr-defined]
    assert not kagi.score(example, ("Nb6",))  # type: ignore[attr-defined]
    assert not kagi.score(example, ("Qh5",))  # type: ignore[attr-defined]  illegal
    assert not kagi.score(example, None)  # type: ignore[attr-defined]


def test_a_leading_minus_theme_keeps_the_puzzles_without_it() -> None:
    if not LICHESS.is_file():
        pytest.skip("../shared/data is not present")
    puzzles, _ = load_puzzles(str(LICHESS))
    tactics = [e.problem.id for e in chess(path=str(LICHESS), theme="-mate").examples()]
    assert tactics == [p.id for p in puzzles if "mate" not in p.themes]
    assert 0 < len(tactics) < len(puzzles)


needs_engine = pytest.mark.skipif(engine_path() is None, reason="stockfish is not installed")


def _nonmate(fen: str) -> Problem:
    return Problem(
        id="t", task="chess", prompt="", payload={"fen": fen, "mate_in": None, "solver_moves": 1}
    )


def test_without_engine_stockfish_check_leaves_a_legal_non_mate_move_unknown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A broken engine would turn any consultation into "the chess engine failed".
    monkeypatch.setenv(ENGINE_ENV, "/bin/false")
    verdict = chess(n=0).check(_nonmate(FORK_FEN), ("Ne3",))
    assert verdict.status == "unknown" and verdict.checker == "chess_rules"
    assert "no engine consulted" in verdict.evidence
    assert chess(n=0).check(_nonmate(FORK_FEN), ("Nc8",)).failed
    assert "engine" not in chess(n=0).spec
    assert "engine=stockfish" in chess(n=0, engine="stockfish").spec


@needs_engine
def test_engine_check_passes_the_winning_fork_and_fails_a_blunder() -> None:
    task = chess(n=0, engine="stockfish")
    problem = _nonmate(FORK_FEN)
    good = task.check(problem, ("Nc7+",))
    assert good.passed, good.evidence
    assert "Stockfish" in good.evidence and good.checker == "chess_engine"
    # Ne3 lets Black keep the rook: far worse than winning it.
    bad = task.check(problem, ("Ne3",))
    assert bad.failed, bad.evidence
    assert "loses a winning chance" in bad.evidence
    assert "Nc7" not in bad.evidence  # never hands the engine's move to a repair prompt


@needs_engine
def test_engine_verdict_is_the_same_every_time() -> None:
    board = pychess.Board(FORK_FEN)
    move = board.parse_san("Nf6+")
    assert judge_move(board, move) == judge_move(board, move)


def test_without_an_engine_a_non_mate_move_is_unknown_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENGINE_ENV, "/nonexistent/stockfish")
    task = chess(n=0, engine="stockfish")
    verdict = task.check(_nonmate(FORK_FEN), ("Nc7+",))
    assert verdict.status == "unknown"
    assert "stockfish" in verdict.evidence
    # Illegal moves are still failed without any engine.
    assert task.check(_nonmate(FORK_FEN), ("Nc8",)).failed


def test_a_broken_engine_binary_gives_unknown_not_a_crash(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = tmp_path / "stockfish"
    fake.write_text("#!/bin/sh\nexit 3\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv(ENGINE_ENV, str(fake))
    verdict = chess(n=0, engine="stockfish").check(_nonmate(FORK_FEN), ("Nc7+",))
    assert verdict.status == "unknown"
    assert "engine failed" in verdict.evidence
