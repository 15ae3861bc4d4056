"""Prompt text for chess puzzles, and the worked exemplars shown to the model.

Two prompt styles: a game in PGN (BIG-bench checkmate_in_one) and a position in FEN
(Lichess puzzles and generated ones). Exemplars are written in the style of the task's own
prompts, and all four PAL exemplars carry the same program (`exemplar_programs`: a mate-or-
check loop by default, a search for mate and material with `exemplars=search`): with the
position handed over as the variable `FEN`, a model only has to copy that program, not a FEN
or a PGN.
"""

from __future__ import annotations

from typing import Literal

import chess as pychess

from reasoner.types import PalExemplar
from reasoner_tasks.chess.exemplar_programs import Kind, exemplar_program

Style = Literal["pgn", "fen"]

ANSWER_FORMAT = "Answer in SAN, e.g. Qxf7#."

#: The program of the default (`exemplars=mate`) PAL exemplars: a checkmate, else a check.
PAL_PROGRAM = exemplar_program("mate")
#: The program of the `exemplars=search` PAL exemplars: a search for mate, then material.
SEARCH_PROGRAM = exemplar_program("search")


def _side(board: pychess.Board) -> str:
    return "White" if board.turn == pychess.WHITE else "Black"


def task_lines(side: str, solver_moves: int, mate_in: int | None) -> list[str]:
    """What the solver is asked for (a mate in N, or the best move or line), and in what form."""
    if solver_moves == 1:
        goal = (
            "Find the move that gives checkmate (mate in 1)." if mate_in else "Find the best move."
        )
        return [f"{side} to move. {goal}", ANSWER_FORMAT]
    goal = f"mate in {mate_in}" if mate_in else f"find the best line of {solver_moves} moves"
    return [
        f"{side} to move: {goal}.",
        f"Answer with {side}'s {solver_moves} moves in SAN, in order, e.g. Qh5+ Qxf7#.",
    ]


def fen_prompt(
    fen: str, solver_moves: int = 1, mate_in: int | None = 1, last_move: str | None = None
) -> str:
    """The prompt for a position given as FEN (Lichess and generated puzzles).

    Args:
        fen: the position the solver moves from.
        solver_moves: how many of the solver's moves the answer must give.
        mate_in: the mate depth when the puzzle is a forced mate, else None.
        last_move: the opponent's move that led to the position, in SAN, when known.

    Returns:
        The prompt text.
    """
    board = pychess.Board(fen)
    lines = [f"Chess position (FEN): {fen}"]
    if last_move:
        lines.append(
            f"{'Black' if board.turn == pychess.WHITE else 'White'} just played {last_move}."
        )
    lines += task_lines(_side(board), solver_moves, mate_in)
    return "\n".join(lines)


def pgn_prompt(pgn: str, fen: str) -> str:
    """The prompt for a game given as PGN movetext that ends in a mate in 1 (BIG-bench)."""
    board = pychess.Board(fen)
    return "\n".join([f"Chess game (PGN): {pgn}", *task_lines(_side(board), 1, 1)])


# (FEN, the mover's moves asked for, mate depth or None, answer). Hand-made positions, none
# from a benchmark; none answers with the "Qxf7#" of the answer format, so a model cannot
# score by copying the format's example. `exemplars=mate`: four mates in one, each with
# exactly one mate.
_MATE_FEN_EXEMPLARS = [
    ("6k1/5ppp/8/8/8/8/5PPP/3R2K1 w - - 0 1", 1, 1, "Rd8#"),  # back-rank mate
    ("6k1/1b3ppp/8/6q1/8/8/5PPP/3R2K1 b - - 0 1", 1, 1, "Qxg2#"),  # queen backed by the bishop
    ("6rk/6pp/8/6N1/8/8/8/6K1 w - - 0 1", 1, 1, "Nf7#"),  # smothered mate
    ("r1b1k2r/pppp1ppp/2n5/2b1p3/2B1P1nq/2NP4/PPP2PPP/R1BQ1RK1 b kq - 0 7", 1, 1, "Qxh2#"),
]
# `exemplars=search`: one of each kind of question the task asks, both sides moving: a mate
# in one, a line of two moves that wins material (a knight fork), a best move (a rook skewer)
# and a mate in two. Each answer is what the search prints, cut to the mover's own moves.
_SEARCH_FEN_EXEMPLARS = [
    ("6k1/5ppp/8/8/8/8/5PPP/3R2K1 w - - 0 1", 1, 1, "Rd8#"),  # back-rank mate
    ("4k3/6pp/8/8/3n4/8/PP6/R3K3 b - - 0 1", 2, None, "Nc2+ Nxa1"),  # fork of king and rook
    ("3q4/8/8/3k4/8/8/5PPP/R5K1 w - - 0 1", 1, None, "Rd1+"),  # skewer of king and queen
    ("1r4k1/r7/8/8/8/8/8/7K b - - 0 1", 2, 2, "Rb2 Ra1#"),  # two rooks, mate in two
]

