"""Chess rules the checker needs: reading a move token in a position, saying why it is
illegal in words a model can act on, and a small bounded mate search.
"""

from __future__ import annotations

import re

import chess as pychess

_PIECE_LETTERS = {"K": pychess.KING, "Q": pychess.QUEEN, "R": pychess.ROOK}
_PIECE_LETTERS |= {"B": pychess.BISHOP, "N": pychess.KNIGHT}
_UCI = re.compile(r"^[a-h][1-8][a-h][1-8][qrbn]?$")
_SAN = re.compile(r"^([KQRBN])?([a-h])?([1-8])?x?([a-h][1-8])(?:=([QRBN]))?$")


class IllegalMove(ValueError):
    """A token that names no legal move in the position; the message says why."""


def side_name(color: bool) -> str:
    """ "White" or "Black"."""
    return "White" if color == pychess.WHITE else "Black"


def resolve(board: pychess.Board, token: str) -> pychess.Move:
    """The legal move a canonical token (from `parse_moves`) names in `board`.

    Args:
        board: the position, side to move included.
        token: SAN ("Qxf7", "e8=Q", "O-O") or UCI ("d1h5", "e7e8q").

    Returns:
        The move.

    Raises:
        IllegalMove: with the reason, e.g. "no white queen can reach h5".
    """
    if _UCI.match(token):
        try:
            return board.parse_uci(token)
        except ValueError:
            raise IllegalMove(_explain_uci(board, token)) from None
    try:
        move = board.parse_san(token)
    except pychess.AmbiguousMoveError:
        raise IllegalMove(_explain_ambiguous(board, token)) from None
    except ValueError:
        raise IllegalMove(_explain_san(board, token)) from None
    if not move:  # python-chess reads "--" and "0000" as the null move
        raise IllegalMove(f"'{token}' is a null move, not a move")
    return move


def _explain_uci(board: pychess.Board, token: str) -> str:
    move = pychess.Move.from_uci(token)
    side = side_name(board.turn)
    piece = board.piece_at(move.from_square)
    origin, target = pychess.square_name(move.from_square), pychess.square_name(move.to_square)
    if piece is None:
        return f"there is no piece on {origin}"
    if piece.color != board.turn:
        return f"the piece on {origin} is {side_name(piece.color)}'s and it is {side}'s move"
    name = f"the {side.lower()} {pychess.piece_name(piece.piece_type)} on {origin}"
    candidates = [
        m
        for m in board.pseudo_legal_moves
        if m.from_square == move.from_square and m.to_square == move.to_square
    ]
    if not candidates:
        return f"{name} cannot move to {target}"
    if piece.piece_type == pychess.PAWN and move.promotion is None and candidates[0].promotion:
        return f"a pawn reaching the last rank must promote, e.g. {token}q"
    if piece.piece_type != pychess.PAWN and move.promotion:
        return "only a pawn can promote"
    return _leaves_king_in_check(board)


def _leaves_king_in_check(board: pychess.Board) -> str:
    side = side_name(board.turn)
    if board.is_check():
        return f"{side} is in check and this move does not get out of it"
    return f"it would leave the {side.lower()} king in check"


def _explain_castling(board: pychess.Board, token: str) -> str:
    side, wing = side_name(board.turn), "queenside" if token == "O-O-O" else "kingside"
    rights = (
        board.has_queenside_castling_rights(board.turn)
        if wing == "queenside"
        else board.has_kingside_castling_rights(board.turn)
    )
    if not rights:
        return f"{side} can no longer castle {wing}"
    if board.is_check():
        return f"{side} is in check and cannot castle out of it"
    return f"{side} cannot castle {wing} now: a square between is occupied or attacked"


def _explain_san(board: pychess.Board, token: str) -> str:
    if token.startswith("O-O"):
        return _explain_castling(board, token)
    match = _SAN.match(token)
    if not match:
        return f"'{token}' is not a move in SAN or UCI"
    letter, file, rank, target_name, promotion = match.groups()
    piece_type = _PIECE_LETTERS[letter] if letter else pychess.PAWN
    target = pychess.parse_square(target_name)
    side = side_name(board.turn)
    name = pychess.piece_name(piece_type)
    pieces = [
        sq
        for sq in board.pieces(piece_type, board.turn)
        if (file is None or pychess.square_file(sq) == "abcdefgh".index(file))
        and (rank is None or pychess.square_rank(sq) == int(rank) - 1)
    ]
    where = "".join(x for x in (file, rank) if x)
    if not pieces:
        return f"{side} has no {name}" + (f" on {where}" if where else "")
    own = board.piece_at(target)
    if own is not None and own.color == board.turn:
        return f"{target_name} holds {side}'s own {pychess.piece_name(own.piece_type)}"
    reach = [
        m for m in board.pseudo_legal_moves if m.from_square in pieces and m.to_square == target
    ]
    if not reach and len(pieces) == 1:
        origin = pychess.square_name(pieces[0])
        return f"the {side.lower()} {name} on {origin} cannot reach {target_name}"
    if not reach:
        return f"no {side.lower()} {name} can reach {target_name}"
    if piece_type == pychess.KING and any(board.is_castling(m) for m in reach):
        return "castling is written O-O (kingside) or O-O-O (queenside)"
    last_rank = pychess.square_rank(target) in (0, 7)
    if piece_type == pychess.PAWN and last_rank and promotion is None:
        return f"a pawn reaching the last rank must promote, e.g. {token}=Q"
    if promotion is not None and (piece_type != pychess.PAWN or not last_rank):
        return "only a pawn reaching the last rank can promote"
    return _leaves_king_in_check(board)


