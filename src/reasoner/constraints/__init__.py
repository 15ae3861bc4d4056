"""Answer constraints: building them (tasks) and checking text against them (anyone).

A task describes what a bare answer may be as an `AnswerConstraint` (types.py); a backend
enforces it (hf: `models/constrained_logits.py`; an OpenAI-compatible server: the fields
`models/openai_wire.py` writes, GBNF from `constraints/gbnf.py` for llama.cpp). The helpers
here write regexes in the subset that every one of those engines reads alike: Python `re`,
Rust `regex` (llguidance, vLLM's backends) and GBNF. So: character classes spelled out
(`[0-9]`, never `\\d`, which is Unicode-wide in Rust), no look-around, no back-references,
no flags, and literal text without regex-special characters or escaped spaces.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from reasoner.errors import ReasonerError
from reasoner.types import AnswerConstraint

#: Longest whole part a number constraint allows: more digits than any answer here needs,
#: and a bound, so a constrained reply cannot run on digit after digit to the token limit.
MAX_INTEGER_DIGITS = 18
MAX_FRACTION_DIGITS = 8

__all__ = [
    "ConstraintError",
    "alternation",
    "lines_constraint",
    "matches",
    "number_constraint",
]


class ConstraintError(ReasonerError):
    """An answer constraint cannot be used (unsupported regex construct, empty choices...)."""


def number_constraint(*, fraction: bool = False, decimal: bool = False) -> AnswerConstraint:
    """A signed whole number, optionally also a fraction `a/b` or a decimal `1.25`.

    Args:
        fraction: allow `numerator/denominator` (exact arithmetic answers).
        decimal: allow a decimal point with up to MAX_FRACTION_DIGITS digits.

    Returns:
        The constraint (a regex without thousands separators or units).
    """
    integer = f"-?[0-9]{{1,{MAX_INTEGER_DIGITS}}}"
    tails = []
    if fraction:
        tails.append(f"/[1-9][0-9]{{0,{MAX_INTEGER_DIGITS - 1}}}")
    if decimal:
        tails.append(f"[.][0-9]{{1,{MAX_FRACTION_DIGITS}}}")
    tail = f"({'|'.join(tails)})?" if tails else ""
    return AnswerConstraint(regex=integer + tail)


def alternation(options: Sequence[str]) -> str:
    """A regex group matching exactly one of `options` (literal text, escaped for every engine).

    Args:
        options: the literal strings.

    Returns:
        `(a|b|...)`.

    Raises:
        ConstraintError: `options` is empty.
    """
    if not options:
        raise ConstraintError("an alternation needs at least one option")
    return "(" + "|".join(_literal(o) for o in options) + ")"


def _literal(text: str) -> str:
    # Escape only regex metacharacters: Python and Rust both read `\.` and `\(`, but Rust
    # rejects an escaped space (re.escape writes one), and GBNF conversion needs plain text.
    out = []
    for char in text:
        if char in _META:
            out.append("\\" + char)
        elif char in _CONTROL:
            out.append(_CONTROL[char])
        else:
            out.append(char)
    return "".join(out)


_META = frozenset("\\.+*?()|[]{}^$-&~#")
_CONTROL = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def lines_constraint(line: str, max_lines: int) -> AnswerConstraint:
    """One to `max_lines` lines, each matching the regex `line`, joined by single newlines.

    Args:
        line: the regex of one line (no newline in it).
        max_lines: the most lines allowed (at least 1).

    Returns:
        The constraint.
    """
    if max_lines < 1:
        raise ConstraintError(f"lines_constraint: max_lines={max_lines} must be at least 1")
    rest = f"(\\n{line}){{0,{max_lines - 1}}}" if max_lines > 1 else ""
    return AnswerConstraint(regex=f"{line}{rest}")


def matches(constraint: AnswerConstraint, text: str) -> bool:
    """Whether the whole of `text` is allowed by `constraint`.

    Args:
        constraint: the constraint.
        text: a reply.

    Returns:
        True when `text` is one of the choices or fully matches the regex.
    """
    if constraint.choices is not None:
        return text in constraint.choices
    assert constraint.regex is not None
    return re.fullmatch(constraint.regex, text) is not None
