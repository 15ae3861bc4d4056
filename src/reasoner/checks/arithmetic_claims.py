"""Find the equalities a reasoning text or a program states and re-check each with SymPy.

Recognised claims, one line at a time:
- arithmetic: `12 * 7 = 84`, `12 × 7 = 84`, `so 45/9 = 5`, `1,234 + 10 = 1,244`, `20% of 50 = 10`,
  `# 12*7 = 84` in a program, `assert 12 * 7 == 84`;
- chains, link by link: `2 + 3 = 5 + 1 = 6` (a link whose right side continues from the running
  total, like `2 + 3 = 5 + 1`, is read as `2 + 3 = 5`);
- substitutions: an equation in variables on a line that also gives the variables values:
  `x = 5 solves 2x+1=11`, `when x = 5, 2x + 1 = 11`, `2x + 1 = 11 so x = 5`.

An assignment (`x = 5`, `total = 3 * 4`) is never a claim by itself, and text that does not
parse is skipped: the finder prefers missing a claim to inventing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sympy

from reasoner.checks.math_lexer import Token, lex
from reasoner.checks.safe_math import (
    MAX_TEXT_CHARS,
    ExpressionError,
    ParsedExpression,
    evaluate,
    format_value,
    literal_decimal_places,
    parse_expression,
    parse_tokens,
    values_equal,
    within_places,
)
from reasoner.types import Status, Verdict

MAX_SCAN_CHARS = 200_000
MAX_LINE_CHARS = 5_000
MAX_CLAIMS = 500
CHECKER = "sympy_check"

# A bare number after these is an operand of prose arithmetic ("half of 10 = 5").
_OPERAND_WORDS = frozenset(
    "of by than and from per over into between with".split()  # noqa: SIM905
)
# After these the whole left side is a function's argument ("sqrt (9 + 7) = 4").
_FUNCTION_WORDS = frozenset(
    """sqrt root log ln sin cos tan exp abs floor ceil round int float len max min pow divmod
    factorial twice double triple half average mean sum product difference quotient mod
    modulo remainder""".split()  # noqa: SIM905
)
# Symbols that make the following number an operand ("17 % 5 == 2", "x <= 5").
_OPERATOR_SYMBOLS = frozenset("% & | ~ @ _ <= >= != := -> <- =>".split())  # noqa: SIM905


#: The most words a unit between a number and an operator may have ("sweet potato vines").
_MAX_UNIT_WORDS = 4
#: Words that make what follows a number prose, not a unit ("5 and 3", "4 is").
_PROSE_WORDS = frozenset(
    """and or is are was were be so then which that it he she they we you i the a an to
    in on at for if but not each every""".split()  # noqa: SIM905
)
#: Units of measure: a sum of terms in two of them converts, so it is not a claim.
_MEASURES = frozenset(
    """second minute hour day week month year cent dollar inch feet foot yard mile ounce
    pound cup gram kilogram meter metre centimeter liter litre gallon quart pint ton
    dozen""".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class Claim:
    """One stated equality `lhs = rhs`, where it was written, and any values it assumes.

    `line` is 1-based; `span` holds character offsets into the whole text; `bindings` holds the
    variable values a substitution claim is checked under, e.g. `(("x", "5"),)`.
    """

    text: str
    lhs: str
    rhs: str
    line: int
    span: tuple[int, int]
    kind: Literal["arithmetic", "substitution"] = "arithmetic"
    bindings: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ClaimResult:
    """The check of one claim: passed, failed (a false step) or unknown (cannot evaluate)."""

    claim: Claim
    status: Status
    evidence: str


@dataclass(frozen=True)
class _Side:
    text: str
    start: int
    end: int
    parsed: ParsedExpression
    bare_variable: bool


def find_claims(text: str) -> list[Claim]:
    """Find the arithmetic and substitution claims in a reasoning text or a program.

    Args:
        text: model output; only the first `MAX_SCAN_CHARS` characters are read.

    Returns:
        The claims in reading order, at most `MAX_CLAIMS`.
    """
    claims: list[Claim] = []
    offset = 0
    for number, line in enumerate(text[:MAX_SCAN_CHARS].splitlines(keepends=True), start=1):
        if len(line) <= MAX_LINE_CHARS:
            claims.extend(_line_claims(line, number, offset))
        offset += len(line)
        if len(claims) >= MAX_CLAIMS:
            break
    return claims[:MAX_CLAIMS]


def _line_claims(line: str, number: int, offset: int) -> list[Claim]:
    chains: list[list[_Side | None]] = []
    assigned: dict[str, set[str]] = {}
    for prev, run in _runs(lex(line)):
        sides = _sides(line, prev, run)
        # Leading lone variables are assignments ("x = 5", "x = 2 + 3 = 5"), never claims.
        while len(sides) >= 2 and sides[0] is not None and sides[0].bare_variable:
            name, value = sides[0].parsed.text, sides[1]
            known = value is not None and not value.parsed.variables
            assigned.setdefault(name, set()).add(value.text if value and known else "")
            sides.pop(0)
        chains.append(sides)
    claims = []
    for sides in chains:
        for left, right in zip(sides, sides[1:], strict=False):
            if left is None or right is None:
                continue
            names = sorted(left.parsed.variables | right.parsed.variables)
            values = [assigned.get(name, set()) for name in names]
            if any(len(v) != 1 or "" in v for v in values):
                continue  # a variable with no single known value: an equation, not a claim
            bindings = tuple((name, next(iter(v))) for name, v in zip(names, values, strict=True))
            claims.append(
                Claim(
                    text=line[left.start : right.end],
                    lhs=left.text,
                    rhs=right.text,
                    line=number,
                    span=(offset + left.start, offset + right.end),
                    kind="substitution" if bindings else "arithmetic",
                    bindings=bindings,
                )
            )
    return claims


def _runs(tokens: list[Token]) -> list[tuple[Token | None, list[Token]]]:
    """Maximal runs of arithmetic tokens holding an `=`, each with the token just before it.

    Units between a number and the operator after it are passed over, so that
    "20 cows/day * 7 days = 140 cows" reads as `20 * 7 = 140` (see `_unit_end`).
    """
    runs: list[tuple[Token | None, list[Token]]] = []
    current: list[Token] = []
    units: set[str] = set()  # the units passed over in this run
    prev: Token | None = None
    i = 0
    while i <= len(tokens):
        tok = tokens[i] if i < len(tokens) else None
        if tok is not None and tok.kind != "word":
            current.append(tok)
            i += 1
            continue
        if tok is not None:
            per = len(current) >= 2 and current[-1].value == "/" and current[-2].kind == "num"
            if current and (current[-1].kind == "num" or per):
                end = _unit_end(tokens, i, current, units)
                if end is not None:
                    if per:  # "$3/petunia * ...": the slash belonged to the unit
                        current.pop()
                    i = end
                    continue
        if any(t.kind == "eq" for t in current):
            runs.append((prev, current))
        current, units, prev = [], set(), tok
        i += 1
    return runs


def _unit_end(tokens: list[Token], i: int, current: list[Token], units: set[str]) -> int | None:
    """Where a unit that starts at token i ends ("chickens/day", "dollars per hour"), when
    an operator continues the expression after it; None when the words are prose.

    An `=` right after a unit only continues an expression that already has an operator
    ("3 boxes * 4 bags = 12 bags"; never "120 minutes = 2 hours"), and a sum whose terms
    carry a unit of measure and another unit may convert, so it is not a claim ("1 hour +
    30 minutes = 90 minutes", "2 dozen + 6 eggs = 30 eggs"; "50 cows + 20 hens" is one).
    """
    j = i
    words: list[str] = []
    while j < len(tokens) and len(words) < _MAX_UNIT_WORDS:
        tok = tokens[j]
        if tok.kind == "word" and tok.value.isalpha():
            words.append(tok.value)
            j += 1
        elif tok.value == "/" and j + 1 < len(tokens) and tokens[j + 1].kind == "word" and words:
            j += 1
        else:
            break
    if not words or j >= len(tokens) or any(w in _PROSE_WORDS for w in words):
        return None
    after = tokens[j]
    has_operator = any(t.kind == "op" and t.value not in "()" for t in current)
    if after.kind == "eq" and not has_operator:
        return None
    if after.kind not in ("op", "eq") or after.value == "(":
        return None
    units.add(_measure(words[0]) or words[0])
    additive = any(t.value in "+-" for t in current) or after.value in "+-"
    if additive and len(units) > 1 and any(u in _MEASURES for u in units):
        return None
    return j


def _measure(word: str) -> str | None:
    """The unit of measure a word names, singular ("minutes" -> "minute"), or None."""
    singular = word[:-1] if word.endswith("s") and word[:-1] in _MEASURES else word
    return singular if singular in _MEASURES else None


def _sides(line: str, prev: Token | None, run: list[Token]) -> list[_Side | None]:
    groups: list[list[Token]] = [[]]
    for tok in run:
        if tok.kind == "eq":
            groups.append([])
        else:
            groups[-1].append(tok)
    groups[0] = _strip_brackets(groups[0], front=True)
    groups[-1] = _strip_brackets(groups[-1], front=False)
    sides: list[_Side | None] = []
    for index, group in enumerate(groups):
        side = None
        if group and not (index == 0 and _incomplete_start(prev, group)):
            start, end = group[0].start, group[-1].end
            if end - start <= MAX_TEXT_CHARS:
                text = _without_units(line, group)
                try:
                    parsed = parse_tokens(group, text)
                    bare = len(group) == 1 and group[0].kind == "var"
                    side = _Side(text, start, end, parsed, bare)
                except ExpressionError:
                    side = None
        sides.append(side)
    return sides


def _without_units(line: str, group: list[Token]) -> str:
    """The side's text as written, with a space where a unit was passed over."""
    text = line[group[0].start : group[0].end]
    for before, tok in zip(group, group[1:], strict=False):
        gap = line[before.end : tok.start]
        # A token's span, not its text: "divided by" is one token spelled "divided".
        text += (" " if any(ch.isalpha() for ch in gap) else gap) + line[tok.start : tok.end]
    return text


def _strip_brackets(group: list[Token], front: bool) -> list[Token]:
    """Drop brackets at one end of a side that belong to the prose around the claim."""
    group = list(group)
    while group:
        depth = sum(1 if t.value == "(" else -1 if t.value == ")" else 0 for t in group)
        edge = group[0] if front else group[-1]
        if front and edge.value == "(" and depth > 0:  # "(12 * 7 = 84)"
            group.pop(0)
        elif not front and (edge.value == "(" or (edge.value == ")" and depth < 0)):
            group.pop()  # "= 84)" or "= 84 (the total)"
        else:
            break
    return group


def _incomplete_start(prev: Token | None, group: list[Token]) -> bool:
    """Whether the text before the first `=` is only the tail of a larger expression."""
    first = group[0]
    if first.kind == "op" and first.value not in ("(", "-"):
        return True  # "3 apples * 4 = 12"
    if first.value == "-" and len(group) > 1 and group[1].space_before:
        return True  # "5 apples - 1 = 4"
    if prev is None:
        return False
    if prev.value in _OPERATOR_SYMBOLS or prev.value in _FUNCTION_WORDS:
        return True
    if prev.value.isalnum() and first.value == "(" and not first.space_before:
        return True  # a call: "f(3) = 9"
    return prev.value in _OPERAND_WORDS and len(group) == 1


def check_claim(claim: Claim) -> ClaimResult:
    """Re-evaluate both sides of one claim exactly.

    Args:
        claim: from `find_claims`.

    Returns:
        passed when the sides are equal (or equal to the precision a decimal literal states),
        failed with "false step: ..." and the sides' true values, unknown when a side cannot be
        evaluated (division by zero, a value past the size caps).
    """
    try:
        env = {n: evaluate(parse_expression(v), symbols=False) for n, v in claim.bindings}
        left = evaluate(parse_expression(claim.lhs), env, symbols=False)
        right = evaluate(parse_expression(claim.rhs), env, symbols=False)
    except ExpressionError as exc:
        return ClaimResult(claim, "unknown", f"cannot check {claim.text}: {exc}")
    where = ", ".join(f"{name} = {value}" for name, value in claim.bindings)
    where = f"with {where}, " if where else ""
    if values_equal(left, right):
        return ClaimResult(claim, "passed", f"{where}{claim.text} holds")
    places = [p for p in map(literal_decimal_places, (claim.lhs, claim.rhs)) if p is not None]
    if places and within_places(left, right, min(places)):
        return ClaimResult(
            claim,
            "passed",
            f"{where}{claim.text} holds rounded to {min(places)} decimal place"
            f"{'s' if min(places) > 1 else ''} (exactly {format_value(left)} = {format_value(right)})",
        )
    running = _running_total(claim.rhs)
    if running is not None and values_equal(left, running[1]):
        return ClaimResult(
            claim,
            "passed",
            f"{where}{claim.lhs} = {running[0]} holds ({claim.rhs} continues from that total)",
        )
    return ClaimResult(
        claim, "failed", f"false step: {where}{claim.text} ({_sides_text(claim, left, right)})"
    )


def _running_total(rhs: str) -> tuple[str, sympy.Expr] | None:
    """The leading number of `5 + 1` when a chain continues from a total, else None."""
    tokens = lex(rhs)
    if len(tokens) < 3 or tokens[0].kind != "num" or tokens[1].value not in "+-*/":
        return None
    try:
        return tokens[0].text, evaluate(parse_tokens(tokens[:1]), symbols=False)
    except ExpressionError:
        return None


def _sides_text(claim: Claim, left: sympy.Expr, right: sympy.Expr) -> str:
    left_text = f"left side is {format_value(left)}"
    right_text = f"right side is {format_value(right)}"
    if _is_literal(claim.rhs):
        return left_text
    if _is_literal(claim.lhs):
        return right_text
    return f"{left_text}, {right_text}"


def _is_literal(text: str) -> bool:
    tokens = lex(text)
    return len(tokens) == 1 and tokens[0].kind == "num"


def check_claims(text: str) -> list[ClaimResult]:
    """Find and check every claim in a text.

    Args:
        text: a reasoning text or a program.

    Returns:
        One result per claim, in reading order.
    """
    return [check_claim(claim) for claim in find_claims(text)]


def claims_verdict(text: str, checker: str = CHECKER) -> Verdict:
    """One verdict for a whole text: failed if any step is false, passed if some hold.

    Args:
        text: a reasoning text or a program.
        checker: the name the verdict carries.

    Returns:
        failed naming each false step and its line; passed when at least one claim holds and
        none is false; unknown when no claim could be checked.
    """
    results = check_claims(text)
    failed = [r for r in results if r.status == "failed"]
    passed = [r for r in results if r.status == "passed"]
    if failed:
        shown = "; ".join(f"line {r.claim.line}: {r.evidence}" for r in failed[:5])
        more = f" (and {len(failed) - 5} more)" if len(failed) > 5 else ""
        evidence = f"{len(failed)} of {len(results)} arithmetic claims are false: {shown}{more}"
        return Verdict(checker=checker, status="failed", evidence=evidence)
    if passed:
        skipped = len(results) - len(passed)
        note = f"; {skipped} could not be evaluated" if skipped else ""
        return Verdict(
            checker=checker,
            status="passed",
            evidence=f"all {len(passed)} checked arithmetic claims hold{note}",
        )
    if results:
        return Verdict(checker=checker, status="unknown", evidence=results[0].evidence)
    return Verdict(checker=checker, status="unknown", evidence="no arithmetic claim found to check")
