"""Split a line of prose, maths or code into arithmetic tokens.

The lexer reads the ways people and small models write arithmetic: `×` and `·`, `times`,
`divided by`, `3 x 4`, `2x`, `1,234`, `20% of 50`, `x²`, `$12`. Anything that cannot be part of an
expression becomes a "word" token, which ends an expression; parsing is `safe_math`'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Token:
    """One lexeme of a line; `value` is its normal form (`*` for `×`, digits without commas)."""

    kind: str  # "num", "var", "op", "eq" or "word" (anything that ends an expression)
    text: str
    value: str
    start: int
    end: int
    space_before: bool


_TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)
  | (?P<times>(?<=[0-9)])[xX](?=[0-9]))
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<breaker><=|>=|!=|=>|:=|\+=|-=|\*=|/=|%=|->|<-)
  | (?P<eq>==?)
  | (?P<op>\*\*|[-+*/()^%×·⋅∙÷−–²³])
  | (?P<skip>[$€£\\])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_SYMBOL_OPS = {"×": "*", "·": "*", "⋅": "*", "∙": "*", "÷": "/", "−": "-", "–": "-", "^": "**"}
_WORD_OPS = {"times": "*", "plus": "+", "minus": "-", "cdot": "*", "div": "/"}
_WORD_OPS_BY = {"multiplied": "*", "divided": "/"}  # only when followed by "by"
_POWER_SUFFIX = {"squared": "2", "cubed": "3", "²": "2", "³": "3"}


def lex(text: str) -> list[Token]:
    """Split one line into tokens, reading `×`, `times`, `20%`, `1,234` and `x²` as arithmetic.

    Args:
        text: a line of prose, maths or code.

    Returns:
        The tokens in order; everything that cannot be part of an expression is a "word".
    """
    raw: list[Token] = []
    space = False
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup or "other"
        if kind == "space":
            space = True
            continue
        if kind == "skip":  # currency signs and TeX backslashes carry no arithmetic
            continue
        value = m.group()
        if kind == "num":
            value = value.replace(",", "")
        elif kind == "times":
            kind, value = "op", "*"
        elif kind == "ident":
            kind, value = ("var", value) if len(value) == 1 else ("word", value.lower())
        elif kind in ("breaker", "other"):
            kind = "word"
        elif kind == "op":
            value = _SYMBOL_OPS.get(value, value)
        raw.append(Token(kind, m.group(), value, m.start(), m.end(), space))
        space = False
    return _read_words_as_operators(raw)


def _read_words_as_operators(raw: list[Token]) -> list[Token]:
    out: list[Token] = []
    i = 0
    while i < len(raw):
        tok = raw[i]
        nxt = raw[i + 1] if i + 1 < len(raw) else None
        prev = out[-1] if out else None
        if tok.value in _POWER_SUFFIX and tok.kind in ("op", "word"):
            out.append(Token("op", tok.text, "**", tok.start, tok.end, tok.space_before))
            out.append(Token("num", "", _POWER_SUFFIX[tok.value], tok.end, tok.end, False))
        elif tok.kind == "word" and tok.value in _WORD_OPS:
            out.append(Token("op", tok.text, _WORD_OPS[tok.value], tok.start, tok.end, True))
        elif tok.kind == "word" and tok.value in _WORD_OPS_BY and nxt and nxt.value == "by":
            out.append(Token("op", tok.text, _WORD_OPS_BY[tok.value], tok.start, nxt.end, True))
            i += 1
        elif tok.value in ("%", "percent") and prev is not None and prev.kind == "num":
            if nxt is not None and (nxt.kind in ("num", "var") or nxt.value == "("):
                out.append(Token("word", tok.text, "%", tok.start, tok.end, tok.space_before))
            else:  # "20%" is 20/100; a % between operands is Python's modulo, not ours
                merged = f"{prev.value}%"
                out[-1] = Token(
                    "num", prev.text + tok.text, merged, prev.start, tok.end, prev.space_before
                )
        elif tok.kind == "word" and tok.value == "of" and prev and prev.value.endswith("%"):
            out.append(Token("op", tok.text, "*", tok.start, tok.end, True))
        elif tok.kind == "var" and tok.value in "xX" and _spaced_between_operands(tok, prev, nxt):
            out.append(Token("op", tok.text, "*", tok.start, tok.end, tok.space_before))
        elif tok.value == "%":
            out.append(Token("word", tok.text, "%", tok.start, tok.end, tok.space_before))
        else:
            out.append(tok)
        i += 1
    return out


def _spaced_between_operands(tok: Token, prev: Token | None, nxt: Token | None) -> bool:
    # "3 x 4" is a product; "2x + 1" and "2x(x + 1)" hold a variable.
    left = prev is not None and (prev.kind == "num" or prev.value == ")")
    right = nxt is not None and nxt.space_before and (nxt.kind == "num" or nxt.value == "(")
    return left and right and tok.space_before
