"""Random arithmetic expressions over d-digit integers, rendered with minimal parentheses.

The rendered text is what gets graded: the gold value is computed from the string the model
sees (with `reasoner.answers.evaluate_arithmetic`), never from the tree that produced it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from fractions import Fraction

from reasoner.answers import ArithmeticExpressionError, evaluate_arithmetic
from reasoner.errors import BadTaskSpec

OPERATORS = "+-*/"
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


@dataclass(frozen=True)
class Node:
    """A binary operation; leaves are plain ints."""

    op: str
    left: Node | int
    right: Node | int


def render(node: Node | int) -> str:
    """Text of an expression tree with only the parentheses its value needs.

    A right operand of the same precedence keeps its parentheses after - and /
    (a - (b - c), a / (b * c)); after + and * they change nothing and are dropped.

    Args:
        node: the tree, or an int leaf.

    Returns:
        e.g. "(12 + 3) * 4".
    """
    if isinstance(node, int):
        return str(node)
    prec = _PRECEDENCE[node.op]
    left = render(node.left)
    if isinstance(node.left, Node) and _PRECEDENCE[node.left.op] < prec:
        left = f"({left})"
    right = render(node.right)
    if isinstance(node.right, Node):
        right_prec = _PRECEDENCE[node.right.op]
        if right_prec < prec or (right_prec == prec and node.op in "-/"):
            right = f"({right})"
    return f"{left} {node.op} {right}"


def random_expression(
    rng: random.Random, digits: int, terms: int, ops: str, parens: bool
) -> tuple[str, Fraction]:
    """One expression and its exact value.

    Args:
        rng: the random source (seeded by the caller, for reproducibility).
        digits: digits of every operand (the first is never 0).
        terms: how many operands.
        ops: the operators to draw from, a subset of "+-*/".
        parens: group operands by a random tree (parentheses where needed) rather than
            writing them left to right under the usual precedence.

    Returns:
        (expression text, exact value).
    """
    while True:
        leaves = [rng.randint(10 ** (digits - 1), 10**digits - 1) for _ in range(terms)]
        operators = [rng.choice(ops) for _ in range(terms - 1)]
        if parens:
            text = render(_random_tree(rng, leaves, operators))
        else:
            text = str(leaves[0]) + "".join(
                f" {op} {leaf}" for op, leaf in zip(operators, leaves[1:], strict=True)
            )
        try:
            return text, evaluate_arithmetic(text)
        except ArithmeticExpressionError:  # division by a zero sub-expression: draw again
            continue


def _random_tree(rng: random.Random, leaves: list[int], operators: list[str]) -> Node | int:
    """A uniformly random split point at each level; operators keep their order."""
    if len(leaves) == 1:
        return leaves[0]
    split = rng.randint(1, len(leaves) - 1)
    return Node(
        operators[split - 1],
        _random_tree(rng, leaves[:split], operators[: split - 1]),
        _random_tree(rng, leaves[split:], operators[split:]),
    )


def parse_span(value: int | str, name: str, low: int, high: int) -> list[int]:
    """Values of a parameter written as 3, "3", "2-4" or "2+5".

    Args:
        value: the parameter value.
        name: the parameter's name, for the error message.
        low: smallest allowed value.
        high: largest allowed value.

    Returns:
        The values, in order, without repeats.

    Raises:
        BadTaskSpec: a part is not a number or range, or is out of bounds.
    """
    values: list[int] = []
    for part in re.split(r"[+,\s]+", str(value).strip()):
        match = re.fullmatch(r"([0-9]{1,3})(?:-([0-9]{1,3}))?", part)
        start, stop = (int(match[1]), int(match[2] or match[1])) if match else (0, -1)
        if not match or not low <= start <= stop <= high:
            raise BadTaskSpec(
                f"arithmetic: bad {name}={value!r}: write a number ({low}), a range "
                f"({low}-{high}) or numbers joined by + ({low}+{high}), each from {low} to {high}"
            )
        values.extend(v for v in range(start, stop + 1) if v not in values)
    return values


def check_ops(ops: str) -> str:
    """The operator set, validated.

    Raises:
        BadTaskSpec: empty, or holding a character other than + - * /.
    """
    cleaned = "".join(dict.fromkeys(ops.replace(" ", "")))
    if not cleaned or any(op not in OPERATORS for op in cleaned):
        raise BadTaskSpec(
            f"arithmetic: bad ops={ops!r}: write some of + - * / together, e.g. ops=+-*"
        )
    return cleaned
