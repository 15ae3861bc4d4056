r"""AnswerConstraint -> GBNF, the grammar language of llama.cpp (`grammar` request field).

Hand-written because no maintained library writes GBNF from a regex: llama.cpp converts
JSON schemas (whose `pattern` strings come out quoted, as JSON strings), and llguidance reads
GBNF but writes its own Lark dialect. The regex is read with Python's own parser (`re._parser`,
so what we convert is exactly what `re` means), and only a plain subset is converted: literals,
character classes, `.`, groups, alternation, and greedy or lazy repetition (laziness does not
change the set of matched strings, which is all a grammar describes); `\d`, `\w`, `\s`
become their ASCII classes (Python's are Unicode-wide). Anything else
(look-around, back-references, anchors inside the pattern, flags) is a `ConstraintError`
naming the construct, never a silently different grammar.
"""

from __future__ import annotations

import re
from typing import Any

from reasoner.constraints import ConstraintError
from reasoner.types import AnswerConstraint

try:  # Python 3.11+
    from re import _constants as sre  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as sre  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

_CATEGORIES = {
    sre.CATEGORY_DIGIT: "0-9",
    sre.CATEGORY_SPACE: " \\t\\n\\r\\x0C\\x0B",
    sre.CATEGORY_WORD: "a-zA-Z0-9_",
}
_NOT_CATEGORIES = {
    sre.CATEGORY_NOT_DIGIT: "0-9",
    sre.CATEGORY_NOT_SPACE: " \\t\\n\\r\\x0C\\x0B",
    sre.CATEGORY_NOT_WORD: "a-zA-Z0-9_",
}
# GBNF's escapes are \n \r \t \\ \" \[ \] and \xHH; anything else that needs one gets \xHH.
_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\f": "\\x0C", "\v": "\\x0B"}


def to_gbnf(constraint: AnswerConstraint) -> str:
    """The GBNF grammar whose `root` accepts exactly what `constraint` allows.

    Args:
        constraint: choices (any text) or a regex in the supported subset.

    Returns:
        The grammar text: `root ::= ...` and the helper rules it names.

    Raises:
        ConstraintError: the regex does not parse or uses an unsupported construct.
    """
    if constraint.choices is not None:
        return "root ::= " + " | ".join(_string(c) for c in constraint.choices) + "\n"
    assert constraint.regex is not None
    try:
        tree = sre_parse.parse(constraint.regex)
    except re.error as exc:
        raise ConstraintError(f"regex {constraint.regex!r} does not parse: {exc}") from None
    if tree.state.flags & ~(sre.SRE_FLAG_UNICODE):
        raise ConstraintError(f"regex {constraint.regex!r}: inline flags are not supported")
    items = list(tree)
    # Whole-reply semantics already: anchors at the very ends add nothing.
    if items and items[0] == (sre.AT, sre.AT_BEGINNING):
        items = items[1:]
    if items and items[-1][0] is sre.AT and items[-1][1] in (sre.AT_END, sre.AT_END_STRING):
        items = items[:-1]
    rules = _Rules(constraint.regex)
    root = _sequence(items, rules)
    return "".join(f"{line}\n" for line in [f"root ::= {root}", *rules.lines])


class _Rules:
    """The regex being converted (for messages) and the helper rules written so far.

    Every repeated item becomes a rule of its own, so that no quantifier ever follows another
    (`((a)*)?` is `r1?` with `r1 ::= "a"*`): GBNF readers differ on stacked quantifiers.
    """

    def __init__(self, regex: str) -> None:
        self.regex = regex
        self.lines: list[str] = []

    def rule(self, body: str) -> str:
        name = f"r{len(self.lines) + 1}"
        self.lines.append(f"{name} ::= {body}")
        return name


def _string(text: str) -> str:
    out = ['"']
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        else:
            out.append(_escaped(char))
    out.append('"')
    return "".join(out)


