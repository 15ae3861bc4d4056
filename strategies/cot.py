"""`cot`: chain-of-thought prompting (Wei et al. 2022, "Chain-of-Thought Prompting Elicits
Reasoning in Large Language Models"; zero-shot form from Kojima et al. 2022)."""

from __future__ import annotations

from reasoner import Session, strategy
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

    def __init__(self, max_tokens: int, brief: bool = True) -> None:
        super().__init__(max_tokens)
        self.brief = brief

    def _instruction(self, s: Session) -> str:
        opening = brief_instruction(s.task.step_hint) if self.brief else TRIGGER
        return f"{opening} {s.task.answer_instruction}"


@strategy
def cot(max_tokens: int = 384, brief: bool = True) -> ChainOfThought:
    """Chain of thought: reason step by step, then answer (Wei et al. 2022; Kojima et al. 2022).

    Args:
        max_tokens: the most tokens the model may write.
        brief: ask for one short line per step and no code (the task's `step_hint` says
            what a step shows); False asks only "Let's think step by step." (Kojima et al.).
    """
    return ChainOfThought(max_tokens, brief)
