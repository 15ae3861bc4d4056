"""Judging an answer line: the inference-time check (position only) and the score (gold).

An answer is a tuple of move tokens. For a puzzle where the solver plays several moves it may
give the solver's moves only ("Qh5+ Qh7#") or the whole line with the opponent's replies
("Qh5+ Kg8 Qh7#"); both readings are tried.
"""

from __future__ import annotations

from typing import Any

import chess as pychess

from reasoner.types import Status, Verdict
from reasoner_tasks.chess.engine import judge_move
from reasoner_tasks.chess.rules import (
    BudgetExceeded,
    IllegalMove,
    SearchBudget,
    refutation,
    resolve,
    side_name,
)

CHECKER = "chess_rules"
#: The checker name of verdicts that Stockfish decided (`engine=stockfish`): a pipeline that
#: repairs on them is engine-assisted, and its trace says so.
ENGINE_CHECKER = "chess_engine"
#: Positions a forced-mate search may visit before the check answers "unknown".
SEARCH_BUDGET = 10_000


def _verdict(status: Status, evidence: str, checker: str = CHECKER) -> Verdict:
    return Verdict(checker=checker, status=status, evidence=evidence)


def _forced_mate_note(board: pychess.Board, first: str, mate_in: int) -> tuple[Status, str]:
    """(status, evidence) for whether the move just played on `board` forces mate in time."""
    try:
        escape = refutation(board, mate_in - 1, SearchBudget(SEARCH_BUDGET))
    except BudgetExceeded:
        return "unknown", f"{first} is legal; whether it forces mate in {mate_in} was not verified"
    if escape is None:
        return "passed", f"{first} is legal and forces mate in {mate_in}"
    if escape == pychess.Move.null():
        return "failed", f"{first} is legal but stalemates"
    return "failed", (
        f"{first} is legal but does not force mate in {mate_in}: after {board.san(escape)} "
        f"there is no mate in {mate_in - 1}"
    )


def _full_line(board: pychess.Board, tokens: tuple[str, ...]) -> str | None:
    """Read as solver and opponent moves alternating: the line's SAN if all legal, else None."""
    board = board.copy(stack=False)
    sans = []
    for token in tokens:
        try:
            move = resolve(board, token)
        except IllegalMove:
            return None
        sans.append(board.san(move))
        board.push(move)
        if board.is_checkmate():
            break
    return " ".join(sans)


def _ends_in_mate(board: pychess.Board, line: str) -> bool:
    board = board.copy(stack=False)
    for san in line.split():
        board.push_san(san)
    return board.is_checkmate()


def check_answer(
    payload: dict[str, Any], value: tuple[str, ...] | None, engine: bool = False
) -> Verdict:
    """Judge an answer in the puzzle's position, without gold.

    Passed: the first move mates, or (mate in 2) forces mate and the rest of the line fits.
    Failed: no move, an illegal move, a mate puzzle's move that does not mate or force mate,
    or fewer moves than the puzzle asks for. A non-mate puzzle's legal first move is unknown
    unless `engine` is set; then the engine judges it (`engine.judge_move`: passed within 0.1
    winning chance of the best move, failed at 0.2 or more, else unknown; unknown without an
    engine), and the verdict's checker is ENGINE_CHECKER. Unknown also for deep mates the
    bounded search cannot settle.

    Args:
        payload: the problem's payload (`fen`, `solver_moves`, `mate_in`).
        value: the answer's move tokens.
        engine: ask Stockfish about a non-mate puzzle's legal move.

    Returns:
        The verdict.
    """
    if not value:
        return _verdict("failed", "no move found in the answer")
    board = pychess.Board(payload["fen"])
    side, opponent = side_name(board.turn), side_name(not board.turn)
    needed, mate_in = int(payload.get("solver_moves", 1)), payload.get("mate_in")
    try:
        move = resolve(board, value[0])
    except IllegalMove as exc:
        return _verdict("failed", f"{value[0]} is illegal: {exc}")
    first = board.san(move)
    if first.rstrip("+#") != value[0]:
        first = f"{value[0]} ({first})"
    board.push(move)
    if board.is_checkmate():
        return _verdict("passed", f"{first} is legal and mates")
    if mate_in == 1:
        if board.is_stalemate():
            how = "stalemates"
        elif board.is_check():
            how = "only gives check, not mate"
        else:
            how = "does not give checkmate"
        return _verdict("failed", f"{first} is legal but {how}")
    status: Status
    checker = CHECKER
    if mate_in is not None:
        status, evidence = _forced_mate_note(board, first, int(mate_in))
    elif engine:
        board.pop()
        judged = judge_move(board, move)
        board.push(move)
        status, evidence, checker = judged.status, judged.evidence, ENGINE_CHECKER
    else:
        status = "unknown"
        evidence = f"{first} is legal; how good it is was not judged (no engine consulted)"
    if status == "failed":
        return _verdict(status, evidence, checker)
    if len(value) < needed:
        return _verdict(
            "failed",
            f"the puzzle asks for {side}'s {needed} moves, {len(value)} given ({evidence})",
            checker,
        )
    if len(value) == 1:
        return _verdict(status, evidence, checker)
    board.pop()
    line = _full_line(board, value) if len(value) >= 2 * needed - 1 else None
    if line is not None and (mate_in is None or _ends_in_mate(board, line)):
        return _verdict(status, f"{evidence}; the line {line} is legal", checker)
    board.push(move)
    if mate_in == 2:
        reply = _mates_after_some_reply(board, value[1])
        if reply is None:
            return _verdict(
                "failed", f"{evidence}, but {value[1]} mates after none of {opponent}'s replies"
            )
        return _verdict(status, f"{evidence}; {value[1]} mates after {reply}")
    later = f"{side}'s later moves depend on {opponent}'s replies and are not checked"
    return _verdict(status, f"{evidence}; {later}", checker)


