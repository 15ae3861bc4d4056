"""Worked examples for grade-school word problems (written for this project, not taken
from GSM8K or GSM-Hard)."""

from __future__ import annotations

from reasoner.types import PalExemplar

ANSWER_INSTRUCTION = "End your reply with a line 'Answer: <number>' (digits only, no units)."
# Calculations written out are what the arithmetic checker recomputes in a chain of thought.
STEP_HINT = "with its calculation written out (e.g. 3 * 68 = 204)"

# (question, program, answer): straight-line programs, one named quantity per line, as in
# PAL (Gao et al., 2023), and ending in print() of the asked quantity.
WORKED: tuple[tuple[str, str, str], ...] = (
    (
        "A bakery sells muffins for $3 each and cookies for $1.50 each. Maya buys 4 muffins "
        "and 6 cookies and pays with a $50 bill. How much change does she get?",
        "muffin_price = 3\n"
        "cookie_price = 1.50\n"
        "muffins = 4\n"
        "cookies = 6\n"
        "total_cost = muffins * muffin_price + cookies * cookie_price\n"
        "paid = 50\n"
        "change = paid - total_cost\n"
        "print(change)\n",
        "29",
    ),
    (
        "A farmer has 3 fields. Each field has 24 rows of corn, and each row has 15 plants. "
        "A storm destroys one third of all the plants. How many plants are left?",
        "fields = 3\n"
        "rows_per_field = 24\n"
        "plants_per_row = 15\n"
        "total_plants = fields * rows_per_field * plants_per_row\n"
        "destroyed = total_plants / 3\n"
        "plants_left = total_plants - destroyed\n"
        "print(plants_left)\n",
        "720",
    ),
    (
        "Tom reads 12 pages on Monday. On Tuesday he reads twice as many pages as on Monday, "
        "and on Wednesday he reads 5 pages fewer than on Tuesday. How many pages does he read "
        "in the three days?",
        "monday = 12\n"
        "tuesday = 2 * monday\n"
        "wednesday = tuesday - 5\n"
        "total_pages = monday + tuesday + wednesday\n"
        "print(total_pages)\n",
        "55",
    ),
    (
        "A school trip costs $18 per student and 125 students go. The school pays 40% of the "
        "total cost and the families pay the rest. How much do the families pay in total?",
        "cost_per_student = 18\n"
        "students = 125\n"
        "total_cost = cost_per_student * students\n"
        "school_share = total_cost * 40 / 100\n"
        "families_share = total_cost - school_share\n"
        "print(families_share)\n",
        "1350",
    ),
)


def pal_exemplars() -> list[PalExemplar]:
    """Four word problems with their programs (money, fractions, comparisons, percent).

    Returns:
        The exemplars (no predefined inputs: the numbers are in the question).
    """
    return [PalExemplar(question=q, program=program) for q, program, _ in WORKED]


def direct_exemplars() -> list[tuple[str, str]]:
    """The same four word problems, answered as ANSWER_INSTRUCTION asks.

    Returns:
        (question, "Answer: <number>") pairs.
    """
    return [(q, f"Answer: {answer}") for q, _, answer in WORKED]
