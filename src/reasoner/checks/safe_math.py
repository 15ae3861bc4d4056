"""Turn arithmetic text into exact SymPy values without ever running it as code.

`sympify` and `parse_expr` evaluate Python (CVE-2024-46946), so neither sees untrusted text here.
Text is lexed into numbers, single-letter variables and operators, rebuilt as a tiny Python
expression, parsed with `ast`, and walked over a whitelist of node types to build SymPy values.
Caps on literal size, powers and intermediate results make hostile input such as `9**9**9**9`
fail at once with `ExpressionError` instead of hanging or exhausting memory.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

import sympy

from reasoner.checks.math_lexer import Token, lex
from reasoner.errors import ReasonerError

MAX_TEXT_CHARS = 300
MAX_LITERAL_DIGITS = 40
# Below Python's 4,300-digit int->str limit (about 3,600 digits), so every value can be printed.
MAX_BITS = 12_000
MAX_SYMBOLIC_POWER = 16
MAX_ROOT_BASE_DIGITS = 30
MAX_ROOT_INDEX = 12
MAX_DEPTH = 80


class ExpressionError(ReasonerError):
    """Text is not an arithmetic expression this module evaluates, or is too big to evaluate."""


@dataclass(frozen=True)
class ParsedExpression:
    """A validated expression tree and the variable names it uses."""

    text: str
    tree: ast.expr
    variables: frozenset[str]


def parse_tokens(tokens: list[Token], text: str = "") -> ParsedExpression:
    """Validate a token run as one arithmetic expression.

    Args:
        tokens: tokens from `lex`, with no "=" or word among them.
        text: the source text, kept for messages.

    Returns:
        The parsed expression.

    Raises:
        ExpressionError: the tokens do not form a whitelisted expression.
    """
    if not tokens:
        raise ExpressionError("empty expression")
    parts: list[str] = []
    prev: Token | None = None
    for tok in tokens:
        if tok.kind in ("eq", "word"):
            raise ExpressionError(f"{tok.text!r} is not arithmetic")
        if prev is not None and not tok.space_before and _implicit_product(prev, tok):
            parts.append("*")
        parts.append(_literal_source(tok.value) if tok.kind == "num" else tok.value)
        prev = tok
    source = " ".join(parts)
    if len(source) > 4 * MAX_TEXT_CHARS:
        raise ExpressionError(f"expression longer than {MAX_TEXT_CHARS} characters")
    try:
        tree = ast.parse(source, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise ExpressionError(f"not an expression: {text or source!r}") from exc
    names = _validate(tree, 0)
    return ParsedExpression(text or source, tree, frozenset(names))


def parse_expression(text: str) -> ParsedExpression:
    """Lex and validate `text` as one arithmetic expression (`2x + 1`, `12 × 7`, `1,234 - 5%`).

    Args:
        text: the expression, at most `MAX_TEXT_CHARS` characters.

    Returns:
        The parsed expression; evaluate it with `evaluate`.

    Raises:
        ExpressionError: the text is too long or not an arithmetic expression.
    """
    if len(text) > MAX_TEXT_CHARS:
        raise ExpressionError(f"expression longer than {MAX_TEXT_CHARS} characters")
    return parse_tokens(lex(text), text.strip())


def _implicit_product(prev: Token, tok: Token) -> bool:
    left = prev.kind in ("num", "var") or prev.value == ")"
    right = tok.kind == "var" or tok.value == "(" or (prev.value == ")" and tok.kind == "num")
    return left and right


def _literal_source(value: str) -> str:
    # A quoted literal keeps 12.5 and 20% exact; user text cannot hold quotes (they lex as words).
    if len(value.rstrip("%").replace(".", "")) > MAX_LITERAL_DIGITS:
        raise ExpressionError(f"number {value[:20]}... has more than {MAX_LITERAL_DIGITS} digits")
    return repr(value)


_ARITH_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)
_PYTHON_OPS = (ast.FloorDiv, ast.Mod)


def _validate(node: ast.AST, depth: int, python: bool = False) -> set[str]:
    if depth > MAX_DEPTH:
        raise ExpressionError("expression nested too deeply")
    if isinstance(node, ast.BinOp):
        allowed = _ARITH_OPS + _PYTHON_OPS if python else _ARITH_OPS
        if not isinstance(node.op, allowed):
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")
        return _validate(node.left, depth + 1, python) | _validate(node.right, depth + 1, python)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _validate(node.operand, depth + 1, python)
    if isinstance(node, ast.Constant) and type(node.value) in ((int, float) if python else (str,)):
        return set()
    if isinstance(node, ast.Name) and (python or len(node.id) == 1):
        return {node.id}
    raise ExpressionError(f"{type(node).__name__} is not allowed in arithmetic")


def validate_python(node: ast.expr) -> set[str]:
    """Check a node of a Python program against the arithmetic whitelist (plus `//` and `%`).

    Args:
        node: an expression node from `ast.parse` of a program.

    Returns:
        The names it reads.

    Raises:
        ExpressionError: the node holds anything but numbers, names and arithmetic operators.
    """
    return _validate(node, 0, python=True)


def evaluate(
    parsed: ParsedExpression | ast.expr,
    env: Mapping[str, sympy.Expr] | None = None,
    *,
    symbols: bool = True,
) -> sympy.Expr:
    """Build the exact SymPy value of a validated expression.

    Args:
        parsed: from `parse_expression`/`parse_tokens`, or a node passed by `validate_python`.
        env: values for names; other names become SymPy symbols when `symbols` is true.
        symbols: allow free variables in the result.

    Returns:
        The value: a Rational, an algebraic number, or a symbolic expression.

    Raises:
        ExpressionError: an unbound name, a division by zero, or a value past the size caps.
    """
    tree = parsed.tree if isinstance(parsed, ParsedExpression) else parsed
    return _build(tree, env or {}, symbols)


def _build(node: ast.AST, env: Mapping[str, sympy.Expr], symbols: bool) -> sympy.Expr:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):  # a literal from `lex`: "1234", "12.5" or "20%"
            number = Fraction(node.value.rstrip("%")) / (100 if node.value.endswith("%") else 1)
            return sympy.Rational(number.numerator, number.denominator)
        if isinstance(node.value, float):
            if node.value != node.value or abs(node.value) == float("inf"):
                raise ExpressionError("not a finite number")
            return _checked(sympy.Rational(repr(node.value)))
        if not isinstance(node.value, int) or node.value.bit_length() > MAX_LITERAL_DIGITS * 4:
            raise ExpressionError("number literal too large")
        return sympy.Integer(node.value)
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        if not symbols:
            raise ExpressionError(f"{node.id!r} has no value")
        return sympy.Symbol(node.id)
    if isinstance(node, ast.UnaryOp):
        operand = _build(node.operand, env, symbols)
        return -operand if isinstance(node.op, ast.USub) else operand
    if not isinstance(node, ast.BinOp):
        raise ExpressionError(f"{type(node).__name__} is not allowed in arithmetic")
    left = _build(node.left, env, symbols)
    right = _build(node.right, env, symbols)
    op = node.op
    if isinstance(op, ast.Add):
        return _checked(left + right)
    if isinstance(op, ast.Sub):
        return _checked(left - right)
    if isinstance(op, ast.Mult):
        return _checked(left * right)
    if isinstance(op, ast.Pow):
        return _power(left, right)
    if right == 0:
        raise ExpressionError("division by zero")
    if isinstance(op, ast.Div):
        return _checked(left / right)
    if not (left.is_Rational and right.is_Rational):
        raise ExpressionError("// and % need plain numbers")
    quotient = sympy.floor(left / right)
    return _checked(quotient if isinstance(op, ast.FloorDiv) else left - right * quotient)


def _power(base: sympy.Expr, exponent: sympy.Expr) -> sympy.Expr:
    if not exponent.is_Rational:
        raise ExpressionError("an exponent must be a plain number")
    exp = sympy.Rational(exponent)
    if base.is_Rational:
        rational = sympy.Rational(base)
        if rational == 0 and exp < 0:
            raise ExpressionError("division by zero")
        if exp.q != 1:
            too_big = max(abs(rational.p), rational.q) >= 10**MAX_ROOT_BASE_DIGITS
            if too_big or exp.q > MAX_ROOT_INDEX or abs(exp.p) > 100:
                raise ExpressionError("root too large to evaluate")
            if rational < 0:
                raise ExpressionError("root of a negative number")
        bits = max(abs(rational.p).bit_length(), rational.q.bit_length(), 1)
        if abs(exp.p) * bits > MAX_BITS * exp.q:
            raise ExpressionError("power too large to evaluate")
    elif exp.q != 1 or abs(exp.p) > MAX_SYMBOLIC_POWER:
        raise ExpressionError(f"exponents of symbols or roots are capped at {MAX_SYMBOLIC_POWER}")
    return _checked(base**exp)


def _checked(value: sympy.Expr) -> sympy.Expr:
    if value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise ExpressionError("division by zero")
    if value.is_Rational:
        rational = sympy.Rational(value)
        if max(abs(rational.p).bit_length(), rational.q.bit_length()) > MAX_BITS:
            raise ExpressionError("intermediate value too large")
    return value


def format_value(value: sympy.Expr) -> str:
    """Show a value for evidence: `84`, `12.5`, `10/3 ≈ 3.333333333`, `≈ 1.414213562`.

    Args:
        value: a SymPy value from `evaluate`.

    Returns:
        A short human-readable form.
    """
    if value.is_Integer:
        digits = str(value)
        return digits if len(digits) <= 60 else f"{digits[:12]}...({len(digits)} digits)"
    if value.is_Rational:
        rational = sympy.Rational(value)
        places = _decimal_places(rational.q)
        if places is not None:
            scaled = abs(rational.p) * 10**places // rational.q
            whole, frac = divmod(scaled, 10**places)
            return f"{'-' if rational.p < 0 else ''}{whole}.{frac:0{places}d}"
        return f"{format_value(sympy.Integer(rational.p))}/{rational.q} ≈ {sympy.N(rational, 10)}"
    if value.is_number:
        return f"≈ {sympy.N(value, 10)}"
    return str(value)


def _decimal_places(denominator: int) -> int | None:
    """Digits after the point of a fraction with this denominator, if it terminates soon."""
    for places in range(1, 13):
        if 10**places % denominator == 0:
            return places
    return None


def values_equal(left: sympy.Expr, right: sympy.Expr) -> bool:
    """Exact equality of two numbers; algebraic ones (roots) are compared to 40 digits.

    Args:
        left: a value from `evaluate`.
        right: another.

    Returns:
        Whether they are the same number (False when either is symbolic).
    """
    diff = left - right
    if diff.is_Rational:
        return bool(diff == 0)
    if not diff.is_number:
        return False
    return bool(abs(sympy.N(diff, 50)) < sympy.Rational(1, 10**40))


def literal_decimal_places(text: str) -> int | None:
    """How many decimals a bare number literal states (`3.33` -> 2), or None if not one.

    Args:
        text: one side of a claim, or an answer.

    Returns:
        The digits after the point when `text` is a single decimal literal, else None.
    """
    tokens = lex(text)
    if len(tokens) == 2 and tokens[0].value == "-":
        tokens = tokens[1:]
    if len(tokens) != 1 or tokens[0].kind != "num" or "." not in tokens[0].value:
        return None
    return len(tokens[0].value.rstrip("%").split(".")[1])


def within_places(left: sympy.Expr, right: sympy.Expr, places: int) -> bool:
    """Whether one number is the other rounded to `places` decimals (10/3 and 3.33).

    Only correct rounding passes: 2/3 = 0.66 is a truncation and a real slip.

    Args:
        left: a value.
        right: another.
        places: decimals stated by the literal side.

    Returns:
        Whether the stated precision covers the difference.
    """
    diff = left - right
    if not diff.is_number:
        return False
    return bool(abs(sympy.N(diff, 50)) <= sympy.Rational(1, 2 * 10**places))
