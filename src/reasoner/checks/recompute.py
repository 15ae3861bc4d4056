"""Redo a reasoning text's false calculations and carry the true values forward.

A small model's chain of thought often reads a word problem right and then multiplies
wrong, most of all on large numbers (GSM-Hard); one false step spoils every step after it.
GSM8K's authors gave the model a calculator for exactly this (Cobbe et al. 2021, arXiv
2110.14168: the calculator fills in each `a * b =` while the model samples). This is the
same correction made after sampling, so it needs no extra model call and works with any
backend: the first false step (`3 * 68 = 205`) gets its true result (`204`), every later
number equal to the false result is replaced with the true one, and the calculations that
used it are redone in turn, down to the answer line. In a chain link that restates its
left side with the model's own sub-result (`1/3 * (a + b) = 1/3 * 383242200`), that one
new number is solved for.

It refuses (returns None) rather than guess: when the false result also stands for
something else (it is a number of the question or of an earlier line, so a later use may
mean either), when the right side holds two numbers the left side lacks, when the true
result is negative or irrational, or when it finds more false steps than `MAX_FIXES`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

import sympy

from reasoner.checks.arithmetic_claims import Claim, check_claim, find_claims
from reasoner.checks.math_lexer import lex
from reasoner.checks.safe_math import ExpressionError, evaluate, parse_expression

#: The most false steps one text may have redone (each pass fixes the first one).
MAX_FIXES = 20
#: Places a result that has no finite decimal form is written to (GSM-Hard stores 10).
PLACES = 10
#: A list marker opening a line ("2.", "3)", "Step 4:"): a number that is no quantity.
_MARKER = re.compile(r"\s*(?:step\s*)?[0-9]+\s*[.):](?![0-9])", re.I)


@dataclass(frozen=True)
class Fix:
    """One false step redone: its line (1-based), the false and the true result."""

    line: int
    wrong: str
    right: str


@dataclass(frozen=True)
class Recomputed:
    """A reasoning text with its false steps redone, and what was changed."""

    text: str
    fixes: tuple[Fix, ...]

    def summary(self) -> str:
        """One line for a trace: "line 2: 205 -> 204; line 4: 230 -> 229"."""
        return "; ".join(f"line {f.line}: {f.wrong} -> {f.right}" for f in self.fixes)


def recompute(text: str, question: str = "") -> Recomputed | None:
    """Redo the false calculations of `text`, carrying each true result forward.

    Args:
        text: a reasoning text (a chain of thought), with its answer line.
        question: the problem's text: a false result equal to one of its numbers is
            ambiguous, so the text is left alone.

    Returns:
        The corrected text and its fixes; None when no step is false or when a false step
        cannot be redone safely (see the module's docstring).
    """
    given = _numbers(question)
    fixes: list[Fix] = []
    while (claim := _first_false(text)) is not None:
        fixed = _redo(text, claim, given) if len(fixes) < MAX_FIXES else None
        if fixed is None:
            return None
        text, fix = fixed
        fixes.append(fix)
    return Recomputed(text, tuple(fixes)) if fixes else None


def _first_false(text: str) -> Claim | None:
    for claim in find_claims(text):
        if claim.kind == "arithmetic" and check_claim(claim).status == "failed":
            return claim
    return None


def _redo(text: str, claim: Claim, given: set[Fraction]) -> tuple[str, Fix] | None:
    """Write the true result of `claim` in place of its false one, and in every later
    number equal to the false one."""
    rhs_start = claim.span[1] - len(claim.rhs)
    if text[rhs_start : claim.span[1]] != claim.rhs:
        return None  # units were read past inside the right side: not the text as written
    try:
        true = evaluate(parse_expression(claim.lhs), symbols=False)
    except ExpressionError:
        return None
    found = _false_number(claim, true)
    if found is None:
        return None
    start, end, wrong, value = found
    right = _written(value)
    if right is None:
        return None
    if wrong in given or wrong in _numbers(text[: rhs_start + start]):
        return None
    tail = text[claim.span[1] :]
    pieces, last = [], 0
    for begin, finish, number in _number_spans(tail):
        if number == wrong:
            pieces.append(tail[last:begin] + _styled(right, tail[begin:finish]))
            last = finish
    written = claim.rhs[start:end]
    fixed = (
        text[: rhs_start + start]
        + _styled(right, written)
        + claim.rhs[end:]
        + "".join(pieces)
        + tail[last:]
    )
    return fixed, Fix(line=claim.line, wrong=written, right=right)


def _false_number(claim: Claim, true: sympy.Expr) -> tuple[int, int, Fraction, sympy.Expr] | None:
    """The number of the right side the model got wrong (its offsets in `claim.rhs` and its
    value) and the value that makes the claim hold.

    A bare result is that number. In a chain link such as `1/3 * (a + b) = 1/3 * 383242200`
    it is the one number the left side does not have (the model's own sum), solved for;
    with two or more new numbers, which one is wrong is unclear, and this gives None.
    """
    tokens = lex(claim.rhs)
    numbers = [t for t in tokens if t.kind == "num" and t.text]
    if len(numbers) != len([t for t in tokens if t.kind == "num"]) or any(
        t.value.endswith("%") for t in numbers
    ):
        return None  # "x²" and "20%" hide numbers the text does not write out
    if len(tokens) == 1 and numbers:
        (number,) = numbers
        return number.start, number.end, Fraction(number.value), true
    known = _numbers(claim.lhs)
    new = [t for t in numbers if Fraction(t.value) not in known]
    if len(new) != 1:
        return None
    (number,) = new
    unknown = sympy.Symbol("n")  # one letter: the lexer reads longer names as prose
    side = f"{claim.rhs[: number.start]} n {claim.rhs[number.end :]}"
    try:
        solved = sympy.solve(sympy.Eq(evaluate(parse_expression(side)), true), unknown)
    except (ExpressionError, NotImplementedError):
        return None
    if len(solved) != 1:
        return None
    return number.start, number.end, Fraction(number.value), solved[0]


def _written(value: sympy.Expr) -> str | None:
    """A value as a model would write it: digits, a point, at most PLACES decimals; None
    for a negative value (a sign written into "10 - 4" would change the operator before
    it) or one with no decimal form."""
    if not value.is_Rational or value < 0:
        return None
    rounded = round(Fraction(int(value.p), int(value.q)), PLACES)
    whole, frac = divmod(int(rounded * 10**PLACES), 10**PLACES)
    if frac == 0:
        return str(whole)
    return f"{whole}.{f'{frac:0{PLACES}d}'.rstrip('0')}"


def _styled(digits: str, like: str) -> str:
    """`digits` with thousands separators when the number it replaces had them."""
    if "," not in like:
        return digits
    whole, point, decimals = digits.partition(".")
    return f"{int(whole):,}{point}{decimals}"


def _number_spans(text: str) -> list[tuple[int, int, Fraction]]:
    """The quantities of a text, line by line: (start, end, value), offsets into `text`;
    list markers and percentages are left out."""
    spans, offset = [], 0
    for line in text.splitlines(keepends=True):
        marker = _MARKER.match(line)
        skip = marker.end() if marker else 0
        for tok in lex(line):
            if tok.kind == "num" and tok.text and not tok.value.endswith("%") and tok.start >= skip:
                spans.append((offset + tok.start, offset + tok.end, Fraction(tok.value)))
        offset += len(line)
    return spans


def _numbers(text: str) -> set[Fraction]:
    return {value for _, _, value in _number_spans(text)}
