"""Compare a PAL program, or a final answer, with the arithmetic expression a question asks about.

A small model writing PAL code for "What is (123 + 456) * 78?" most often fails by copying a
number wrong (`(123 + 465) * 78`) or dropping parentheses. When the question holds exactly one
arithmetic expression, the program's own arithmetic is read from its syntax tree (never run),
values flow through straight-line assignments, and each computed expression is compared with
the question's exactly, in SymPy rationals.
"""

from __future__ import annotations

import ast
import copy
from collections import Counter
from dataclasses import dataclass
from typing import Any

import sympy

from reasoner.checks.math_lexer import Token, lex
from reasoner.checks.safe_math import (
    ExpressionError,
    ParsedExpression,
    evaluate,
    format_value,
    literal_decimal_places,
    parse_expression,
    parse_tokens,
    validate_python,
    values_equal,
    within_places,
)
from reasoner.types import Verdict

CHECKER = "sympy_check"
MAX_PROGRAM_CHARS = 20_000
MAX_INLINED_NODES = 200


@dataclass(frozen=True)
class _Computed:
    source: str  # the statement as written
    written: str  # its expression, normalised by ast.unparse
    expanded: str | None  # with earlier variables replaced by what they hold
    shape: str | None
    numbers: tuple[sympy.Expr, ...] | None
    value: sympy.Expr
    tree: ast.expr | None  # `expanded` as a tree, to expand later names that use this one
    is_operation: bool  # computes something (not a bare constant or a copy of a name)


def find_question_expression(question: str) -> ParsedExpression | None:
    """The one arithmetic expression a question asks about, if it holds exactly one.

    Args:
        question: the problem text, e.g. "What is (123 + 456) * 78?".

    Returns:
        The expression, or None when the question holds none, several, an equation or a
        variable (then it is not a pure-expression question).
    """
    found: list[ParsedExpression] = []
    for line in question[:MAX_PROGRAM_CHARS].splitlines():
        run: list[Token] = []
        for tok in [*lex(line), None]:
            if tok is not None and tok.kind != "word":
                run.append(tok)
                continue
            while run and run[-1].kind == "eq":
                run.pop()  # "12 * 7 = ?" asks about 12 * 7
            operation = any(t.kind == "op" and t.value not in ("(", ")") for t in run)
            if any(t.kind == "eq" for t in run) or (
                operation and any(t.kind == "var" for t in run)
            ):
                return None  # an equation or algebra, not a pure expression
            if operation:
                try:
                    parsed = parse_tokens(run, line[run[0].start : run[-1].end])
                except ExpressionError:
                    parsed = None
                if parsed is not None and _has_operation(parsed.tree):
                    found.append(parsed)
            run = []
    return found[0] if len(found) == 1 else None


def _question_target(question: str, checker: str) -> tuple[ParsedExpression, Any] | Verdict:
    """The question's expression and its exact value, or the `unknown` verdict saying why not."""
    target = find_question_expression(question)
    if target is None:
        return Verdict(
            checker=checker,
            status="unknown",
            evidence="the question holds no single arithmetic expression",
        )
    try:
        return target, evaluate(target, symbols=False)
    except ExpressionError as exc:
        return Verdict(
            checker=checker, status="unknown", evidence=f"cannot evaluate {target.text}: {exc}"
        )


def _mostly_same_numbers(
    found: tuple[sympy.Expr, ...] | None, asked: tuple[sympy.Expr, ...] | None
) -> bool:
    """At least two numbers, and half of the larger set, in common: a copy of the question's
    expression with a number dropped, added or changed (the typical small-model slip)."""
    if found is None or asked is None:
        return False
    common = sum((Counter(found) & Counter(asked)).values())
    return common >= 2 and 2 * common >= max(len(found), len(asked))


def _has_operation(tree: ast.expr) -> bool:
    return any(isinstance(node, ast.BinOp) for node in ast.walk(tree))


