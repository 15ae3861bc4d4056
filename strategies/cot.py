"""`cot`: chain-of-thought prompting (Wei et al. 2022, "Chain-of-Thought Prompting Elicits
Reasoning in Large Language Models"; zero-shot form from Kojima et al. 2022)."""

from __future__ import annotations

from reasoner import Session, strategy
from reasoner_strategies.direct import Direct


class ChainOfThought(Direct):
    name = "cot"
    # Zero-shot (Kojima et al.): the tasks' direct exemplars show bare answers, which would
    # teach the model to skip the reasoning.
    few_shot = False

    def _instruction(self, s: Session) -> str:
        return f"Let's think step by step. {s.task.answer_instruction}"


@strategy
def cot(max_tokens: int = 384) -> ChainOfThought:
    """Chain of thought: reason step by step, then answer (Wei et al. 2022; Kojima et al. 2022).

    Args:
        max_tokens: the most tokens the model may write.
    """
    return ChainOfThought(max_tokens)
