"""A small constraint language that a small model can write and Z3 can solve (Logic-LM, SatLM).

    var apples: int            # declare: int, real or bool; several at once: var a, b: int
    var price: real
    apples >= 0                # one condition a line: == != < <= > >= (a lone = means ==)
    apples == 3 * 4 + 2        # arithmetic: + - * / // % ** (constant power), parentheses
    price * apples == 28       # decimals are exact: 0.1 is 1/10; / is true division
    0 <= price <= 10           # chained comparisons
    not (apples > 20) or price < 3   # and, or, not; `a if c else b`; abs(), min(), max()
    answer: apples             # the variable or expression that is the answer

`//` and `%` take int sides and follow Z3's Euclidean division (Python's, for positive divisors).
`#` starts a comment; bullets ("- ", "1. ") and header lines ("Constraints:") are skipped. Prose
around the block is ignored: the block is the first ``` fence holding a `var` line, else the
lines from the first `var` line through the `answer:` line. Each line is parsed with `ast` and
built over a whitelist of node types, so nothing the model writes is ever evaluated.
"""

from __future__ import annotations

import ast
import keyword
import re
from dataclasses import dataclass
from fractions import Fraction

import z3

from reasoner.errors import ReasonerError

MAX_TEXT_CHARS = 20_000
MAX_LINE_CHARS = 400
MAX_VARIABLES = 50
MAX_CONSTRAINTS = 200
MAX_LITERAL_DIGITS = 30
MAX_POWER = 8
SORTS = {
    "int": "int",
    "integer": "int",
    "real": "real",
    "float": "real",
    "number": "real",
    "decimal": "real",
    "bool": "bool",
    "boolean": "bool",
}
_RESERVED = {"var", "answer", "true", "false", "abs", "min", "max"}
_DECLARATION = re.compile(r"var\s+(?P<names>[^:]+?)\s*:\s*(?P<sort>[A-Za-z]+)", re.IGNORECASE)
_ANSWER = re.compile(r"answer\s*:\s*(?P<expr>.*)", re.IGNORECASE)
_BULLET = re.compile(r"^(?:[-*•]|\d{1,3}[.)])\s+")
_HEADER = re.compile(r"^[A-Za-z][A-Za-z ]*:$")
_NORMAL = {"≤": "<=", "≥": ">=", "≠": "!=", "×": "*", "÷": "/", "−": "-", "^": "**"}


class ParseError(ReasonerError):
    """A constraint block that cannot be read; `line` is 1-based in the text given, if known."""

    def __init__(self, reason: str, line: int | None = None, text: str = "") -> None:
        self.reason = reason
        self.line = line
        where = f"constraints line {line}" if line is not None else "constraints"
        quoted = f" (`{text[:80]}`)" if text else ""
        super().__init__(f"{where}: {reason}{quoted}")


@dataclass(frozen=True)
class Constraint:
    """One condition: the line it came from, as written, and its Z3 form."""

    line: int
    text: str
    expr: z3.BoolRef


@dataclass(frozen=True)
class Formalisation:
    """A parsed constraint block; every Z3 term lives in its own `context` (thread-safe use)."""

    context: z3.Context
    variables: dict[str, str]  # name -> "int" | "real" | "bool"
    constraints: tuple[Constraint, ...]
    answer_text: str
    answer: z3.ExprRef
    answer_line: int


def parse_constraints(text: str) -> Formalisation:
    """Read a constraint block (see the module docstring for the language) into Z3 terms.

    Args:
        text: model output holding the block, possibly inside prose or a ``` fence.

    Returns:
        The formalisation: variables, constraints and the answer term.

    Raises:
        ParseError: naming the line and what is wrong with it.
    """
    if len(text) > MAX_TEXT_CHARS:
        raise ParseError(f"text longer than {MAX_TEXT_CHARS} characters; state fewer constraints")
    ctx = z3.Context()
    variables: dict[str, str] = {}
    terms: dict[str, z3.ExprRef] = {}
    constraints: list[Constraint] = []
    for number, raw in _block(text):
        line = _clean(raw)
        if len(line) > MAX_LINE_CHARS:
            raise ParseError(f"line longer than {MAX_LINE_CHARS} characters", number)
        answer = _ANSWER.fullmatch(line)
        if answer:
            answer_text = answer["expr"].strip()
            if not answer_text:
                raise ParseError("`answer:` names nothing; write `answer: NAME`", number, line)
            expr = _Builder(ctx, terms, number, answer_text).build_line()
            consts = tuple(constraints)
            return Formalisation(ctx, variables, consts, answer_text, expr, number)
        if not line or _HEADER.match(line):
            continue
        declaration = _DECLARATION.fullmatch(line)
        if declaration:
            _declare(declaration, number, line, ctx, variables, terms)
            continue
        if line.lower().startswith("var "):
            raise ParseError("a declaration reads `var NAME: int` (or real, bool)", number, line)
        expr = _Builder(ctx, terms, number, line).build_line()
        if not z3.is_bool(expr):
            raise ParseError("not a condition; compare with ==, !=, <, <=, >, >=", number, line)
        constraints.append(Constraint(number, line, expr))
        if len(constraints) > MAX_CONSTRAINTS:
            raise ParseError(f"more than {MAX_CONSTRAINTS} constraints", number)
    if not variables:
        raise ParseError("no `var NAME: int` declaration found; declare each unknown first")
    raise ParseError("no `answer: NAME` line; end the block with the answer's variable")


