"""`pal`: program-aided language models (Gao et al. 2022, "PAL: Program-aided Language
Models"). The model writes a program; the sandbox runs it; the printed value is the answer.

The task's payload fields that it marks as program inputs are bound as variables before the
program runs (a FEN, a Hanoi size): a small model copies long strings badly, so handing them
over lets the program's logic, not the model's copying, decide the answer.
"""

from __future__ import annotations

import ast
import asyncio
import re
from typing import Any

from reasoner import Attempt, Generator, Session, strategy
from reasoner.loading import load_task
from reasoner.prompting import attempt_from
from reasoner.session import clip
from reasoner.task import Task
from reasoner.types import ExecutionResult, Message, PalExemplar

INSTRUCTION = "Write a Python program that prints the answer."
REPAIR_HINT = "Copy the numbers from the question exactly."
_FENCE = re.compile(r"```(?:python|py)?[ \t]*\n(.*?)(?:```|$)", re.S)


def extract_program(text: str) -> str:
    """The program in a reply: the first fenced block, or else the whole reply."""
    match = _FENCE.search(text)
    code = match.group(1) if match else text
    return code.strip("\n")


def complete_program(code: str) -> str:
    """Print the final value when the program forgot to: a last bare expression or assignment.

    PAL reads the answer from what a program returns or prints; our small model often writes
    `expression = ...` and stops. The program is only parsed here (never run) to find that name.
    """
    if "print(" in code:
        return code
    try:
        body = ast.parse(code).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return code  # the sandbox reports the syntax error to the user
    if not body:
        return code
    last = body[-1]
    if isinstance(last, ast.Expr):
        return code + f"\nprint({ast.get_source_segment(code, last.value) or '_'})"
    if (
        isinstance(last, ast.Assign)
        and len(last.targets) == 1
        and isinstance(last.targets[0], ast.Name)
    ):
        return code + f"\nprint({last.targets[0].id})"
    return code


def _as_result(outcome: ExecutionResult | BaseException) -> ExecutionResult:
    """A runner that raised still yields a failed result: its siblings' samples are kept."""
    if isinstance(outcome, ExecutionResult):
        return outcome
    if not isinstance(outcome, Exception):  # cancellation, KeyboardInterrupt: not ours to keep
        raise outcome
    error = f"the sandbox failed: {type(outcome).__name__}: {outcome}"
    return ExecutionResult(ok=False, error=error, reason="error")


def _read_answer(task: Task, result: ExecutionResult) -> tuple[str | None, str | None]:
    """(canonical answer, None), or (None, why there is none) for one program's result."""
    if not result.ok:
        return None, f"the program failed: {result.error}"
    try:
        answer = task.canonical(result.stdout)
    except Exception as exc:  # a task's parser must not cost the other samples their answers
        return None, f"the task could not read the program's output: {type(exc).__name__}"
    if answer is None:
        shown = result.stdout.strip()[-200:] or "nothing"
        return None, f"the program printed {shown!r}, which is not an answer in the expected format"
    return answer, None


def _describe_inputs(inputs: dict[str, Any]) -> str:
    if not inputs:
        return ""
    names = ", ".join(f"{k} ({type(v).__name__})" for k, v in inputs.items())
    return f"\nThese variables are already defined: {names}."


def user_turn(question: str, inputs: dict[str, Any], feedback: str | None = None) -> str:
    # A repair does not show the failed program: shown it, the small model copies it back.
    repair = f"\nA previous program was wrong: {feedback}. {REPAIR_HINT}" if feedback else ""
    return f"Question: {question}{_describe_inputs(inputs)}{repair}\n{INSTRUCTION}"


def pal_messages(
    exemplars: list[PalExemplar],
    question: str,
    inputs: dict[str, Any],
    feedback: str | None = None,
) -> list[Message]:
    """Exemplars as chat turns (question, then the bare program), then the real question
    (with the checkers' evidence when this is a repair)."""
    messages: list[Message] = []
    for ex in exemplars:
        messages.append(Message(role="user", content=user_turn(ex.question, ex.inputs)))
        messages.append(Message(role="assistant", content=ex.program.strip("\n")))
    messages.append(Message(role="user", content=user_turn(question, inputs, feedback)))
    return messages


class Pal(Generator):
    name = "pal"

    def __init__(self, max_tokens: int, exemplars: int | None) -> None:
        self.max_tokens = max_tokens
        self.exemplars = exemplars

    def _exemplars(self, s: Session) -> list[PalExemplar]:
        own = s.task.pal_exemplars() or load_task("freeform").pal_exemplars()
        return own[: self.exemplars] if self.exemplars is not None else own

    async def propose(
        self, s: Session, *, feedback: str | None = None, n: int = 1, temperature: float = 0.0
    ) -> list[Attempt]:
        messages = pal_messages(
            self._exemplars(s), s.problem.prompt, s.problem.program_inputs, feedback
        )
        generation = await s.ask(
            messages, max_tokens=self.max_tokens, temperature=temperature, n=n, stop=["\nQuestion:"]
        )
        programs = [complete_program(extract_program(c.text)) for c in generation.completions]
        outcomes = await asyncio.gather(
            *(s.run_program(p) for p in programs), return_exceptions=True
        )
        results = [_as_result(outcome) for outcome in outcomes]
        # Parsing runs in threads: a slow parser of one output must not stall the event loop.
        readings = await asyncio.gather(
            *(asyncio.to_thread(_read_answer, s.task, result) for result in results)
        )
        attempts = []
        for completion, program, result, (answer, error) in zip(
            generation.completions, programs, results, readings, strict=True
        ):
            # Both streams may hold max_output_bytes: keep a readable head and tail of each.
            result = result.model_copy(
                update={"stdout": clip(result.stdout), "stderr": clip(result.stderr)}
            )
            attempts.append(
                attempt_from(
                    self.name,
                    s.task,
                    generation,
                    completion,
                    program=program,
                    execution=result,
                    answer=answer,
                    error=error,
                )
            )
        return attempts


@strategy
def pal(max_tokens: int = 400, exemplars: int | None = None) -> Pal:
    """PAL: the model writes a Python program, the sandbox runs it (Gao et al. 2022).

    Args:
        max_tokens: the most tokens the program may take.
        exemplars: use only the first k worked examples (default: all the task has).
    """
    return Pal(max_tokens, exemplars)
