"""The programs chess PAL exemplars show; the task's `exemplars=` option picks one.

- `exemplars=mate` (the default): a loop over the legal moves that prints a checkmate if
  there is one, else a check. It is short (about 80 tokens) and the embedded 135M model copies
  it faithfully; it solves mates in one and nothing else.
- `exemplars=search`: a small game-tree search with python-chess. These exemplars teach a
  search, and a model that copies them hands the move choice to it. The 135M model does not
  copy it reliably (shown these exemplars it solved fewer than 5 of the 6 generated mates in
  one of tests/test_model_tasks.py, which it passes with the short loop), so it is not the
  default.

The search: mate first (a mate scores more the sooner it comes), then material, by negamax
with alpha-beta to three plies (the mover, the reply, the mover again), and past that horizon
a capture-only extension of at most five plies, so that a capture is not counted before the
recapture is seen. Checks and captures are searched first, which is what lets alpha-beta cut
most of the tree. It finds every mate in one and two and wins the material that a fork, pin,
skewer or hanging piece offers within those plies; it does not see deeper mates or quiet
moves whose point lies past the horizon. On the 300 rows of the development Lichess file it
plays the solution's first move in 272 and takes 0.6 s of CPU at most (median 0.03 s), well
inside the sandbox's 5 s, which stays the limit: a search that does not finish is a failed
program, not a reason for a longer one. It prints the line it found in SAN with move
numbers (`Board.variation_san`: the mover's moves with the replies between), so a puzzle that
asks for several moves gets them, and the first move is the answer under Kagi's rule.
"""

from __future__ import annotations

from typing import Literal

#: How a handed-over position becomes the board (`FEN` is bound before the program runs).
HANDED_HEADER = """\
import chess

board = chess.Board(FEN)
"""

#: With nothing handed over (`inputs=none`) the program writes the position from the question:
#: a FEN copied into `chess.Board(...)`, or a game's movetext copied and replayed.
FEN_HEADER = """\
import chess

board = chess.Board("{fen}")
"""
PGN_HEADER = """\
import chess

board = chess.Board()
for token in "{pgn}".split():
    if not token[0].isdigit():
        board.push_san(token)
"""

#: `exemplars=mate`, after the board is made: a checkmate if there is one, else a check.
MATE = """\
answer = None
for move in board.legal_moves:
    san = board.san(move)
    if san.endswith("#"):
        answer = san
        break
    if answer is None and san.endswith("+"):
        answer = san
print(answer)
"""

#: `exemplars=search`, after the board is made. Kept short: a model copies every token of it. With the
#: position handed over the program is 334 of Qwen2.5-Coder's tokens, inside `pal`'s default
#: budget of 400; a FEN written out adds about 55, a BIG-bench game 100 to 500 (so `inputs=none`
#: on PGN prompts needs `pal(max_tokens=1000)`).
SEARCH = """\
VALUES = {chess.PAWN: 1, chess.KNIGHT: 3, chess.BISHOP: 3, chess.ROOK: 5, chess.QUEEN: 9}


def material(board):
    score = 0
    for piece in board.piece_map().values():
        value = VALUES.get(piece.piece_type, 0)
        score += value if piece.color == board.turn else -value
    return score


def search(board, depth, alpha, beta):
    if board.is_checkmate():
        return -1000 - depth, []
    if board.is_game_over():
        return 0, []
    if depth <= 0:  # past the horizon: captures only
        alpha = max(alpha, material(board))
        if alpha >= beta or depth < -4:
            return alpha, []
    best = []
    moves = [m for m in board.legal_moves if depth > 0 or board.is_capture(m)]
    moves.sort(key=lambda m: not (board.is_capture(m) or board.gives_check(m)))
    for move in moves:
        board.push(move)
        score, line = search(board, depth - 1, -beta, -alpha)
        board.pop()
        if -score > alpha:
            alpha, best = -score, [move] + line
        if alpha >= beta:
            break
    return alpha, best


score, line = search(board, 3, -10000, 10000)
print(board.variation_san(line))
"""

Kind = Literal["mate", "search"]
KINDS: tuple[Kind, ...] = ("mate", "search")


def exemplar_program(kind: Kind, fen: str | None = None, pgn: str | None = None) -> str:
    """The program of a kind's exemplars: reading `FEN` when no position is given (handed
    over), else writing out the position (`inputs=none`), then the kind's move choice.

    Args:
        kind: "mate" or "search".
        fen: the position to write out; None when the program is handed `FEN`.
        pgn: the game's movetext to write out and replay instead, for BIG-bench prompts.

    Returns:
        The program text.
    """
    if pgn:
        header = PGN_HEADER.format(pgn=pgn)
    elif fen:
        header = FEN_HEADER.format(fen=fen)
    else:
        header = HANDED_HEADER
    # The short loop follows the board directly, as it always has (the 135M model's figures
    # were measured with exactly this text); the search is set off by a blank line.
    return header + MATE if kind == "mate" else header + "\n" + SEARCH
