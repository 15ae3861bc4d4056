"""`sympy_check`: re-check the arithmetic and algebraic claims of a reasoning text or program
with SymPy, in the spirit of neuro-symbolic verification (e.g. Pan et al. 2023, Logic-LM;
Gou et al. 2023, CRITIC: tools verify what the model states).

Claims such as "12 * 7 = 84" or "x = 5 solves 2x+1=11" are parsed (never evaluated as code)
and re-computed exactly; a PAL program is also compared with the expression its question
asks about, which catches the copy errors small models make. A false step is a failed
verdict with the step as evidence.
"""

from __future__ import annotations

from reasoner import Session, Verdict, strategy
from reasoner.checks import (
    check_answer_against_question,
    check_program_against_question,
    claims_verdict,
)

CHECKER = "sympy_check"


def combine(verdicts: list[Verdict]) -> tuple[str, str]:
    """Failed if any failed (their evidence), else passed if any passed, else unknown."""
    failed = [v.evidence for v in verdicts if v.failed]
    if failed:
        return "failed", "; ".join(failed)
    passed = [v.evidence for v in verdicts if v.passed]
    if passed:
        return "passed", "; ".join(passed)
    return "unknown", "; ".join(v.evidence for v in verdicts if v.evidence) or "no checkable claim"


@strategy
def sympy_check(recompute: bool = False):
    """Re-check the candidate's arithmetic claims (and a program's expression) with SymPy.

    Args:
        recompute: also compare the final answer with the question's own expression when the
            question is a bare expression. Off by default: on arithmetic suites it turns the
            check into an oracle, which measures SymPy rather than the pipeline.
    """

    async def run(s: Session) -> None:
        attempt = s.candidate
        if attempt is None:
            s.verdict(CHECKER, "unknown", "no candidate to check")
            return
        verdicts = []
        if attempt.program:
            verdicts.append(check_program_against_question(s.problem.prompt, attempt.program))
            verdicts.append(claims_verdict(attempt.program))
        if attempt.text and attempt.text != attempt.program:
            verdicts.append(claims_verdict(attempt.text))
        if recompute and attempt.answer is not None:
            verdicts.append(check_answer_against_question(s.problem.prompt, attempt.answer))
        status, evidence = combine(verdicts)
        s.verdict(CHECKER, status, evidence)  # type: ignore[arg-type]

    return run
