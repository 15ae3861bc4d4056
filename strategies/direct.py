"""`direct`: ask the question, read the answer. The baseline every table compares against.

`direct(constrained=True)` asks the task what a bare answer may be (`Task.answer_constraint`:
the legal moves, the form of a move list, a number) and has the backend decode only that, so
the reply is well formed by construction; whether it is right is still the model's doing.
"""

from __future__ import annotations

import re

from reasoner import Attempt, Generator, Session, strategy
from reasoner.errors import ReasonerError
from reasoner.prompting import attempt_from, question_messages, with_feedback
from reasoner.types import AnswerConstraint, Message

#: What a constrained prompt asks for: the decoder allows nothing else, so the task's
#: "End your reply with a line 'Answer: ...'" would only fight it.
BARE_INSTRUCTION = "Reply with the answer only: no words, no explanation."

_MARKER = re.compile(r"^\s*(?:final\s+)?answer\s*[:=]\s*", re.I | re.M)


def bare_answer(answer: str) -> str:
    """An exemplar answer without its "Answer:" marker, as a constrained reply would be.

    Args:
        answer: an exemplar answer in the task's instructed form (e.g. "Answer: 19").

    Returns:
        The text after the last marker ("19"), or the whole answer when it has none.
    """
    markers = list(_MARKER.finditer(answer))
    return answer[markers[-1].end() :].strip() if markers else answer.strip()


class Direct(Generator):
    name = "direct"
    #: Show the task's worked question/answer pairs first (they show bare answers).
    few_shot = True

    def __init__(
        self, max_tokens: int, instruction: str | None = None, *, constrained: bool = False
    ) -> None:
        self.max_tokens = max_tokens
        self.instruction = instruction
        self.constrained = constrained

    def _instruction(self, s: Session) -> str:
        if self.constrained:
            return self.instruction or BARE_INSTRUCTION
        return self.instruction or s.task.answer_instruction

    def _constraint(self, s: Session) -> AnswerConstraint | None:
        if not self.constrained:
            return None
        constraint = s.task.answer_constraint(s.problem)
        if constraint is None:
            raise ReasonerError(
                f"task '{s.task.name}' gives no answer constraint for problem {s.problem.id}; "
                f"run {self.name} without constrained=True for it"
            )
        return constraint

    def _messages(self, s: Session, instruction: str) -> list[Message]:
        messages = question_messages(s.task, s.problem, instruction, exemplars=self.few_shot)
        if self.constrained:
            # Exemplar replies in the bare form the decoder will force on the real one.
            messages = [
                Message(role=m.role, content=bare_answer(m.content)) if m.role == "assistant" else m
                for m in messages
            ]
        return messages

    def prompt(self, s: Session, feedback: str | None = None) -> list[Message]:
        """The conversation this generator sends for `s`, with a repair's feedback when given."""
        instruction = self._instruction(s)
        return with_feedback(self._messages(s, instruction), s.candidate, feedback, instruction)

    async def propose(
        self, s: Session, *, feedback: str | None = None, n: int = 1, temperature: float = 0.0
    ) -> list[Attempt]:
        constraint = self._constraint(s)
        messages = self.prompt(s, feedback)
        options = {"constraint": constraint} if constraint is not None else {}
        generation = await s.ask(
            messages, max_tokens=self.max_tokens, temperature=temperature, n=n, **options
        )
        return [attempt_from(self.name, s.task, generation, c) for c in generation.completions]


@strategy
def direct(max_tokens: int = 256, constrained: bool = False) -> Direct:
    """Ask the model for the answer directly (no reasoning, no tools): the baseline.

    Args:
        max_tokens: the most tokens the model may write.
        constrained: decode only what the task allows as a bare answer
            (`Task.answer_constraint`: legal moves, a move list, a number); a task that
            allows any text makes each problem a recorded failure saying so.
    """
    return Direct(max_tokens, constrained=constrained)