def check_program_against_question(question: str, program: str, checker: str = CHECKER) -> Verdict:
    """Whether a program computes the arithmetic expression its question asks about.

    Args:
        question: the problem text.
        program: the model-written Python; parsed, never executed.
        checker: the name the verdict carries.

    Returns:
        passed when some straight-line expression in the program equals the question's
        expression; failed when one has the question's shape or numbers but another value
        (a miscopied number, lost parentheses), naming both; unknown otherwise.
    """
    found = _question_target(question, checker)
    if isinstance(found, Verdict):
        return found
    target, target_value = found
    asks = f"question asks {target.text} = {format_value(target_value)}"
    computed = _computed_expressions(program)
    if computed is None:
        return Verdict(
            checker=checker, status="unknown", evidence="the program is not valid Python"
        )
    for item in computed:
        if values_equal(item.value, target_value):
            shown = item.source
            if item.expanded not in (None, item.written):
                shown += f" (that is {item.expanded})"
            value = format_value(item.value)
            return Verdict(
                checker=checker,
                status="passed",
                evidence=f"program computes the question's expression: {shown} = {value}",
            )
    shape, numbers = _shape(target.tree), _numbers(target.tree)
    for item in computed:
        if item.shape == shape or _mostly_same_numbers(item.numbers, numbers):
            written = item.expanded or item.source
            return Verdict(
                checker=checker,
                status="failed",
                evidence=f"program computes {written} = {format_value(item.value)}, {asks}",
            )
    return Verdict(
        checker=checker,
        status="unknown",
        evidence=f"no expression in the program matches the question's ({target.text})",
    )


def _computed_expressions(program: str) -> list[_Computed] | None:
    """Arithmetic the program computes in straight-line code, in order; None if unparsable."""
    if len(program) > MAX_PROGRAM_CHARS:
        return None
    try:
        module = ast.parse(program)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    values: dict[str, sympy.Expr] = {}
    trees: dict[str, ast.expr] = {}
    found: list[_Computed] = []
    for stmt in _straight_line(module.body):
        for targets, node in _computations(stmt):
            item = _compute(program, stmt, node, values, trees)
            for name in targets:  # an assignment we cannot follow makes its names unknown
                values.pop(name, None)
                trees.pop(name, None)
            if item is None:
                continue
            if item.is_operation:
                found.append(item)
            for name in targets:
                values[name] = item.value
                if item.tree is not None:
                    trees[name] = item.tree
    return found


def _straight_line(body: list[ast.stmt]) -> list[ast.stmt]:
    # Module level and function bodies run top to bottom; loops and branches are not followed.
    out: list[ast.stmt] = []
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.extend(_straight_line(stmt.body))
        else:
            out.append(stmt)
    return out


def _computations(stmt: ast.stmt) -> list[tuple[list[str], ast.expr]]:
    if isinstance(stmt, ast.Assign):
        names = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
        return [(names, stmt.value)] if len(names) == len(stmt.targets) else []
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
        return [([stmt.target.id], stmt.value)]
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
        name = stmt.target.id
        return [([name], ast.BinOp(ast.Name(name, ast.Load()), stmt.op, stmt.value))]
    if isinstance(stmt, ast.Return) and stmt.value is not None:
        return [([], stmt.value)]
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        return [([], arg) for arg in stmt.value.args]
    return []


def _compute(
    program: str,
    stmt: ast.stmt,
    node: ast.expr,
    values: dict[str, sympy.Expr],
    trees: dict[str, ast.expr],
) -> _Computed | None:
    """Evaluate one expression; None unless it is plain arithmetic over names with values."""
    try:
        names = validate_python(node)
        if not names <= values.keys():
            return None
        value = evaluate(node, values, symbols=False)
    except (ExpressionError, RecursionError):
        return None
    source = ast.get_source_segment(program, stmt) or ast.unparse(node)
    written = ast.unparse(node)
    inlined: ast.expr | None = None
    if names <= trees.keys():
        inlined = _Inline(trees).visit(copy.deepcopy(node))
        if sum(1 for _ in ast.walk(inlined)) > MAX_INLINED_NODES:
            inlined = None
    if inlined is None:
        return _Computed(source, written, None, None, None, value, None, _has_operation(node))
    expanded = ast.unparse(inlined)
    return _Computed(
        source,
        written,
        expanded,
        _shape(inlined),
        _numbers(inlined),
        value,
        inlined,
        _has_operation(inlined),
    )


