"""Generated mate-in-one puzzles: random legal placements, kept when they hold a mate.

The attacker gets a king, two to four pieces and a few pawns; the defender a king, most often
on its back rank behind a pawn shelter, and a piece or two. A placement is kept when it is a
legal position in which the side to move can mate at once, in at most two ways (more and the
puzzle is trivial). Every mating move is recorded. Item i depends only on (seed, i), so the
first n puzzles of a seed do not change when n grows.
"""

from __future__ import annotations

import random

import chess as pychess

from reasoner_tasks.chess.puzzle import Puzzle
from reasoner_tasks.chess.rules import mating_moves

_ATTACKERS = [pychess.QUEEN, pychess.ROOK, pychess.ROOK, pychess.BISHOP, pychess.KNIGHT]
_DEFENDERS = [pychess.ROOK, pychess.BISHOP, pychess.KNIGHT, pychess.QUEEN]
MAX_MATES = 2
MAX_TRIES = 20_000


def _place(
    board: pychess.Board, rng: random.Random, piece: pychess.Piece, squares: list[int]
) -> None:
    free = [sq for sq in squares if board.piece_at(sq) is None]
    if piece.piece_type == pychess.PAWN:
        free = [sq for sq in free if pychess.square_rank(sq) not in (0, 7)]
    if free:
        board.set_piece_at(rng.choice(free), piece)


def _random_position(rng: random.Random) -> pychess.Board:
    """A random placement with White to move (it may be illegal; the caller checks)."""
    board = pychess.Board(None)
    everywhere = list(pychess.SQUARES)
    # Black's king on its back rank or an edge, where mates live.
    if rng.random() < 0.7:
        king = pychess.square(rng.randrange(8), 7)
    else:
        king = rng.choice([sq for sq in everywhere if pychess.square_file(sq) in (0, 7)])
    board.set_piece_at(king, pychess.Piece(pychess.KING, pychess.BLACK))
    shelter = [
        pychess.square(f, pychess.square_rank(king) - 1)
        for f in range(pychess.square_file(king) - 1, pychess.square_file(king) + 2)
        if 0 <= f < 8 and pychess.square_rank(king) > 0
    ]
    for sq in shelter:
        if rng.random() < 0.6:
            _place(board, rng, pychess.Piece(pychess.PAWN, pychess.BLACK), [sq])
    for _ in range(rng.randint(0, 2)):
        _place(board, rng, pychess.Piece(rng.choice(_DEFENDERS), pychess.BLACK), everywhere)
    _place(board, rng, pychess.Piece(pychess.KING, pychess.WHITE), everywhere[:24])
    for _ in range(rng.randint(2, 4)):
        _place(board, rng, pychess.Piece(rng.choice(_ATTACKERS), pychess.WHITE), everywhere)
    for _ in range(rng.randint(0, 3)):
        _place(board, rng, pychess.Piece(pychess.PAWN, pychess.WHITE), everywhere[8:48])
    board.turn = pychess.WHITE
    return board


def generate_one(seed: int, index: int) -> Puzzle:
    """The index-th generated mate-in-one puzzle of a seed.

    Returns:
        A puzzle whose line is the first mating move found; every mating move is valid.

    Raises:
        RuntimeError: if no puzzle turns up within MAX_TRIES placements (not seen in practice).
    """
    rng = random.Random(f"chess-mate-in-one/{seed}/{index}")
    for _ in range(MAX_TRIES):
        board = _random_position(rng)
        if rng.random() < 0.5:
            board = board.mirror()  # Black to move half of the time
        if not board.is_valid() or board.is_check() or board.is_game_over():
            continue
        mates = mating_moves(board)
        if not 1 <= len(mates) <= MAX_MATES:
            continue
        move = mates[0]
        return Puzzle(
            id=f"generated-{seed}-{index}",
            source="generated",
            fen=board.fen(),
            line=(move.uci(),),
            line_san=(board.san(move),),
            mate_in=1,
            themes=("mate", "mateIn1"),
        )
    raise RuntimeError(f"no mate-in-one position for seed {seed}, item {index}")


def generate(n: int, seed: int) -> list[Puzzle]:
    """`n` verified mate-in-one puzzles, the same for the same seed."""
    return [generate_one(seed, i) for i in range(n)]
