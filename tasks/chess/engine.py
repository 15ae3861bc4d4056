"""Judging a legal, non-mating move with a chess engine (Stockfish), for the inference-time check.

The engine runs in the harness as a separate process started through python-chess's
`chess.engine` (UCI), never in the program sandbox: its input is a position that python-chess
has already parsed and a move it has already found legal, so no model text reaches it.

Margin rule, in Lichess's own terms. Lichess turns an engine score into a winning chance
w(cp) = 2 / (1 + exp(-0.00368208 * cp)) - 1, in [-1, 1], and its game analysis calls a move
an inaccuracy when it lowers the mover's w by 0.1 or more, a mistake at 0.2, a blunder at 0.3
(lila, `modules/analyse/.../Advice.scala`, `WinPercent`). So, measuring the chosen move against
the engine's best move at the same search limit:

- passed: the move gives up less than 0.1 (not even an inaccuracy: as good as best, within
  the engine's resolution);
- failed: it gives up 0.2 or more (a mistake or a blunder);
- unknown: in between, where a deeper search could change the call.

The search is a fixed node count on one thread with a fixed hash size, so the same position
gives the same verdict; a time cap bounds a slow machine, and only then can verdicts vary.
A missing or failing engine gives "unknown" with the reason, never an exception.
"""

from __future__ import annotations

import math
import os
import shutil
from dataclasses import dataclass

import chess as pychess
import chess.engine as pyengine

from reasoner.types import Status

#: Where Debian/Ubuntu's `stockfish` package puts the binary (not on root's usual PATH).
DEBIAN_STOCKFISH = "/usr/games/stockfish"
#: Overrides the engine binary (a path); unset means PATH, then DEBIAN_STOCKFISH.
ENGINE_ENV = "REASONER_STOCKFISH"
#: Nodes per search: depth ~12-14 in middlegames, ~0.1-0.3 s on one idle core.
NODES = 100_000
#: Seconds a search may take at most (only reached on a very slow or busy machine).
TIME_CAP = 5.0
PASS_BELOW = 0.1  # winning-chance loss: under this, passed (not even an inaccuracy)
FAIL_FROM = 0.2  # at or over this, failed (a mistake or worse)
_MATE_CP = 100_000


@dataclass(frozen=True)
class EngineJudgement:
    """What the engine said about one move.

    Attributes:
        status: "passed", "failed" or "unknown".
        evidence: a sentence for the trace and for a repair prompt.
    """

    status: Status
    evidence: str


def engine_path() -> str | None:
    """The Stockfish binary to use, or None when there is none."""
    override = os.environ.get(ENGINE_ENV)
    if override:
        return override if os.access(override, os.X_OK) else None
    found = shutil.which("stockfish")
    if found:
        return found
    return DEBIAN_STOCKFISH if os.access(DEBIAN_STOCKFISH, os.X_OK) else None


def winning_chance(cp: int) -> float:
    """Lichess's winning chance of a centipawn score, in [-1, 1]."""
    return 2 / (1 + math.exp(-0.00368208 * cp)) - 1


def judge_move(board: pychess.Board, move: pychess.Move) -> EngineJudgement:
    """Compare `move` with the engine's best move in `board` (see the module doc's rule).

    Args:
        board: the position before the move (not changed).
        move: a legal move in `board`.

    Returns:
        The judgement; "unknown" with the reason when no engine is available or it fails.
    """
    path = engine_path()
    if path is None:
        return EngineJudgement(
            "unknown",
            "no chess engine to judge a non-mating move (install Debian's stockfish package, "
            f"or set {ENGINE_ENV} to a UCI engine)",
        )
    san = board.san(move)
    try:
        best_move, best_cp, move_cp = _search(path, board, move)
    except (pyengine.EngineError, OSError, TimeoutError) as exc:
        return EngineJudgement("unknown", f"the chess engine failed ({exc}); {san} not judged")
    loss = winning_chance(best_cp) - winning_chance(move_cp)
    # The best move is not named: a repair prompt would hand it to the model, and the score
    # would then measure the engine, not the pipeline.
    scores = f"{_show(move_cp)} against {_show(best_cp)} for the engine's best move"
    if move == best_move or loss < PASS_BELOW:
        same = "is the engine's best move" if move == best_move else "is as good as best"
        return EngineJudgement("passed", f"{san} {same} ({scores}; {_limit()})")
    if loss >= FAIL_FROM:
        return EngineJudgement(
            "failed",
            f"{san} loses a winning chance of {loss:.2f} ({scores}; {_limit()}); "
            f"a stronger move exists",
        )
    return EngineJudgement(
        "unknown", f"{san} is slightly worse than best ({scores}; {_limit()}): not decided"
    )


def _search(path: str, board: pychess.Board, move: pychess.Move) -> tuple[pychess.Move, int, int]:
    """(engine's best move, its score, the score of `move`), both from the mover's side."""
    limit = pyengine.Limit(nodes=NODES, time=TIME_CAP)
    with pyengine.SimpleEngine.popen_uci(path, timeout=TIME_CAP + 5) as engine:
        engine.configure({"Threads": 1, "Hash": 16})
        best = engine.analyse(board, limit)
        best_move = best.get("pv", [None])[0]
        if best_move is None:
            raise pyengine.EngineError("the engine gave no best move")
        best_cp = _cp(best["score"], board.turn)
        if best_move == move:
            return best_move, best_cp, best_cp
        chosen = engine.analyse(board, limit, root_moves=[move])
        return best_move, best_cp, _cp(chosen["score"], board.turn)


def _cp(score: pyengine.PovScore, turn: bool) -> int:
    value = score.pov(turn).score(mate_score=_MATE_CP)
    return int(value) if value is not None else 0


def _show(cp: int) -> str:
    if abs(cp) > _MATE_CP // 2:
        return "a forced mate for " + ("the mover" if cp > 0 else "the opponent")
    return f"{cp / 100:+.2f}"


def _limit() -> str:
    return f"Stockfish, {NODES:,} nodes"
