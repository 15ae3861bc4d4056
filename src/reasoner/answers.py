"""Reading answers out of model text, and exact arithmetic on problem expressions.

Shared by every task that grades a number, so "the answer in this text" has one meaning: an
explicit marker (``\\boxed{}``, ``#### N``, ``Answer: N``, ``the answer is N``) beats the
last number. Nothing here runs `eval` or `sympify` on text (CVE-2024-46946):
`evaluate_arithmetic` walks a whitelisted Python `ast` with size limits.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable
from fractions import Fraction

#: Longest number (in characters) read from text; longer digit runs are not answers.
MAX_NUMBER_CHARS = 200
#: Largest decimal exponent read from text ("1e+16"), so "1e999999999" cannot eat memory.
MAX_EXPONENT = 400

_NUMBER = re.compile(
    r"""
    (?<![\w./])                         # not glued to a word, a decimal point or a slash
    (?P<sign>[-\u2212])?                # a sign only right before the digits ("5 - 3" is not -3)
    (?:[$\u20ac\u00a3\u00a5]\s?)?       # currency: $ EUR GBP YEN
    (?=\.?[0-9])                        # digits follow, so the pattern never matches ""
    (?P<int>[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+)?
    (?P<frac>\.[0-9]+)?
    (?:[eE](?P<exp>[-+]?[0-9]{1,6}))?
    (?:/(?P<den>[0-9]+)(?![0-9./]))?
    """,
    re.VERBOSE,
)
# A final-answer marker; what follows it (to the end of its sentence) holds the answer.
_MARKER = re.compile(r"####|\banswer\b[*_ \t]*(?:is\b[*_ \t]*:?|[:=])", re.IGNORECASE)
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_LATEX_FRAC = re.compile(r"\\[dt]?frac\s*\{\s*(-?[0-9]+)\s*\}\s*\{\s*([0-9]+)\s*\}")
_SENTENCE_END = re.compile(r"\.(?:\s|$)|\n")
_LEAD = re.compile(r"[\s*_`\"'(\[]*")


def _to_fraction(match: re.Match[str]) -> Fraction | None:
    """The value of one `_NUMBER` match, or None when it is not a usable number."""
    whole, frac, exp, den = match["int"], match["frac"], match["exp"], match["den"]
    if not whole and not frac:
        return None
    if frac and den:  # "1.5/2" is no number format anyone writes
        return None
    digits = (whole or "0").replace(",", "") + (frac or "")
    if len(digits) > MAX_NUMBER_CHARS or (den and len(den) > MAX_NUMBER_CHARS):
        return None
    if exp is not None and abs(int(exp)) > MAX_EXPONENT:
        return None
    try:
        if exp is None and not frac:
            value = Fraction(int(digits))  # the common case, without Fraction's string parser
        else:
            value = Fraction(digits + (f"e{exp}" if exp is not None else ""))
        if den is not None:
            value /= int(den)
    except (ValueError, ZeroDivisionError):
        return None
    return -value if match["sign"] else value


def _number_spans(text: str) -> list[tuple[Fraction, int, int]]:
    """All numbers in `text` with their spans, mixed numbers ("2 3/4") joined."""
    found: list[tuple[Fraction, int, int, re.Match[str]]] = []
    for match in _NUMBER.finditer(text):
        value = _to_fraction(match)
        if value is not None:
            found.append((value, match.start(), match.end(), match))
    joined: list[tuple[Fraction, int, int]] = []
    i = 0
    while i < len(found):
        value, start, end, match = found[i]
        whole = match["int"] and not (match["frac"] or match["exp"] or match["den"])
        if whole and i + 1 < len(found):
            part, part_start, part_end, nxt = found[i + 1]
            proper = nxt["den"] and not nxt["sign"] and 0 < part < 1
            if proper and text[end:part_start] == " ":
                joined.append((value + (-part if match["sign"] else part), start, part_end))
                i += 2
                continue
        joined.append((value, start, end))
        i += 1
    return joined


def _unlatex(text: str) -> str:
    return _LATEX_FRAC.sub(r"\1/\2", text)


def _boxed_contents(text: str) -> str | None:
    """The contents of the last ``\\boxed{...}`` (braces balanced), or None."""
    starts = [m.end() for m in _BOXED.finditer(text)]
    if not starts:
        return None
    start = starts[-1]
    depth = 1
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[start:i]
    return text[start:]


def answer_segment(text: str) -> str | None:
    """The text of the final explicit answer, or None when the text marks no answer.

    The last ``\\boxed{...}`` wins; otherwise the last ``####``, ``Answer:`` or
    ``the answer is`` marker, read to the end of its sentence (a period followed by a space,
    or a line end), skipping blank lines right after the marker.

    Args:
        text: a model's reply or a program's output.

    Returns:
        The answer text after the marker, stripped, or None.
    """
    boxed = _boxed_contents(text)
    if boxed is not None:
        return boxed.strip()
    markers = list(_MARKER.finditer(text))
    if not markers:
        return None
    rest = text[markers[-1].end() :].lstrip()
    end = _SENTENCE_END.search(rest)
    return (rest[: end.start()] if end else rest).strip()


def numbers_in(text: str) -> list[Fraction]:
    """Every number written in `text`, in order (commas, currency, decimals, fractions).

    Args:
        text: any text.

    Returns:
        The numbers as exact fractions; "0.75" gives 3/4, "1,234" gives 1234, "2 1/2" gives 5/2.
    """
    return [value for value, _, _ in _number_spans(_unlatex(text))]


def leading_number(text: str) -> Fraction | None:
    """The number that `text` starts with (after quotes, markdown, brackets), else None.

    Args:
        text: e.g. an answer segment such as "$12.50 per hour".

    Returns:
        The number, or None when the text does not start with one ("June 3" gives None).
    """
    text = _unlatex(text)
    start = _LEAD.match(text)
    offset = start.end() if start else 0
    spans = _number_spans(text[offset:])
    if spans and spans[0][1] == 0:
        return spans[0][0]
    return None


def parse_number(text: str) -> Fraction | None:
    """The final numeric answer in a model's text or a program's output, or None.

    An explicit answer (see `answer_segment`) decides: after its last "=", its first number
    ("Answer: 3 + 4 = 7" gives 7). A marked answer without a number gives None rather than a
    guess. Text with no marker gives its last number. Numbers may carry commas ("1,234"),
    currency ("$1,234.50"), units ("12 apples"), signs ("= -56"), decimals, exponents
    ("1e+16"), fractions ("3/4", LaTeX ``\\frac{3}{4}``) and mixed forms ("2 1/2").

    Args:
        text: a model's reply or a program's output.

    Returns:
        The number as an exact `Fraction`, or None.
    """
    segment = answer_segment(text)
    if segment is not None:
        tail = segment.rsplit("=", 1)[-1]
        found = numbers_in(tail)
        return found[0] if found else None
    found = numbers_in(text)
    return found[-1] if found else None


def to_fraction(value: int | float | str | Fraction) -> Fraction:
    """Exact value of a gold answer from a data file.

    Floats go through their shortest repr, so 0.1 gives 1/10, not the binary expansion.

    Args:
        value: an int, a finite float, a Fraction, or a number written as text.

    Returns:
        The Fraction.

    Raises:
        ValueError: when the value is not a finite number (NaN, inf, bool, words).
    """
    number: Fraction | None = None
    if isinstance(value, (Fraction, int)) and not isinstance(value, bool):
        number = Fraction(value)
    elif isinstance(value, float) and math.isfinite(value):
        number = Fraction(repr(value))
    elif isinstance(value, str):
        found = _NUMBER.fullmatch(value.strip())
        number = _to_fraction(found) if found else None
    if number is None:
        raise ValueError(f"{value!r} ({type(value).__name__}) is not a finite number")
    return number


def decimal_places(value: Fraction) -> int | None:
    """How many decimal places a number takes when written out (2.75: 2, 12: 0), or None
    when it has no finite decimal (1/3)."""
    den, twos, fives = value.denominator, 0, 0
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    return max(twos, fives) if den == 1 else None


def format_number(value: Fraction, *, decimal: bool = False) -> str:
    """Canonical text of a number, which `parse_number` reads back to the same value.

    Args:
        value: the number.
        decimal: write terminating non-integers as decimals ("2.75") instead of "11/4";
            non-terminating ones ("1/3") stay fractions either way.

    Returns:
        "1234", "-3/4", or with `decimal`, "2.75".
    """
    if value.denominator == 1:
        return str(value.numerator)
    if decimal:
        places = decimal_places(value)
        if places is not None:
            scaled = abs(value.numerator) * 10**places // value.denominator
            digits = str(scaled).rjust(places + 1, "0")
            sign = "-" if value < 0 else ""
            return f"{sign}{digits[:-places]}.{digits[-places:]}"
    return f"{value.numerator}/{value.denominator}"


def same_number(value: object, other: object) -> bool:
    """Whether two parsed answers are one number (`numbers_equal`); False unless both are
    numbers. A numeric task's `same_answer`: float renderings of one number are one vote."""
    both = isinstance(value, Fraction) and isinstance(other, Fraction)
    return both and numbers_equal(value, other)  # type: ignore[arg-type]


def numbers_equal(a: Fraction, b: Fraction, rel_tol: float = 1e-12) -> bool:
    """Whether two answers are the same number.

    Two integers must be equal exactly (so an off-by-one is wrong at any size). When either
    side has a fractional part it may be a float rendering ("0.30000000000000004", a
    GSM-Hard target such as 1806106.8000000003), so they match within `rel_tol`, yet never
    when they differ by half a unit or more (9284017268535.4 is not 9284017268534.4).

    Args:
        a: one number.
        b: the other.
        rel_tol: relative tolerance used when either number is not an integer; the default
            absorbs float rounding (about 1e-16 per operation), not human rounding.

    Returns:
        True when they are the same answer.
    """
    if a == b:
        return True
    if a.denominator == 1 and b.denominator == 1:
        return False
    difference = abs(a - b)
    return difference < Fraction(1, 2) and difference <= Fraction(rel_tol) * max(abs(a), abs(b))


class ArithmeticExpressionError(ValueError):
    """An expression is not plain arithmetic, or is too large to evaluate safely."""


_ARITHMETIC: dict[type[ast.operator], Callable[[Fraction, Fraction], Fraction]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}


def evaluate_arithmetic(
    expression: str, *, max_length: int = 1000, max_bits: int = 4096, max_nodes: int = 400
) -> Fraction:
    """Exact value of a plain arithmetic expression, without `eval`.

    Accepts integers, decimals, + - * / (true division, exact), ** or ^ with a small integer
    exponent, unary signs and parentheses; the signs ×, ÷ and − stand for *, / and -.
    Anything else (names, calls, attributes, strings, comparisons) is refused.

    Args:
        expression: e.g. "(123 + 45) * 6 / 7".
        max_length: longest accepted expression, in characters.
        max_bits: largest numerator or denominator, in bits, at any step.
        max_nodes: most syntax-tree nodes.

    Returns:
        The exact value.

    Raises:
        ArithmeticExpressionError: not plain arithmetic, too large, or division by zero.
    """
    text = expression.replace("×", "*").replace("÷", "/").replace("−", "-")
    text = text.replace("^", "**").strip()
    if not text or len(text) > max_length:
        raise ArithmeticExpressionError(f"expression empty or longer than {max_length} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise ArithmeticExpressionError(f"not an arithmetic expression: {exc}") from None
    if sum(1 for _ in ast.walk(tree)) > max_nodes:
        raise ArithmeticExpressionError(f"expression has more than {max_nodes} parts")
    try:
        return _evaluate(tree.body, max_bits)
    except RecursionError:
        raise ArithmeticExpressionError("expression nested too deeply") from None


def _evaluate(node: ast.AST, max_bits: int) -> Fraction:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        if isinstance(node.value, float) and not math.isfinite(node.value):
            raise ArithmeticExpressionError(f"number {node.value!r} is not finite")
        value = Fraction(repr(node.value))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _evaluate(node.operand, max_bits)
        value = -value if isinstance(node.op, ast.USub) else value
    elif isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        left, right = _evaluate(node.left, max_bits), _evaluate(node.right, max_bits)
        if isinstance(node.op, ast.Pow):
            _check_power(left, right, max_bits)
        if isinstance(node.op, ast.Div) and right == 0:
            raise ArithmeticExpressionError("division by zero")
        value = _ARITHMETIC[type(node.op)](left, right)
    else:
        raise ArithmeticExpressionError(f"'{type(node).__name__}' is not allowed in arithmetic")
    if max(value.numerator.bit_length(), value.denominator.bit_length()) > max_bits:
        raise ArithmeticExpressionError(f"intermediate value larger than {max_bits} bits")
    return value


def _check_power(base: Fraction, exponent: Fraction, max_bits: int) -> None:
    """Refuse a power before computing it when its result would be too large."""
    if exponent.denominator != 1:
        raise ArithmeticExpressionError("only whole-number exponents are allowed")
    size = max(base.numerator.bit_length(), base.denominator.bit_length())
    if abs(exponent.numerator) * size > max_bits:
        raise ArithmeticExpressionError(f"power result larger than {max_bits} bits")
    if base == 0 and exponent < 0:
        raise ArithmeticExpressionError("division by zero")
