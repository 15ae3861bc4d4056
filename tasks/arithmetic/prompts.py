"""Prompts and worked examples for arithmetic.

PAL exemplars are written `expression = <expr>` then `print(expression)`: a small model
copies the expression more faithfully in that shape than inside `print(...)` (an earlier
measurement with SmolLM2-135M on 200 items: about 0.965 with eight such exemplars covering
parenthesis patterns, 0.85 with three `print(<expr>)` ones; the eight below are new and
still to be measured). They cover the parenthesis patterns the generator produces.
"""

from __future__ import annotations

from reasoner.types import PalExemplar

ANSWER_INSTRUCTION = (
    "End your reply with a line 'Answer: <number>'; when the value is not a whole number, "
    "give it exactly as a fraction such as 7/3."
)

#: Expressions of the PAL exemplars: 3-4 digit operands, 2-4 terms, + - * and one /.
PAL_EXPRESSIONS = (
    "4127 - 5893",
    "736 * 2048",
    "(5261 + 387) * 942",
    "8154 - (2609 - 715)",
    "1456 * 308 + 9127 - 650",
    "(6834 - 2917) * (153 + 4480)",
    "(3150 + 742) / 128",
    "418 * (6091 - (515 + 2260))",
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
    """Eight programs, each `expression = <expr>` then `print(expression)`.

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
