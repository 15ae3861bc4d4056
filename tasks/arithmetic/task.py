"""The arithmetic task: generated expressions, graded exactly.

`check` re-evaluates the expression in the problem, so for this task the inference-time
checker is an oracle for correctness. That is allowed (it uses the problem, not the gold)
and worth knowing when reading results of `check >> retry` pipelines: its evidence says that
an answer is wrong, never what the right one is.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from fractions import Fraction
from typing import Any, ClassVar

from reasoner.answers import (
    evaluate_arithmetic,
    format_number,
    numbers_equal,
    parse_number,
    same_number,
)
from reasoner.constraints import number_constraint
from reasoner.display import display_number
from reasoner.task import Task
from reasoner.types import AnswerConstraint, Example, PalExemplar, Problem, Verdict
from reasoner_tasks.arithmetic import prompts
from reasoner_tasks.arithmetic.generator import random_expression


def make_problem(expression: str, digits: int, terms: int, index: int = 0) -> Problem:
    """The problem asking for the value of `expression`.

    Args:
        expression: the expression text.
        digits: operand digits (difficulty).
        terms: operand count (difficulty).
        index: position among the problems of this difficulty (part of the id).

    Returns:
        The problem.
    """
    return Problem(
        id=f"arithmetic-d{digits}-t{terms}-{index:03d}",
        task="arithmetic",
        prompt=prompts.question(expression),
        payload={"expression": expression},
        program_inputs={},
        difficulty={"digits": digits, "terms": terms},
    )


class ArithmeticTask(Task):
    """Arithmetic expressions; see `arithmetic` for the parameters."""

    name: ClassVar[str] = "arithmetic"
    answer_instruction: ClassVar[str] = prompts.ANSWER_INSTRUCTION

    def __init__(
        self, digits: list[int], terms: list[int], ops: str, n: int, seed: int, parens: bool
    ) -> None:
        super().__init__()
        self.digits = digits
        self.terms = terms
        self.ops = ops
        self.n = n
        self.seed = seed
        self.parens = parens

    def examples(self) -> Iterator[Example]:
        for digits in self.digits:
            for terms in self.terms:
                rng = random.Random(f"arithmetic:{self.seed}:{digits}:{terms}:{self.ops}")
                for index in range(self.n):
                    text, value = random_expression(rng, digits, terms, self.ops, self.parens)
                    problem = make_problem(text, digits, terms, index)
                    yield Example(problem=problem, gold=value)

    def parse(self, text: str) -> Fraction | None:
        """The final number: "Answer: 3/4", "The answer is 1,234.", "= -56", or the last one."""
        return parse_number(text)

    def format(self, value: Any) -> str:
        return format_number(value)

    def display(self, answer: str, problem: Problem | None = None) -> str:
        return display_number(self, answer, problem)

    def check(self, problem: Problem, value: Any) -> Verdict:
        """Re-evaluate the problem's expression exactly and compare."""
        expression = problem.payload["expression"]
        if not isinstance(value, Fraction):
            return Verdict(checker="arithmetic", status="failed", evidence="no number found")
        exact = evaluate_arithmetic(expression)
        if numbers_equal(value, exact):
            evidence = f"re-evaluating {expression} exactly agrees with {format_number(value)}"
            return Verdict(checker="arithmetic", status="passed", evidence=evidence)
        evidence = f"{format_number(value)} is not the value of {expression}"
        return Verdict(checker="arithmetic", status="failed", evidence=evidence)

    def score(self, example: Example, value: Any) -> bool:
        """Exact, except that a non-integer may be a float rendering (see `numbers_equal`)."""
        return isinstance(value, Fraction) and numbers_equal(value, example.gold)

    def same_answer(self, value: Any, other: Any) -> bool:
        return same_number(value, other)

    def pal_exemplars(self) -> list[PalExemplar]:
        return prompts.pal_exemplars()

    def direct_exemplars(self) -> list[tuple[str, str]]:
        return prompts.direct_exemplars()

    def answer_constraint(self, problem: Problem) -> AnswerConstraint | None:
        """An integer or an exact fraction such as -7/3."""
        return number_constraint(fraction=True)
