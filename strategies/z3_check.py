"""`z3_check`: the model states the problem's constraints in a small declarative language,
which is parsed (never evaluated) into Z3; Z3 then checks the candidate answer against them,
or solves for it. Logic-LM (Pan et al. 2023) and SatLM (Ye et al. 2023) style.

An unparsable formalisation is an `unknown` verdict, not an exception; the constraints the
model wrote are in the trace.
"""

from __future__ import annotations

from reasoner import Attempt, Session, strategy
from reasoner.checks import ParseError, parse_constraints, solve, z3_verdict
from reasoner.types import Message

CHECKER = "z3_check"
INSTRUCTION = (
    "Write the problem's facts as constraints, one per line: declare each unknown with "
    "'var NAME: int' (or real), state each fact as an equation or inequality, and end with "
    "'answer: NAME'. Write only the constraints."
)
EXEMPLARS = [
    (
        "A shop sells pens at 3 dollars each. Ana buys 4 pens and pays with a 20 dollar note. "
        "How much change does she get?",
        "var cost: int\nvar change: int\ncost == 4 * 3\nchange == 20 - cost\nanswer: change",
    ),
    (
        "What is 125 * 4 - 36?",
        "var result: int\nresult == 125 * 4 - 36\nanswer: result",
    ),
    (
        "Two numbers add up to 30 and their difference is 4. What is the larger number?",
        "var larger: int\nvar smaller: int\nlarger + smaller == 30\nlarger - smaller == 4\n"
        "answer: larger",
    ),
]


def formalisation_messages(question: str) -> list[Message]:
    messages = []
    for q, constraints in EXEMPLARS:
        messages.append(Message(role="user", content=f"Question: {q}\n{INSTRUCTION}"))
        messages.append(Message(role="assistant", content=constraints))
    messages.append(Message(role="user", content=f"Question: {question}\n{INSTRUCTION}"))
    return messages


@strategy
def z3_check(solve_missing: bool = False, max_tokens: int = 200):
    """Formalise the problem as constraints, then let Z3 check (or solve for) the answer.

    Args:
        solve_missing: when the candidate fails or has no answer and the constraints
            determine the answer uniquely, propose Z3's answer as a new candidate.
        max_tokens: the most tokens for the formalisation.
    """

    async def run(s: Session) -> None:
        generation = await s.ask(
            formalisation_messages(s.problem.prompt), purpose="formalise", max_tokens=max_tokens
        )
        text = generation.text
        s.note("constraints", text)
        attempt = s.candidate
        candidate = attempt.answer if attempt is not None else None
        if candidate is None:
            verdict = None
        else:
            verdict = z3_verdict(text, candidate, checker=CHECKER)
            s.verdict(CHECKER, verdict.status, verdict.evidence)
        if solve_missing and (verdict is None or verdict.failed):
            _propose_solution(s, text)

    return run


def _propose_solution(s: Session, text: str) -> None:
    try:
        value = solve(parse_constraints(text))
    except ParseError as exc:
        s.note("z3_solve", f"constraints unreadable: {exc}")
        return
    answer = None if value is None else s.task.canonical(str(value))
    s.note("z3_solve", "no unique answer" if answer is None else f"z3 answer: {answer}")
    if answer is not None:
        s.propose(Attempt(strategy=CHECKER, text=text, answer=answer))
        s.verdict(CHECKER, "passed", f"z3 solved the constraints: answer {answer}")