def _block(text: str) -> list[tuple[int, str]]:
    """The numbered lines of the constraint block: a fence holding `var`, else from `var` on."""
    lines = list(enumerate(text.splitlines(), start=1))
    fences: list[list[tuple[int, str]]] = []
    inside: list[tuple[int, str]] | None = None
    for number, line in lines:
        if line.strip().startswith("```"):
            if inside is None:
                inside = []
            else:
                fences.append(inside)
                inside = None
        elif inside is not None:
            inside.append((number, line))
    for fence in fences:
        if any(_is_declaration(line) for _, line in fence):
            lines = fence
            break
    start = next((i for i, (_, line) in enumerate(lines) if _is_declaration(line)), len(lines))
    return lines[start:]


def _is_declaration(line: str) -> bool:
    return _clean(line).lower().startswith("var ")


def _clean(line: str) -> str:
    line = line.split("#", 1)[0].strip().strip("`").strip()
    line = _BULLET.sub("", line)
    return line.rstrip(";,").strip()


def _declare(
    match: re.Match[str],
    number: int,
    line: str,
    ctx: z3.Context,
    variables: dict[str, str],
    terms: dict[str, z3.ExprRef],
) -> None:
    sort = SORTS.get(match["sort"].lower())
    if sort is None:
        raise ParseError(f"unknown type {match['sort']!r}; use int, real or bool", number, line)
    for name in (n.strip() for n in match["names"].split(",")):
        if not name.isidentifier() or keyword.iskeyword(name) or name.lower() in _RESERVED:
            raise ParseError(f"{name!r} cannot be a variable name", number, line)
        if name in variables:
            raise ParseError(f"{name!r} is declared twice", number, line)
        if len(variables) >= MAX_VARIABLES:
            raise ParseError(f"more than {MAX_VARIABLES} variables", number, line)
        variables[name] = sort
        make = {"int": z3.Int, "real": z3.Real, "bool": z3.Bool}[sort]
        terms[name] = make(name, ctx)