def _class_char(code: int) -> str:
    char = chr(code)
    if char in "]\\[":
        return "\\" + char
    if char in "-^":  # a range dash, a negating caret: no backslash escape in GBNF
        return f"\\x{code:02X}"
    return _escaped(char)


def _escaped(char: str) -> str:
    """A character as GBNF text: control characters escaped, everything else itself."""
    if char in _ESCAPES:
        return _ESCAPES[char]
    if ord(char) < 0x20 or ord(char) == 0x7F:
        return f"\\x{ord(char):02X}"
    return char


def _sequence(items: list[tuple[Any, Any]], rules: _Rules) -> str:
    parts = [_node(op, arg, rules) for op, arg in items]
    # Adjacent literals read better (and parse faster) as one string; only a literal's
    # rendering starts with a quote (classes start with `[`, groups with `(`).
    merged: list[str] = []
    for part in parts:
        if merged and part.startswith('"') and merged[-1].startswith('"'):
            merged[-1] = merged[-1][:-1] + part[1:]
        else:
            merged.append(part)
    return " ".join(merged) if merged else '""'


def _node(op: Any, arg: Any, rules: _Rules) -> str:
    regex = rules.regex
    if op is sre.LITERAL:
        return _string(chr(arg))
    if op is sre.NOT_LITERAL:
        return f"[^{_class_char(arg)}]"
    if op is sre.ANY:
        return "[^\\n]"  # Python's `.` without DOTALL
    if op is sre.IN:
        return _char_class(arg, regex)
    if op is sre.BRANCH:
        return "(" + " | ".join(_sequence(list(seq), rules) for seq in arg[1]) + ")"
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, pattern = arg
        if add_flags or del_flags:
            raise ConstraintError(f"regex {regex!r}: group flags are not supported")
        return "(" + _sequence(list(pattern), rules) + ")"
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
        low, high, pattern = arg
        body = rules.rule(_sequence(list(pattern), rules))
        if high is sre.MAXREPEAT and _nullable(list(pattern)):
            # (a*)* loops without consuming: llama.cpp rejects the grammar as left-recursive.
            raise ConstraintError(
                f"regex {regex!r}: an unbounded repetition of something that can be empty; "
                "write it without the inner repetition"
            )
        if high is sre.MAXREPEAT:
            return body + ("*" if low == 0 else "+" if low == 1 else f"{{{low},}}")
        if (low, high) == (0, 1):
            return body + "?"
        return body + (f"{{{low}}}" if low == high else f"{{{low},{high}}}")
    raise ConstraintError(
        f"regex {regex!r}: {str(op).lower()} is not supported in a grammar; use literals, "
        "classes, groups, | and repetition"
    )


def _nullable(items: list[tuple[Any, Any]]) -> bool:
    """Whether a parsed sequence can match the empty string."""
    for op, arg in items:
        if op is sre.BRANCH:
            if not any(_nullable(list(seq)) for seq in arg[1]):
                return False
        elif op is sre.SUBPATTERN:
            if not _nullable(list(arg[3])):
                return False
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
            if arg[0] > 0 and not _nullable(list(arg[2])):
                return False
        elif op is not sre.AT:
            return False
    return True


def _char_class(items: list[tuple[Any, Any]], regex: str) -> str:
    negated = bool(items) and items[0][0] is sre.NEGATE
    body = []
    for op, arg in items[1:] if negated else items:
        if op is sre.LITERAL:
            body.append(_class_char(arg))
        elif op is sre.RANGE:
            body.append(f"{_class_char(arg[0])}-{_class_char(arg[1])}")
        elif op is sre.CATEGORY and arg in _CATEGORIES:
            body.append(_CATEGORIES[arg])
        elif op is sre.CATEGORY and arg in _NOT_CATEGORIES and len(items) == 1:
            return f"[^{_NOT_CATEGORIES[arg]}]"
        else:
            raise ConstraintError(
                f"regex {regex!r}: {str(op).lower()} {arg} inside a character class is not "
                "supported in a grammar"
            )
    return f"[{'^' if negated else ''}{''.join(body)}]"
