"""`recompute`: a chain's false calculations redone, their true results carried forward."""

from __future__ import annotations

from reasoner.checks import claims_verdict, recompute
from reasoner.checks.recompute import MAX_FIXES


def test_a_false_product_is_redone_and_every_step_after_it_follows():
    chain = "Step 1: 3 * 68123 = 204469\nStep 2: 204469 + 1500 = 205969\nAnswer: 205969"
    redone = recompute(chain, "Ann buys 3 bikes at $68123 each and pays $1500 for delivery.")
    assert redone is not None
    assert redone.text == (
        "Step 1: 3 * 68123 = 204369\nStep 2: 204369 + 1500 = 205869\nAnswer: 205869"
    )
    assert redone.summary() == "line 1: 204469 -> 204369; line 2: 205969 -> 205869"
    assert claims_verdict(chain).failed and claims_verdict(redone.text).passed


def test_a_step_that_was_right_on_the_false_input_is_redone_too():
    # The second step is true of 205, so only carrying 204 forward exposes it.
    redone = recompute("1. 3 * 68 = 205\n2. 205 / 5 = 41\nAnswer: 41", "3 boxes of 68, 5 kids")
    assert redone is not None
    assert redone.text == "1. 3 * 68 = 204\n2. 204 / 5 = 40.8\nAnswer: 40.8"


def test_list_markers_are_not_quantities_and_separators_are_kept():
    redone = recompute("1. 10 / 4 = 2\n2. 2 * 3 = 6\nAnswer: 6", "10 cakes, 4 plates, 3 days")
    assert redone is not None and redone.text == "1. 10 / 4 = 2.5\n2. 2.5 * 3 = 7.5\nAnswer: 7.5"
    commas = recompute("1,234 * 10 = 12,350 dollars.\nHalf: 12,350 / 2 = 6,175\nAnswer: $6,175")
    assert commas is not None
    assert commas.text == "1,234 * 10 = 12,340 dollars.\nHalf: 12,340 / 2 = 6,170\nAnswer: $6,170"


def test_a_result_without_a_finite_decimal_is_written_to_ten_places():
    redone = recompute("7 / 3 = 2\nAnswer: 2", "7 pies for 3 people")
    assert redone is not None and redone.text == "7 / 3 = 2.3333333333\nAnswer: 2.3333333333"


def test_nothing_false_means_nothing_to_redo():
    assert recompute("12 * 7 = 84\n84 + 6 = 90\nAnswer: 90", "12 7 6") is None
    assert recompute("10 / 3 = 3.33\n3.33 * 3 = 9.99\nAnswer: 9.99") is None  # rounded, true
    assert recompute("She has some apples.\nAnswer: 5") is None


def test_it_refuses_when_the_false_result_may_mean_something_else():
    # 6 is a number of the question: a later 6 may be that quantity, not the false product.
    assert recompute("3 * 68 = 6\n6 + 1 = 7\nAnswer: 7", "3 crates of 68, 6 broken") is None
    # 12 was already an earlier line's result.
    assert recompute("3 * 4 = 12\n5 + 8 = 12\n12 * 2 = 24\nAnswer: 24", "3 4 5 8 2") is None
    # A later false step whose result is a number of the question stops the whole repair.
    assert recompute("Step 1: 10 / 4 = 1\nStep 2: 1 * 3 = 3\nAnswer: 3", "10 4 3") is None


def test_it_refuses_what_it_cannot_write_back_safely():
    assert recompute("5 * 3 = 2 * 7\nAnswer: 14", "5 3") is None  # no bare result
    assert recompute("5 - 8 = 2\n10 - 2 = 8\nAnswer: 8", "5 8 10") is None  # true result -3

    def false_steps(count: int) -> str:
        return "".join(f"{1000 + 10 * k} * 2 = {2001 + 20 * k}\n" for k in range(count))

    assert recompute(false_steps(MAX_FIXES + 1) + "Answer: 1") is None
    fixed = recompute(false_steps(MAX_FIXES) + "Answer: 1")
    assert fixed is not None and len(fixed.fixes) == MAX_FIXES
    assert claims_verdict(fixed.text).passed


def test_a_chain_link_gets_its_one_new_number_solved_for():
    # "1/3 * 383242200" restates the left side with the model's own (false) sum in it.
    chain = (
        "300 * 450 = 1350000 calories\n"
        "1/3 * (381892200 + 1350000) = 1/3 * 383242200 = 127747400 calories\n"
        "Answer: 127747400"
    )
    redone = recompute(chain, "200 rolls of 1909461 calories, 300 muffins of 450, 1/3rd")
    assert redone is not None
    assert redone.text == (
        "300 * 450 = 135000 calories\n"
        "1/3 * (381892200 + 135000) = 1/3 * 382027200 = 127342400 calories\n"
        "Answer: 127342400"
    )
    # Two new numbers on the right: which one is false is unclear.
    assert recompute("2 * (3 + 4) = 5 * 9\nAnswer: 45", "2 3 4") is None


def test_units_between_the_numbers_do_not_hide_a_false_step():
    chain = (
        "8249298 chickens/day * 7 days/week * 3 weeks = 170,446,444 chickens\n"
        "50 cows + 20 chickens + 420 cows + 170,446,444 chickens = 170,446,894 animals\n"
        "Answer: 170,446,894"
    )
    redone = recompute(chain, "50 cows and 20 chickens; 20 cows and 8249298 chickens a day")
    assert redone is not None
    assert redone.text.endswith("Answer: 173,235,748")
