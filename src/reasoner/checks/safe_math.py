"""Turn arithmetic text into exact SymPy values without ever running it as code.

`sympify` and `parse_expr` evaluate Python (CVE-2024-46946), so neither sees untrusted text here.
Text is lexed into numbers, single-letter variables and operators, rebuilt as a tiny Python
expression, parsed with `ast`, and walked over a whitelist of node types to build SymPy values.
Caps on literal size, powers and intermediate results make hostile input such as `9**9**9**9`
fail at once with `ExpressionError` instead of hanging or exhausting memory.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

import sympy

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
  | (?P<times>(?<=[0-9)])[xX](?=[0-9(]))
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
                out[-1] = Token("num", prev.text + tok.text, merged, prev.start, tok.end, prev.space_before)
        elif tok.kind == "word" and tok.value == "of" and prev and prev.value.endswith("%"):
            out.append(Token("op", tok.text, "*", tok.start, tok.end, True))
        elif tok.kind == "var" and tok.value in "xX" and _operands_around(prev, nxt):
            out.append(Token("op", tok.text, "*", tok.start, tok.end, tok.space_before))
        elif tok.value == "%":
            out.append(Token("word", tok.text, "%", tok.start, tok.end, tok.space_before))
        else:
            out.append(tok)
        i += 1
    return out


def _operands_around(prev: Token | None, nxt: Token | None) -> bool:
    # "3 x 4" is a product, "2x + 1" is a variable.
    left = prev is not None and (prev.kind == "num" or prev.value == ")")
    right = nxt is not None and (nxt.kind == "num" or nxt.value == "(")
    return left and right


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
    percent = value.endswith("%")
    digits = value.rstrip("%")
    if len(digits.replace(".", "")) > MAX_LITERAL_DIGITS:
        raise ExpressionError(f"number {digits[:20]}... has more than {MAX_LITERAL_DIGITS} digits")
    number = Fraction(digits) / (100 if percent else 1)
    if number.denominator == 1:
        return str(number.numerator)
    return f"({number.numerator} / {number.denominator})"


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
    if isinstance(node, ast.Constant) and type(node.value) in ((int, float) if python else (int,)):
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
        q = rational.q
        for factor in (2, 5):
            while q % factor == 0:
                q //= factor
        if q == 1 and rational.q <= 10**12:
            return str(Fraction(rational.p, rational.q).__format__("f")).rstrip("0")
        return f"{format_value(sympy.Integer(rational.p))}/{rational.q} ≈ {sympy.N(rational, 10)}"
    if value.is_number:
        return f"≈ {sympy.N(value, 10)}"
    return str(value)
