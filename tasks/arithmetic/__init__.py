"""Arithmetic: the exact value of a generated integer expression (integer or fraction)."""

from __future__ import annotations

from reasoner.errors import BadTaskSpec
from reasoner_tasks.arithmetic.generator import check_ops, parse_span
from reasoner_tasks.arithmetic.task import ArithmeticTask, make_problem

__all__ = ["ArithmeticTask", "arithmetic", "make_problem"]


def arithmetic(
    digits: int | str = 3,
    ops: str = "+-*/",
    terms: int | str = 2,
    n: int = 100,
    seed: int = 0,
    parens: bool = True,
) -> ArithmeticTask:
    """Exact arithmetic on generated expressions ("What is 123 * (45 - 678)?").

    Answers are integers or exact fractions; "3/4", "0.75" and "2 1/2" are read, and a
    non-integer printed as a float (a PAL program dividing) matches up to float rounding.
    The inference-time check re-evaluates the expression, so it is an oracle here.

    Args:
        digits: digits per operand: 3, a range "2-4", or "2+5"; each 1 to 12.
        ops: operators to draw from, some of "+-*/".
        terms: operands per expression: 2, a range "2-4", or "2+4"; each 2 to 8.
        n: problems per (digits, terms) pair.
        seed: random seed; the same seed gives the same problems.
        parens: group operands at random, with parentheses where needed (from 3 terms);
            false writes them left to right under the usual precedence.

    Returns:
        The task.
    """
    if n < 1:
        raise BadTaskSpec(f"arithmetic: n={n} must be at least 1")
    return ArithmeticTask(
        digits=parse_span(digits, "digits", 1, 12),
        terms=parse_span(terms, "terms", 2, 8),
        ops=check_ops(ops),
        n=n,
        seed=seed,
        parens=parens,
    )
