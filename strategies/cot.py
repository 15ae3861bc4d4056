"""`cot`: chain-of-thought prompting (Wei et al. 2022, "Chain-of-Thought Prompting Elicits
Reasoning in Large Language Models"; zero-shot form from Kojima et al. 2022)."""

from __future__ import annotations

import asyncio

from reasoner import Attempt, Session, strategy
from reasoner.checks import Recomputed, recompute
from reasoner.prompting import answer_of
from reasoner_strategies.direct import Direct

TRIGGER = "Let's think step by step."


def brief_instruction(step_hint: str) -> str:
    """What a brief chain is asked for: one short line per step (each as the task's
    `step_hint` says), no code.

    Told only "think step by step", the coder model restated the question, wrote a Python
    program it could not run and ran out of room: its chains averaged about 290 tokens and a
    fifth of them were cut off at 384 before their answer (docs/results.md).
    """
    hint = f" {step_hint}" if step_hint else ""
    return f"{TRIGGER} Write one short line per step{hint}, and no code."


class ChainOfThought(Direct):
    name = "cot"
    # Zero-shot (Kojima et al.): the tasks' direct exemplars show bare answers, which would
    # teach the model to skip the reasoning.
    few_shot = False

    def __init__(self, max_tokens: int, brief: bool = True, calculator: bool = False) -> None:
        super().__init__(max_tokens)
        self.brief = brief
        self.calculator = calculator

    def _instruction(self, s: Session) -> str:
        opening = brief_instruction(s.task.step_hint) if self.brief else TRIGGER
        return f"{opening} {s.task.answer_instruction}"

    async def propose(
        self, s: Session, *, feedback: str | None = None, n: int = 1, temperature: float = 0.0
    ) -> list[Attempt]:
        attempts = await super().propose(s, feedback=feedback, n=n, temperature=temperature)
        if not self.calculator:
            return attempts
        # Off the event loop, as the vote's checks are: SymPy on a long chain takes a while.
        redone = await asyncio.gather(
            *(asyncio.to_thread(recompute, a.text, s.problem.prompt) for a in attempts)
        )
        return [_recomputed(s, a, r) for a, r in zip(attempts, redone, strict=True)]


def _recomputed(s: Session, attempt: Attempt, redone: Recomputed | None) -> Attempt:
    """The chain with its false calculations redone; `draft_answer` keeps what the model
    had concluded, and the trace names each step changed."""
    if redone is None:
        return attempt
    answer = answer_of(s.task, redone.text)
    s.note(
        "recompute",
        redone.text,
        fixes=redone.summary(),
        answer_before=attempt.answer,
        answer_after=answer,
    )
    return attempt.model_copy(
        update={"text": redone.text, "answer": answer, "draft_answer": attempt.answer}
    )


@strategy
def cot(max_tokens: int = 384, brief: bool = True, calculator: bool = False) -> ChainOfThought:
    """Chain of thought: reason step by step, then answer (Wei et al. 2022; Kojima et al. 2022).

    Args:
        max_tokens: the most tokens the model may write.
        brief: ask for one short line per step and no code (the task's `step_hint` says
            what a step shows); False asks only "Let's think step by step." (Kojima et al.).
        calculator: redo each false calculation the chain states ("3 * 68 = 205") and carry
            the true result into the steps and the answer that used it, as GSM8K's
            calculator did (Cobbe et al. 2021), after sampling: no extra model call
            (`reasoner.checks.recompute`; a chain it cannot correct safely is kept as written).
    """
    return ChainOfThought(max_tokens, brief, calculator)