class _Builder:
    """Builds one line's Z3 term from its `ast`, over a whitelist of node types."""

    def __init__(self, ctx: z3.Context, terms: dict[str, z3.ExprRef], number: int, line: str):
        self.ctx, self.terms, self.number, self.line = ctx, terms, number, line
        source = line.strip()
        for old, new in _NORMAL.items():
            source = source.replace(old, new)
        source = source.replace("&&", " and ").replace("||", " or ")
        source = re.sub(r"!(?!=)", " not ", source)
        self.source = re.sub(r"(?<![=!<>])=(?!=)", "==", source)

    def fail(self, reason: str) -> ParseError:
        return ParseError(reason, self.number, self.line)

    def build_line(self) -> z3.ExprRef:
        try:
            tree = ast.parse(self.source, mode="eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            raise self.fail("not a condition or expression this language knows") from exc
        try:
            return self.build(tree.body)
        except (z3.Z3Exception, RecursionError) as exc:
            raise self.fail(f"Z3 cannot build it: {exc}") from exc

    def build(self, node: ast.AST) -> z3.ExprRef:
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            if node.id in self.terms:
                return self.terms[node.id]
            if node.id.lower() in ("true", "false"):
                return z3.BoolVal(node.id.lower() == "true", self.ctx)
            raise self.fail(f"unknown name {node.id!r}; declare it first: `var {node.id}: int`")
        if isinstance(node, ast.UnaryOp):
            operand = self.build(node.operand)
            if isinstance(node.op, ast.Not):
                return z3.Not(self.boolean(operand, "not"), self.ctx)
            if isinstance(node.op, ast.USub):
                return -self.number_term(operand, "-")
            if isinstance(node.op, ast.UAdd):
                return self.number_term(operand, "+")
        if isinstance(node, ast.BoolOp):
            parts = [self.boolean(self.build(v), "and/or") for v in node.values]
            return z3.And(*parts) if isinstance(node.op, ast.And) else z3.Or(*parts)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.BinOp):
            return self.arithmetic(node)
        if isinstance(node, ast.IfExp):
            test = self.boolean(self.build(node.test), "if")
            return z3.If(test, self.build(node.body), self.build(node.orelse), self.ctx)
        if isinstance(node, ast.Call):
            return self.call(node)
        raise self.fail(f"{type(node).__name__} is not part of the language")

    def constant(self, node: ast.Constant) -> z3.ExprRef:
        if isinstance(node.value, bool):
            return z3.BoolVal(node.value, self.ctx)
        segment = ast.get_source_segment(self.source, node) or ""
        if type(node.value) not in (int, float) or len(segment) > MAX_LITERAL_DIGITS:
            raise self.fail(f"{segment[:20] or type(node.value).__name__} is not a number here")
        if isinstance(node.value, int):
            return z3.IntVal(node.value, self.ctx)
        try:
            exact = Fraction(segment.replace("_", ""))
        except ValueError as exc:
            raise self.fail(f"{segment} is not a number") from exc
        return z3.RealVal(f"{exact.numerator}/{exact.denominator}", self.ctx)

    def number_term(self, term: z3.ExprRef, where: str) -> z3.ArithRef:
        if not z3.is_arith(term):
            raise self.fail(f"{where} needs numbers, not true/false")
        return term  # type: ignore[return-value]

    def boolean(self, term: z3.ExprRef, where: str) -> z3.BoolRef:
        if not z3.is_bool(term):
            raise self.fail(f"{where} needs conditions, not numbers")
        return term  # type: ignore[return-value]

    def compare(self, node: ast.Compare) -> z3.BoolRef:
        parts = []
        left = self.build(node.left)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.build(right_node)
            if isinstance(op, (ast.Eq, ast.NotEq)) and z3.is_bool(left) and z3.is_bool(right):
                parts.append(left == right if isinstance(op, ast.Eq) else left != right)
            elif isinstance(op, (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)):
                a, b = (
                    self.number_term(left, "a comparison"),
                    self.number_term(right, "a comparison"),
                )
                parts.append(_COMPARE[type(op)](a, b))
            else:
                raise self.fail(f"{type(op).__name__} is not a comparison this language knows")
            left = right
        return parts[0] if len(parts) == 1 else z3.And(*parts)

    def arithmetic(self, node: ast.BinOp) -> z3.ArithRef:
        left = self.number_term(self.build(node.left), "arithmetic")
        if isinstance(node.op, ast.Pow):
            power = node.right
            if not (isinstance(power, ast.Constant) and type(power.value) is int):
                raise self.fail("an exponent must be a whole number written out, like x ** 2")
            if not 0 <= power.value <= MAX_POWER:
                raise self.fail(f"exponents run from 0 to {MAX_POWER}")
            result: z3.ArithRef = (
                z3.IntVal(1, self.ctx) if z3.is_int(left) else z3.RealVal(1, self.ctx)
            )
            for _ in range(power.value):
                result = result * left
            return result
        right = self.number_term(self.build(node.right), "arithmetic")
        op = node.op
        if isinstance(op, ast.Add):
            return left + right
        if isinstance(op, ast.Sub):
            return left - right
        if isinstance(op, ast.Mult):
            return left * right
        if isinstance(
            op, ast.Div
        ):  # Z3 divides two ints as integers; the language means true division
            if z3.is_int(left) and z3.is_int(right):
                return z3.ToReal(left) / z3.ToReal(right)
            return left / right
        if isinstance(op, (ast.FloorDiv, ast.Mod)):
            if not (z3.is_int(left) and z3.is_int(right)):
                raise self.fail("// and % need int sides")
            return left / right if isinstance(op, ast.FloorDiv) else left % right
        raise self.fail(f"operator {type(op).__name__} is not part of the language")

    def call(self, node: ast.Call) -> z3.ExprRef:
        name = node.func.id if isinstance(node.func, ast.Name) else ""
        if name not in ("abs", "min", "max") or node.keywords:
            raise self.fail("the only functions are abs(x), min(a, b, ...), max(a, b, ...)")
        args = [self.number_term(self.build(a), name) for a in node.args]
        if name == "abs" and len(args) == 1:
            return z3.If(args[0] >= 0, args[0], -args[0], self.ctx)
        if name != "abs" and len(args) >= 2:
            best = args[0]
            for arg in args[1:]:
                best = z3.If(arg < best if name == "min" else arg > best, arg, best, self.ctx)
            return best
        raise self.fail(f"wrong number of arguments to {name}()")


_COMPARE = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
}
