"""Prompts and worked examples for arithmetic.

PAL exemplars are written `expression = <expr>` then `print(expression)`: a small model
copies the expression more faithfully in that shape than inside `print(...)`. Measured with
the embedded SmolLM2-135M, greedy, on `arithmetic:digits=3-4,terms=2-4,ops=+-*,n=8` (48
problems each, seeds 1 and 2): these nine exemplars, weighted towards 3-4 term chains,
solved 48/48 and 47/48; an earlier set of eight with fewer long chains 45/48 and 45/48.
The model's errors are copy errors (a dropped term, a repeated number), not logic.
"""

from __future__ import annotations

from reasoner.types import PalExemplar

ANSWER_INSTRUCTION = (
    "End your reply with a line 'Answer: <number>'; when the value is not a whole number, "
    "give it exactly as a fraction such as 7/3."
)

#: Expressions of the PAL exemplars: 3-4 digit operands, 2-4 terms, + - *.
PAL_EXPRESSIONS = (
    "4127 - 5893",
    "736 * 2048",
    "(5261 + 387) * 942",
    "8154 - (2609 - 715)",
    "1456 * 308 + 9127 - 650",
    "(6834 - 2917) * (153 + 4480)",
    "3150 + 742 - 128 * 65",
    "418 * (6091 - (515 + 2260))",
    "(2718 + 9043 - 364) * 5190",
)

# Answers follow ANSWER_INSTRUCTION, which direct prompts put after each question.
_DIRECT = (
    ("What is 12 + 7?", "Answer: 19"),
    ("What is 45 - 68?", "Answer: -23"),
    ("What is 9 / 6?", "Answer: 3/2"),
)


def question(expression: str) -> str:
    """The prompt for one expression.

    Args:
        expression: e.g. "(12 + 3) * 4".

    Returns:
        "What is (12 + 3) * 4?"
    """
    return f"What is {expression}?"


def pal_exemplars() -> list[PalExemplar]:
    """Nine programs, each `expression = <expr>` then `print(expression)`.

    Returns:
        The exemplars (no predefined inputs: the expression is in the question).
    """
    return [
        PalExemplar(question=question(e), program=f"expression = {e}\nprint(expression)\n")
        for e in PAL_EXPRESSIONS
    ]


def direct_exemplars() -> list[tuple[str, str]]:
    """Three small questions with their exact answers, in the instructed form.

    Returns:
        (question, answer) pairs.
    """
    return list(_DIRECT)