# Well-known short games: the Caro-Kann smothered mate, Fool's mate, Legal's mate and the
# Blackburne Shilling trap.
_PGN_EXEMPLARS = [
    ("1. e4 c6 2. d4 d5 3. Nc3 dxe4 4. Nxe4 Nd7 5. Qe2 Ngf6 6.", "Nd6#"),
    ("1. f3 e5 2. g4", "Qh4#"),
    ("1. e4 e5 2. Nf3 d6 3. Bc4 Bg4 4. Nc3 g6 5. Nxe5 Bxd1 6. Bxf7+ Ke7 7.", "Nd5#"),
    (
        "1. e4 e5 2. Nf3 Nc6 3. Bc4 Nd4 4. Nxe5 Qg5 5. Nxf7 Qxg2 6. Rf1 Qxe4+ 7. Be2",
        "Nf3#",
    ),
]


def replay_pgn(movetext: str) -> pychess.Board:
    """The position after PGN movetext such as "1. e4 e5 2. Nf3" (move numbers optional).

    Raises:
        ValueError: naming the first move that cannot be played, and why.
    """
    board = pychess.Board()
    for token in movetext.split():
        san = token.split(".")[-1]  # "12.", "12...", "12.Nf3"
        if not san or san in ("1-0", "0-1", "1/2-1/2", "*"):
            continue
        try:
            board.push_san(san)
        except ValueError as exc:
            number = board.fullmove_number
            dots = "." if board.turn == pychess.WHITE else "..."
            raise ValueError(f"move {number}{dots} {san} cannot be played: {exc}") from None
    return board


def exemplar_items(style: Style, kind: Kind = "mate") -> list[tuple[str, dict[str, str], str]]:
    """(question, program inputs, answer) for the four worked examples of a prompt style.

    Args:
        style: the task's prompt style; BIG-bench games (PGN) are mates in one whatever
            the kind.
        kind: which exemplars (`exemplars=` of the task).

    Returns:
        The items.
    """
    items = []
    if style == "pgn":
        for pgn, answer in _PGN_EXEMPLARS:
            fen = replay_pgn(pgn).fen()
            items.append((pgn_prompt(pgn, fen), {"FEN": fen, "PGN": pgn}, answer))
        return items
    positions = _SEARCH_FEN_EXEMPLARS if kind == "search" else _MATE_FEN_EXEMPLARS
    for fen, solver_moves, mate_in, answer in positions:
        items.append((fen_prompt(fen, solver_moves, mate_in), {"FEN": fen}, answer))
    return items


def pal_exemplars(style: Style, handed: bool = True, kind: Kind = "mate") -> list[PalExemplar]:
    """Four PAL exemplars in the task's prompt style, all with the same program of the kind;
    with `handed=False` each program first writes out its own position.

    Args:
        style: the task's prompt style.
        handed: programs receive `FEN` (and `PGN`) as variables.
        kind: "mate" (a checkmate, else a check) or "search" (mate, then material).

    Returns:
        The exemplars.
    """
    if not handed:
        return [
            PalExemplar(
                question=question,
                program=exemplar_program(kind, inputs["FEN"], inputs.get("PGN")),
            )
            for question, inputs, _ in exemplar_items(style, kind)
        ]
    return [
        PalExemplar(question=question, program=exemplar_program(kind), inputs=inputs)
        for question, inputs, _ in exemplar_items(style, kind)
    ]


def direct_exemplars(style: Style, kind: Kind = "mate") -> list[tuple[str, str]]:
    """(question, answer) pairs for few-shot direct prompts, in the task's prompt style."""
    return [(question, answer) for question, _, answer in exemplar_items(style, kind)]