class _Inline(ast.NodeTransformer):
    def __init__(self, trees: dict[str, ast.expr]) -> None:
        self.trees = trees

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return copy.deepcopy(self.trees[node.id])


def _shape(tree: ast.expr) -> str:
    """The expression with every number replaced by N: `(N + N) * N`."""
    blank = copy.deepcopy(tree)
    for node in ast.walk(blank):
        if isinstance(node, ast.Constant):
            node.value = 0
    return ast.unparse(blank).replace("0", "N")


def _numbers(tree: ast.expr) -> tuple[sympy.Expr, ...] | None:
    try:
        found = [evaluate(n, symbols=False) for n in ast.walk(tree) if isinstance(n, ast.Constant)]
    except ExpressionError:
        return None
    return tuple(sorted(found, key=lambda v: (float(v), str(v))))


def check_answer_against_question(question: str, answer: str, checker: str = CHECKER) -> Verdict:
    """Whether a final answer equals the question's expression, re-evaluated with SymPy.

    Args:
        question: the problem text, holding exactly one arithmetic expression.
        answer: the answer text: "45162", "45,162", "-3/4", "The answer is 12.5."
        checker: the name the verdict carries.

    Returns:
        passed when equal (or equal when rounded to the decimals the answer states), failed
        with the true value, unknown when the question is no pure expression or the answer has
        no number.
    """
    found = _question_target(question, checker)
    if isinstance(found, Verdict):
        return found
    target, target_value = found
    stated = stated_number(answer)
    if stated is None:
        return Verdict(
            checker=checker, status="unknown", evidence=f"answer {answer[:80]!r} states no number"
        )
    text, value = stated
    if values_equal(value, target_value):
        return Verdict(
            checker=checker, status="passed", evidence=f"answer {text} equals {target.text}"
        )
    places = literal_decimal_places(text)
    if places is not None and within_places(value, target_value, places):
        evidence = (
            f"answer {text} is {target.text} rounded to {places} decimal place"
            f"{'s' if places > 1 else ''} (exactly {format_value(target_value)})"
        )
        return Verdict(checker=checker, status="passed", evidence=evidence)
    evidence = f"answer {text} is wrong: {target.text} = {format_value(target_value)}"
    return Verdict(checker=checker, status="failed", evidence=evidence)


def stated_number(answer: str) -> tuple[str, sympy.Expr] | None:
    """The number an answer states: the whole text if it is arithmetic, else its last number.

    Args:
        answer: "45162", "45,162", "-3/4", "The answer is 12.5."

    Returns:
        The number as written and its exact value, or None when the text states none.
    """
    text = answer.strip().rstrip(".")
    try:
        return text, evaluate(parse_expression(text), symbols=False)
    except ExpressionError:
        pass
    tokens = lex(answer[:MAX_PROGRAM_CHARS])
    for index in range(len(tokens) - 1, -1, -1):
        if tokens[index].kind != "num":
            continue
        start = index
        sign = tokens[index - 1] if index else None
        if sign is not None and sign.value == "-" and not tokens[index].space_before:
            before = tokens[index - 2] if index > 1 else None
            if before is None or not (before.kind == "num" or before.value == ")"):
                start = index - 1
        try:
            value = evaluate(parse_tokens(tokens[start : index + 1]), symbols=False)
        except ExpressionError:
            return None
        return answer[tokens[start].start : tokens[index].end], value
    return None
