"""Reading a Tower of Hanoi move list out of a model's text or a program's output.

Pegs are single capital letters. Accepted move forms (one format per answer; when several
appear, the one with the most moves wins, so "Move disk 1 from A to C (A->C)" is not read
twice):

- sentence: "Move disk 1 from A to C", "move the top disk from peg A to peg C",
  "Move from A to C" (any case for the words; a numbered list prefix is fine);
- tuple or list: "(1, 'A', 'C')", "('A', 'C')", "[1, \"A\", \"C\"]", "(A, C)", also inside a
  Python list printed on one line: "[('A', 'C'), ('A', 'B'), ...]";
- arrow: "A->C", "A -> C", "A --> C", "A => C", "A → C", optionally "disk 1: A -> C";
- compact: a line that is just two of the letters A, B, C, e.g. "AC".

Text with none of these gives None: the parser never invents a move.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from reasoner_tasks.hanoi.simulator import Move

_PEG_WORD = r"(?:(?i:peg|rod|tower|pole|stack)\s+)?"
_SENTENCE = re.compile(
    r"\b(?i:move)\s+(?i:the\s+)?(?i:(?:top|smallest|largest|next)\s+)?"
    r"(?:(?i:disk)\s*#?\s*(?P<disk>[0-9]{1,6})\s*,?\s+|(?i:disk)\s+)?"
    rf"(?i:from)\s+{_PEG_WORD}(?P<src>[A-Z])\s*,?\s+(?i:to)\s+{_PEG_WORD}(?P<dst>[A-Z])\b"
)
_TUPLE = re.compile(
    r"[(\[]\s*(?:(?P<disk>[0-9]{1,6})\s*,\s*)?"
    r"(?P<q1>['\"]?)(?P<src>[A-Z])(?P=q1)\s*,\s*(?P<q2>['\"]?)(?P<dst>[A-Z])(?P=q2)\s*[)\]]"
)
_ARROW = re.compile(
    r"(?:\b(?i:disk)\s*(?P<disk>[0-9]{1,6})\s*[:,]?\s*(?:(?i:from)\s+)?)?"
    r"(?<![A-Za-z0-9_])(?P<src>[A-Z])\s*(?:-->|->|=>|\u2192|\u27f6)\s*(?P<dst>[A-Z])(?![A-Za-z0-9_])"
)
_COMPACT = re.compile(
    r"^[ \t]*(?:[0-9]{1,7}[.):][ \t]*)?(?P<disk>)(?P<src>[ABC])(?P<dst>[ABC])[ \t]*$", re.M
)
# The exact form the prompts ask for, as one group per move: a fast path for million-move
# program output (one string per match instead of a tuple of three).
_CANONICAL = re.compile(r"\bMove disk ([0-9]{1,6} from [A-Z] to [A-Z])\b")
_ARROWS = ("->", "=>", "\u2192", "\u27f6")


def parse_moves(text: str) -> list[Move] | None:
    """The move list written in `text`, or None when it holds no recognisable move.

    Args:
        text: a model's reply or a program's printed output.

    Returns:
        Moves as `(disk or None, source peg, target peg)`, in order, or None.
    """
    lowered = text.lower()
    candidates: list[tuple[list[Any], Callable[[Any], Move]]] = []
    if "from" in lowered:
        canonical = _CANONICAL.findall(text)
        # When every "move" in the text is a canonical move, the general sentence pattern
        # would find exactly these moves, several times slower.
        if canonical and len(canonical) == lowered.count("move"):
            candidates.append((canonical, _canonical_move))
        else:
            candidates.append((_SENTENCE.findall(text), _group_move))
    if "(" in text or "[" in text:
        found = [(d, src, dst) for d, _, src, _, dst in _TUPLE.findall(text)]
        candidates.append((found, _group_move))
    if any(arrow in text for arrow in _ARROWS):
        candidates.append((_ARROW.findall(text), _group_move))
    best, convert = max(candidates, key=lambda c: len(c[0]), default=([], _group_move))
    if not best:  # max keeps the first of equals, so ties go to the earlier form
        best, convert = _COMPACT.findall(text), _group_move
    if not best:
        return None
    seen: dict[Any, Move] = {}  # convert each distinct match once and share the tuples
    return [seen[m] if m in seen else seen.setdefault(m, convert(m)) for m in best]


def _canonical_move(found: str) -> Move:
    disk, _, src, _, dst = found.split(" ")
    return (int(disk), src, dst)


def _group_move(found: tuple[str, str, str]) -> Move:
    disk, src, dst = found
    return (int(disk) if disk else None, src, dst)


def format_moves(moves: list[Move]) -> str:
    """One move per line: "Move disk D from X to Y", or "Move from X to Y" when no disk is named.

    Args:
        moves: the move list.

    Returns:
        Text that `parse_moves` reads back to the same list.
    """
    return "\n".join(
        f"Move disk {disk} from {src} to {dst}" if disk is not None else f"Move from {src} to {dst}"
        for disk, src, dst in moves
    )
