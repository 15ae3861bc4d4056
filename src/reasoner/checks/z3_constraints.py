"""Judge a candidate answer against constraints the model wrote, with Z3 (Logic-LM, SatLM).

Logic-LM (Pan et al., 2023) and SatLM (Ye et al., 2023) let the model *state* a problem as
constraints and leave the solving to a solver, which does not slip. Here the model's block (see
`constraint_language`) is parsed, never evaluated, and a candidate is checked three ways:
- constraints alone unsat or undecided: unknown (the formalisation cannot judge anything);
- constraints with `answer == candidate` unsat: failed, naming the violated lines (unsat core);
- otherwise passed, saying whether the constraints also allow another answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy
import z3

from reasoner.checks.constraint_language import (
    Constraint,
    Formalisation,
    ParseError,
    parse_constraints,
)
from reasoner.checks.question_expression import stated_number
from reasoner.types import Status, Verdict

__all__ = [
    "ConstraintCheck",
    "Formalisation",
    "ParseError",
    "check_candidate",
    "parse_constraints",
    "solve",
    "z3_verdict",
]

CHECKER = "z3_check"
DEFAULT_TIMEOUT_MS = 2_000
Candidate = str | int | float | Fraction | bool
Value = int | Fraction | bool


@dataclass(frozen=True)
class ConstraintCheck:
    """The judgement of one candidate; `unique` says whether the constraints fix the answer."""

    status: Status
    evidence: str
    unique: bool | None = None

    def to_verdict(self, checker: str = CHECKER) -> Verdict:
        """This check as the pipeline's `Verdict`.

        Args:
            checker: the name the verdict carries.

        Returns:
            The verdict.
        """
        return Verdict(checker=checker, status=self.status, evidence=self.evidence)


def check_candidate(
    formalisation: Formalisation, candidate: Candidate, timeout_ms: int = DEFAULT_TIMEOUT_MS
) -> ConstraintCheck:
    """Whether the constraints allow `answer == candidate`, and whether they allow only that.

    Args:
        formalisation: from `parse_constraints`.
        candidate: the answer to judge: a number, a bool, or text stating one ("14", "3.5").
        timeout_ms: Z3's limit for each of the (at most three) solver calls.

    Returns:
        passed (with uniqueness in `unique` and the evidence), failed with the violated
        constraint lines, or unknown when the constraints cannot judge.
    """
    f = formalisation
    value = _candidate_term(f, candidate)
    if isinstance(value, str):
        return ConstraintCheck("unknown", f"z3: {value}")
    if isinstance(value, Fraction):  # a fraction for an int answer breaks the declaration itself
        return ConstraintCheck(
            "failed", f"z3: {f.answer_text} = {_show_fraction(value)} is not an int, as declared"
        )
    shown = f"{f.answer_text} = {_show(value)}"
    solver = z3.Solver(ctx=f.context)
    solver.set("timeout", timeout_ms)
    solver.set("core.minimize", True)
    labels = {}
    for c in f.constraints:
        label = z3.Bool(f"line {c.line}", f.context)
        labels[str(label)] = c
        solver.assert_and_track(c.expr, label)
    alone = solver.check()
    if alone == z3.unknown:
        reason = solver.reason_unknown()
        return ConstraintCheck("unknown", f"z3 gave up on the constraints (timeout? {reason})")
    if alone == z3.unsat:
        core = _core_text(solver, labels)
        return ConstraintCheck("unknown", f"z3: the constraints contradict each other ({core})")
    solver.push()
    solver.add(f.answer == value)
    with_candidate = solver.check()
    if with_candidate == z3.unknown:
        return ConstraintCheck("unknown", f"z3 gave up on {shown} ({solver.reason_unknown()})")
    if with_candidate == z3.unsat:
        core = _core_text(solver, labels) or "the declared types: no assignment gives that value"
        return ConstraintCheck("failed", f"z3: {shown} violates {core}")
    solver.pop()
    solver.add(f.answer != value)
    other = solver.check()
    n = len(f.constraints)
    holds = f"z3: {shown} satisfies " + ("the constraint" if n == 1 else f"all {n} constraints")
    if other == z3.unsat:
        return ConstraintCheck("passed", f"{holds}, and no other value does", True)
    if other == z3.sat:
        alternative = _show(solver.model().eval(f.answer, model_completion=True))
        evidence = f"{holds}, but so does {f.answer_text} = {alternative}: not unique"
        return ConstraintCheck("passed", evidence, False)
    return ConstraintCheck("passed", f"{holds} (uniqueness undecided)")


def _candidate_term(f: Formalisation, candidate: Candidate) -> z3.ExprRef | Fraction | str:
    """The candidate as a Z3 value of the answer's sort; a Fraction when the answer is an int
    and the candidate is not whole; a message when the candidate is no value at all."""
    if z3.is_bool(f.answer):
        words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
        text = str(candidate).strip().lower()
        flag = candidate if isinstance(candidate, bool) else words.get(text)
        if flag is None:
            return f"candidate {str(candidate)[:40]!r} is not true or false"
        return z3.BoolVal(flag, f.context)
    number = _candidate_number(candidate)
    if number is None:
        return f"candidate {str(candidate)[:40]!r} is not a number"
    if z3.is_int(f.answer):
        return z3.IntVal(number.numerator, f.context) if number.denominator == 1 else number
    return z3.RealVal(f"{number.numerator}/{number.denominator}", f.context)


def _candidate_number(candidate: Candidate) -> Fraction | None:
    if isinstance(candidate, bool):
        return None
    if isinstance(candidate, (int, Fraction)):
        return Fraction(candidate)
    if isinstance(candidate, float):
        finite = candidate == candidate and abs(candidate) != float("inf")
        return Fraction(repr(candidate)) if finite else None
    stated = stated_number(str(candidate)[:1_000])
    if stated is None or not stated[1].is_Rational:
        return None
    rational = sympy.Rational(stated[1])
    return Fraction(int(rational.p), int(rational.q))


def _core_text(solver: z3.Solver, labels: dict[str, Constraint]) -> str:
    core = [labels[str(label)] for label in solver.unsat_core() if str(label) in labels]
    return "; ".join(f"line {c.line}: {c.text}" for c in sorted(core, key=lambda c: c.line))


def _show(value: z3.ExprRef) -> str:
    if z3.is_true(value) or z3.is_false(value):
        return str(z3.is_true(value)).lower()
    converted = _python_value(value)
    if isinstance(converted, Fraction):
        return _show_fraction(converted)
    if converted is not None:
        return str(converted)
    return value.as_decimal(10) if z3.is_algebraic_value(value) else str(value)


def _show_fraction(number: Fraction) -> str:
    if number.denominator == 1:
        return str(number.numerator)
    scaled = number * 10**6
    if scaled.denominator == 1:  # a short decimal such as 3.5
        return f"{float(number):.6f}".rstrip("0")
    return f"{number.numerator}/{number.denominator}"


def _python_value(value: z3.ExprRef) -> Value | None:
    if z3.is_true(value) or z3.is_false(value):
        return z3.is_true(value)
    if z3.is_int_value(value):
        return int(value.as_long())  # type: ignore[attr-defined]
    if z3.is_rational_value(value):
        fraction = Fraction(value.numerator_as_long(), value.denominator_as_long())  # type: ignore[attr-defined]
        return fraction.numerator if fraction.denominator == 1 else fraction
    return None


def solve(formalisation: Formalisation, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> Value | None:
    """The answer the constraints determine, when they determine exactly one.

    Args:
        formalisation: from `parse_constraints`.
        timeout_ms: Z3's limit for each of the two solver calls.

    Returns:
        An int, a Fraction or a bool; None when the constraints are contradictory, allow
        several answers, fix an irrational one, or Z3 gives up.
    """
    solver = z3.Solver(ctx=formalisation.context)
    solver.set("timeout", timeout_ms)
    solver.add(*[c.expr for c in formalisation.constraints])
    if solver.check() != z3.sat:
        return None
    found = solver.model().eval(formalisation.answer, model_completion=True)
    value = _python_value(found)
    if value is None:
        return None
    solver.add(formalisation.answer != found)
    return value if solver.check() == z3.unsat else None


def z3_verdict(
    text: str,
    candidate: Candidate,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    checker: str = CHECKER,
) -> Verdict:
    """Parse a constraint block and judge a candidate; never raises on bad model output.

    Args:
        text: model output holding the constraint block.
        candidate: the answer to judge.
        timeout_ms: Z3's limit per solver call.
        checker: the name the verdict carries.

    Returns:
        The verdict; an unreadable block is unknown, with the parse error as evidence.
    """
    try:
        formalisation = parse_constraints(text)
    except ParseError as exc:
        return Verdict(
            checker=checker, status="unknown", evidence=f"z3: cannot read the constraints: {exc}"
        )
    try:
        return check_candidate(formalisation, candidate, timeout_ms).to_verdict(checker)
    except z3.Z3Exception as exc:
        return Verdict(checker=checker, status="unknown", evidence=f"z3 failed: {exc}")
