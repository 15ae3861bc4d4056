"""A generator: asks for the answer in the task's format, nothing else."""

from reasoner import Attempt, Generator, Session, strategy


class PlainAnswer(Generator):
    """Asks the question with the task's answer instruction; one attempt per sample."""

    name = "plain_answer"

    def __init__(self, max_tokens: int) -> None:
        self.max_tokens = max_tokens

    async def propose(
        self, s: Session, *, feedback: str | None = None, n: int = 1, temperature: float = 0.0
    ) -> list[Attempt]:
        prompt = f"{s.problem.prompt}\n{s.task.answer_instruction}"
        if feedback:  # retry(max=...) calls again with the failed checks' evidence
            prompt += f"\nA previous answer was wrong: {feedback}. Answer again."
        reply = await s.ask(prompt, n=n, temperature=temperature, max_tokens=self.max_tokens)
        # Return the attempts; the graph records them (the first becomes the candidate).
        return [
            Attempt(
                strategy=self.name,
                text=c.text,
                answer=s.task.canonical(c.text),  # None when no answer could be parsed
                tokens_in=reply.tokens_in,
                tokens_out=c.tokens_out,
                logprob=c.logprob,
            )
            for c in reply.completions
        ]


@strategy
def plain_answer(max_tokens: int = 64):
    """Ask for the bare answer in the task's format (a baseline generator)."""
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    return PlainAnswer(max_tokens)
