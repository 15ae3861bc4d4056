"""`direct`: ask the question, read the answer. The baseline every table compares against."""

from __future__ import annotations

from reasoner import Attempt, Generator, Session, strategy
from reasoner.prompting import attempt_from, question_messages, with_feedback


class Direct(Generator):
    name = "direct"
    #: Show the task's worked question/answer pairs first (they show bare answers).
    few_shot = True

    def __init__(self, max_tokens: int, instruction: str | None = None) -> None:
        self.max_tokens = max_tokens
        self.instruction = instruction

    def _instruction(self, s: Session) -> str:
        return self.instruction or s.task.answer_instruction

    async def propose(
        self, s: Session, *, feedback: str | None = None, n: int = 1, temperature: float = 0.0
    ) -> list[Attempt]:
        instruction = self._instruction(s)
        messages = question_messages(s.task, s.problem, instruction, exemplars=self.few_shot)
        messages = with_feedback(messages, s.candidate, feedback, instruction)
        generation = await s.ask(messages, max_tokens=self.max_tokens, temperature=temperature, n=n)
        return [attempt_from(self.name, s.task, generation, c) for c in generation.completions]


@strategy
def direct(max_tokens: int = 256) -> Direct:
    """Ask the model for the answer directly (no reasoning, no tools): the baseline.

    Args:
        max_tokens: the most tokens the model may write.
    """
    return Direct(max_tokens)