def _mates_after_some_reply(board: pychess.Board, token: str) -> str | None:
    """A defender's reply (SAN) after which `token` is legal and mates, or None."""
    for reply in list(board.legal_moves):
        san = board.san(reply)
        board.push(reply)
        try:
            move = resolve(board, token)
            board.push(move)
            mates = board.is_checkmate()
            board.pop()
        except IllegalMove:
            mates = False
        finally:
            board.pop()
        if mates:
            return san
    return None


def score_answer(fen: str, gold_line: list[str], value: tuple[str, ...] | None) -> bool:
    """True when the answer solves the puzzle as Lichess judges it.

    The solver's moves must be the solution's, except that any move that checkmates wins at
    once (so every mating move is right in a mate in one). The answer may list the solver's
    moves only, or the full line, whose opponent moves must then be the solution's.
    """
    if not value:
        return False
    return _solves(fen, gold_line, value, full_line=False) or _solves(
        fen, gold_line, value, full_line=True
    )


def first_move_matches(fen: str, gold_line: list[str], value: tuple[str, ...] | None) -> bool:
    """Kagi's rule (kagisearch/llm-chess-puzzles, `llmchess.py`): solved when the answer's
    first move is the solution's first move; later moves are not looked at, and a different
    mate does not count.

    Args:
        fen: the position the solver moves from.
        gold_line: the solution in UCI, the solver's move first.
        value: the answer's move tokens.

    Returns:
        True when the first move is legal and equals the solution's first move.
    """
    if not value or not gold_line:
        return False
    try:
        return resolve(pychess.Board(fen), value[0]).uci() == gold_line[0]
    except IllegalMove:
        return False


def _solves(fen: str, gold: list[str], value: tuple[str, ...], full_line: bool) -> bool:
    board = pychess.Board(fen)
    tokens = iter(value)
    for ply, expected in enumerate(gold):
        solver_turn = ply % 2 == 0
        if not solver_turn and not full_line:
            board.push_uci(expected)
            continue
        token = next(tokens, None)
        if token is None:
            return False
        try:
            move = resolve(board, token)
        except IllegalMove:
            return False
        board.push(move)
        if solver_turn and board.is_checkmate():
            return True
        if move.uci() != expected:
            return False
    return True


def answer_details(payload: dict[str, Any], value: tuple[str, ...] | None) -> dict[str, Any]:
    """Facts for reports, without gold: was the first move legal, did it mate, why illegal."""
    facts: dict[str, Any] = {"legal": False, "mate": False, "illegal_reason": None}
    facts["moves_given"] = len(value) if value else 0
    if not value:
        facts["illegal_reason"] = "no move found"
        return facts
    board = pychess.Board(payload["fen"])
    try:
        move = resolve(board, value[0])
    except IllegalMove as exc:
        facts["illegal_reason"] = str(exc)
        return facts
    board.push(move)
    facts["legal"], facts["mate"] = True, board.is_checkmate()
    return facts
