"""Symbolic checkers: pure functions over text, no model calls.

- `arithmetic_claims`: find the equalities a reasoning text or program states and re-check
  each with SymPy (`claims_verdict`).
- `recompute`: redo a reasoning text's false calculations and carry the true results
  forward (`recompute`), a calculator applied after sampling.
- `question_expression`: compare a PAL program, or a final answer, with the arithmetic
  expression its question asks about.
- `constraint_language` and `z3_constraints`: a small declarative language the model writes
  a problem's constraints in, and Z3 checks of a candidate answer against them (`z3_verdict`).
- `safe_math` and `math_lexer`: the parser underneath, which never evaluates text as code.
"""

from reasoner.checks.arithmetic_claims import (
    Claim,
    ClaimResult,
    check_claim,
    check_claims,
    claims_verdict,
    find_claims,
)
from reasoner.checks.constraint_language import Formalisation, ParseError, parse_constraints
from reasoner.checks.question_expression import (
    check_answer_against_question,
    check_program_against_question,
    find_question_expression,
)
from reasoner.checks.recompute import Recomputed, recompute
from reasoner.checks.safe_math import ExpressionError, evaluate, parse_expression
from reasoner.checks.z3_constraints import ConstraintCheck, check_candidate, solve, z3_verdict

__all__ = [
    "Claim",
    "ClaimResult",
    "ConstraintCheck",
    "ExpressionError",
    "Formalisation",
    "ParseError",
    "Recomputed",
    "check_answer_against_question",
    "check_candidate",
    "check_claim",
    "check_claims",
    "check_program_against_question",
    "claims_verdict",
    "evaluate",
    "find_claims",
    "find_question_expression",
    "parse_constraints",
    "parse_expression",
    "recompute",
    "solve",
    "z3_verdict",
]
