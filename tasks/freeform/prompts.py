"""Generic worked examples: used for free-text questions, and by any task that has none.

A mix of kinds (plain arithmetic, a word problem, counting letters, a calendar question),
so that a program for an unseen question has a nearby example whatever its kind.
"""

from __future__ import annotations

from fractions import Fraction

from reasoner.types import PalExemplar

# (question, program, answer) with the answer as `parse` reads it.
WORKED: tuple[tuple[str, str, Fraction | str], ...] = (
    (
        "What is 17 * 24 + 9?",
        "expression = 17 * 24 + 9\nprint(expression)\n",
        Fraction(417),
    ),
    (
        "Sara has 5 boxes with 12 pencils in each box. She gives 18 pencils to her friends. "
        "How many pencils does she have left?",
        "boxes = 5\n"
        "pencils_per_box = 12\n"
        "given_away = 18\n"
        "pencils_left = boxes * pencils_per_box - given_away\n"
        "print(pencils_left)\n",
        Fraction(42),
    ),
    (
        "How many times does the letter r appear in the word strawberry?",
        'word = "strawberry"\nprint(word.count("r"))\n',
        Fraction(3),
    ),
    (
        "What day of the week was 14 July 2021?",
        "import datetime\n\nday = datetime.date(2021, 7, 14)\nprint(day.strftime('%A'))\n",
        "Wednesday",
    ),
)


def generic_pal_exemplars() -> list[PalExemplar]:
    """Four mixed worked programs, each printing only its answer.

    Returns:
        The exemplars (no predefined inputs).
    """
    return [PalExemplar(question=q, program=program) for q, program, _ in WORKED]


def generic_direct_exemplars() -> list[tuple[str, str]]:
    """The same four questions, answered as the default instruction asks.

    Returns:
        (question, "Answer: <answer>") pairs.
    """
    return [
        (q, f"Answer: {answer.numerator if isinstance(answer, Fraction) else answer}")
        for q, _, answer in WORKED
    ]
