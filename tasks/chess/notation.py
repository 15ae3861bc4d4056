"""Finding chess moves in free text, by syntax alone.

`parse_moves` sees only text, never the position, so it cannot tell a legal move from an
illegal one: it finds SAN or UCI tokens and puts them in a canonical spelling; whether they are
legal is the checker's job. A token keeps what identifies the move (piece, disambiguation,
capture mark, destination, promotion) and drops the check and annotation marks, so "Qxf7#",
"Qxf7+!" and "Qxf7" are the same answer.
"""

from __future__ import annotations

import re

#: Moves beyond this many in one answer are dropped: no puzzle here needs more.
MAX_MOVES = 40
#: Only the last answer markers are tried. Each try reads the rest of its line, so trying all
#: of them made output such as "answer: " * 8000 quadratic (25 s); with a cap it is linear.
MAX_MARKERS = 8

_FIGURINES = str.maketrans(
    {"♔": "K", "♕": "Q", "♖": "R", "♗": "B", "♘": "N"}
    | {"♚": "K", "♛": "Q", "♜": "R", "♝": "B", "♞": "N"}
)

_MOVE = re.compile(
    r"""
    (?<![A-Za-z0-9])
    (?:
        (?P<castle>[O0]-[O0](?:-[O0])?)
      | (?P<uci>[a-h][1-8][-x]?[a-h][1-8](?:=?[qrbnQRBN])?)
      | (?P<piece>[KQRBN][a-h]?[1-8]?[-x]?[a-h][1-8])
      | (?P<pawn>(?:[a-h]x)?[a-h][1-8](?:=?[QRBN])?)
    )
    (?P<suffix>[+#]*(?:\s?e\.p\.)?[!?]*)
    (?![A-Za-z0-9])
    """,
    re.X,
)

# What may stand between two moves of one line: spaces, punctuation, move numbers
# ("12.", "12...", "12…"), arrows and a few joining words.
_GAP = re.compile(
    r"(?:\s|[,;.…]|\d+\s*\.|->|→|=>|\bthen\b|\band\b|\bfollowed\s+by\b)*",
    re.I,
)

_MARKER = re.compile(
    r"(?:final\s+answer|answer|best\s+move|solution|winning\s+move|mating\s+move"
    r"|checkmate\s+is|mate\s+is)(?:\s+is)?\s*[:=\-]?",
    re.I,
)


def _canonical(match: re.Match[str]) -> str:
    """The canonical spelling of one matched move token."""
    if match.group("castle"):
        return "O-O-O" if match.group("castle").count("-") == 2 else "O-O"
    if match.group("uci"):
        return re.sub(r"[-x=]", "", match.group("uci")).lower()
    if match.group("piece"):
        return match.group("piece").replace("-", "")
    pawn = match.group("pawn")
    if re.search(r"[QRBN]$", pawn) and "=" not in pawn:
        pawn = pawn[:-1] + "=" + pawn[-1]
    return pawn


def _is_strong(match: re.Match[str]) -> bool:
    """Whether a token is clearly a move even inside prose.

    A bare square ("e4", "h5") is also how prose names squares, so on its own it counts as a
    move only where the text around it is moves and nothing else.
    """
    pawn = match.group("pawn")
    if pawn is None:
        return True
    return (
        "x" in pawn or "=" in pawn or "+" in match.group("suffix") or "#" in match.group("suffix")
    )


def _runs(segment: str) -> list[list[re.Match[str]]]:
    """Maximal sequences of moves separated only by gaps (spaces, move numbers, ...)."""
    runs: list[list[re.Match[str]]] = []
    end = None
    for match in _MOVE.finditer(segment):
        if end is not None and _GAP.fullmatch(segment, end, match.start()):
            runs[-1].append(match)
        else:
            runs.append([match])
        end = match.end()
    return runs


def _moves_only(segment: str) -> bool:
    """True when a segment holds at least one move and nothing but moves and gaps."""
    pos, found = 0, False
    for match in _MOVE.finditer(segment):
        if not _GAP.fullmatch(segment, pos, match.start()):
            return False
        pos, found = match.end(), True
    return found and _GAP.fullmatch(segment, pos, len(segment)) is not None


def _tokens(run: list[re.Match[str]]) -> tuple[str, ...]:
    return tuple(_canonical(m) for m in run[:MAX_MOVES])


def _after_marker(text: str, end: int) -> str:
    """The rest of the marker's line, or the next non-empty line when the rest is blank."""
    rest = text[end:]
    first, _, remainder = rest.partition("\n")
    if first.strip():
        return first
    for line in remainder.splitlines():
        if line.strip():
            return line
    return ""


def _pick(segment: str, after_marker: bool) -> tuple[str, ...] | None:
    runs = _runs(segment)
    for run in runs:
        if any(_is_strong(m) for m in run):
            return _tokens(run)
    if len(runs) == 1 and (after_marker or _moves_only(segment)):
        return _tokens(runs[0])
    return None


def parse_moves(text: str) -> tuple[str, ...] | None:
    """The line of moves a reply gives as its answer, or None when it gives none.

    Where it looks, in order: after the last answer marker ("Answer:", "The best move is")
    that is followed by a move; then a first line made of moves only (a bare "Qxf7#" or
    "1. Qh5+ Kg8 2. Qh7#", or a program's output); then the last run of unmistakable moves
    anywhere in the text (bare squares such as "e4" in prose are not taken for moves).

    Args:
        text: a model's reply or a program's printed output.

    Returns:
        The moves in canonical spelling (SAN or lowercase UCI, no check marks), or None.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    text = text.translate(_FIGURINES)
    for marker in reversed(list(_MARKER.finditer(text))[-MAX_MARKERS:]):
        found = _pick(_after_marker(text, marker.end()), after_marker=True)
        if found:
            return found
    lines = [line for line in text.splitlines() if line.strip()]
    if lines and _moves_only(lines[0]):
        return _tokens(_runs(lines[0])[0])
    strong = [run for run in _runs(text) if any(_is_strong(m) for m in run)]
    return _tokens(strong[-1]) if strong else None


def format_moves(moves: tuple[str, ...] | list[str]) -> str:
    """Moves as one space-separated line; `parse_moves(format_moves(m))` gives `m` back."""
    return " ".join(moves)