def _explain_ambiguous(board: pychess.Board, token: str) -> str:
    match = _SAN.match(token)
    if not match:
        return f"'{token}' is ambiguous"
    letter, _, _, target_name, _ = match.groups()
    piece_type = _PIECE_LETTERS[letter] if letter else pychess.PAWN
    target = pychess.parse_square(target_name)
    movers = [
        m
        for m in board.legal_moves
        if m.to_square == target and board.piece_type_at(m.from_square) == piece_type
    ]
    examples = " or ".join(board.san(m) for m in movers[:3])
    return (
        f"ambiguous: {len(movers)} {pychess.piece_name(piece_type)}s can reach {target_name}; "
        f"name the one you mean, e.g. {examples}"
    )


class BudgetExceeded(Exception):
    """Internal: the mate search ran out of its budget."""


class SearchBudget:
    """Counts the work a search does (moves generated, tested for check, played) and stops it
    past a limit, so that a check never hangs a pipeline on a deep position."""

    def __init__(self, limit: int) -> None:
        self.limit, self.used = limit, 0

    def spend(self, amount: int = 1) -> None:
        """Raises BudgetExceeded once the limit is passed."""
        self.used += amount
        if self.used > self.limit:
            raise BudgetExceeded


def has_mate_in(board: pychess.Board, depth: int, budget: SearchBudget) -> bool:
    """Whether the side to move can force checkmate within `depth` of its own moves.

    Raises:
        BudgetExceeded: when the search does more work than the budget allows.
    """
    moves = list(board.legal_moves)
    budget.spend(len(moves))
    checks = [m for m in moves if board.gives_check(m)]
    # Only checks mate at once; deeper, checks still come first as they cut the replies most.
    candidates = checks if depth == 1 else checks + [m for m in moves if m not in checks]
    for move in candidates:
        budget.spend()
        board.push(move)
        try:
            if board.is_checkmate():
                return True
            if depth > 1 and refutation(board, depth - 1, budget) is None:
                return True
        finally:
            board.pop()
    return False


def refutation(board: pychess.Board, depth: int, budget: SearchBudget) -> pychess.Move | None:
    """A defender's reply after which no mate within `depth` moves exists, or None if all lose.

    `board` has the defender to move. A position where the defender has no move at all
    (stalemate) is its own refutation, reported as the null move.

    Raises:
        BudgetExceeded: as for `has_mate_in`.
    """
    replies = list(board.legal_moves)
    if not replies:
        return None if board.is_checkmate() else pychess.Move.null()
    for reply in replies:
        budget.spend()
        board.push(reply)
        try:
            if not has_mate_in(board, depth, budget):
                return reply
        finally:
            board.pop()
    return None


def mating_moves(board: pychess.Board) -> list[pychess.Move]:
    """Every legal move that checkmates at once, in python-chess's move order."""
    found = []
    for move in board.legal_moves:
        if board.gives_check(move):
            board.push(move)
            if board.is_checkmate():
                found.append(move)
            board.pop()
    return found


def play_uci_line(board: pychess.Board, moves: list[str], what: str = "move") -> list[str]:
    """Play UCI `moves` on `board` (in place) and return them in SAN.

    Raises:
        ValueError: naming the first move that is not a legal UCI move, and the position.
    """
    sans = []
    for number, uci in enumerate(moves, 1):
        fen = board.fen()
        try:
            move = board.parse_uci(uci) if _UCI.match(uci) else None
        except ValueError:
            move = None
        if move is None:
            kind = "illegal" if _UCI.match(uci) else "not a UCI move"
            raise ValueError(f"{what} {number} '{uci}' is {kind} in position {fen}")
        sans.append(board.san(move))
        board.push(move)
    return sans


def describe_status(board: pychess.Board) -> str:
    """Why python-chess finds a position invalid, in words ("too many kings, ...")."""
    status = board.status()
    names = [
        (flag.name or "").lower().replace("_", " ") for flag in pychess.Status if flag & status
    ]
    return ", ".join(n for n in names if n) or "invalid position"
