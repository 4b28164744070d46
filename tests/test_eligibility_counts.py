"""The three numbers of the check: bounds from the ruleset, and a household that adds up."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.eligibility.counts import (
    ADULTS,
    CHILDREN,
    HOUSEHOLD,
    CountError,
    CountProblem,
    check_count,
)
from bot.eligibility.loader import load_ruleset

RULESET = load_ruleset()


def problem(question_id: str, number: int, **answers: int) -> CountProblem | None:
    error = check_count(RULESET, question_id, number, answers)
    return None if error is None else error.problem


@pytest.mark.parametrize(
    ("question_id", "number", "expected"),
    [
        (HOUSEHOLD, -1, CountProblem.NEGATIVE),
        (HOUSEHOLD, 0, CountProblem.TOO_SMALL),
        (HOUSEHOLD, 1, None),
        (HOUSEHOLD, 30, None),
        (HOUSEHOLD, 31, CountProblem.TOO_LARGE),
        (CHILDREN, -5, CountProblem.NEGATIVE),
        (CHILDREN, 0, None),
        (CHILDREN, 20, None),
        (CHILDREN, 21, CountProblem.TOO_LARGE),
        (ADULTS, 0, None),  # allowed as a number; the able_to_work rule then fails
        (ADULTS, 21, CountProblem.TOO_LARGE),
    ],
)
def test_bounds_from_the_ruleset(
    question_id: str, number: int, expected: CountProblem | None
) -> None:
    assert problem(question_id, number) is expected


def test_children_must_be_fewer_than_household_members() -> None:
    assert problem(CHILDREN, 4, household_size=5) is None
    assert problem(CHILDREN, 5, household_size=5) is CountProblem.TOO_MANY_CHILDREN
    assert problem(CHILDREN, 9, household_size=5) is CountProblem.TOO_MANY_CHILDREN
    error = check_count(RULESET, CHILDREN, 9, {HOUSEHOLD: 5})
    assert error == CountError(CountProblem.TOO_MANY_CHILDREN, 4, household=5, children=9)


def test_children_and_adults_fit_in_the_household() -> None:
    assert problem(ADULTS, 2, household_size=5, children_under_16=3) is None
    error = check_count(RULESET, ADULTS, 3, {HOUSEHOLD: 5, CHILDREN: 3})
    assert error == CountError(CountProblem.TOO_MANY_ADULTS, 2, household=5, children=3, adults=3)


def test_editing_the_household_below_the_others_is_refused() -> None:
    answers = {HOUSEHOLD: 6, CHILDREN: 3, ADULTS: 2}
    error = check_count(RULESET, HOUSEHOLD, 4, answers)
    assert error is not None and error.problem is CountProblem.HOUSEHOLD_TOO_SMALL
    assert error.limit == 5 and (error.children, error.adults) == (3, 2)
    assert check_count(RULESET, HOUSEHOLD, 5, answers) is None
    # Only children known: one adult is needed besides them.
    assert problem(HOUSEHOLD, 3, children_under_16=3) is CountProblem.HOUSEHOLD_TOO_SMALL
    assert problem(HOUSEHOLD, 4, children_under_16=3) is None


def test_editing_children_respects_the_adults_already_given() -> None:
    answers = {HOUSEHOLD: 5, CHILDREN: 1, ADULTS: 3}
    assert check_count(RULESET, CHILDREN, 2, answers) is None
    error = check_count(RULESET, CHILDREN, 3, answers)
    assert error is not None and error.problem is CountProblem.TOO_MANY_CHILDREN
    assert error.limit == 2


def test_booleans_are_not_counts() -> None:
    assert check_count(RULESET, CHILDREN, 3, {HOUSEHOLD: True}) is None  # True is not 1 person


def consistent(household: int, children: int | None, adults: int | None) -> bool:
    c, a = children or 0, adults or 0
    return c < household and c + a <= household


@given(
    household=st.integers(-3, 40),
    children=st.integers(-3, 40),
    adults=st.integers(-3, 40),
)
def test_accepted_answers_always_describe_a_possible_household(
    household: int, children: int, adults: int
) -> None:
    """Answered in order, the numbers the check accepts are always consistent and bounded."""
    answers: dict[str, int] = {}
    for question_id, number in ((HOUSEHOLD, household), (CHILDREN, children), (ADULTS, adults)):
        if check_count(RULESET, question_id, number, answers) is None:
            answers[question_id] = number
    for question_id, number in answers.items():
        limits = RULESET.limits[question_id]
        assert limits.minimum <= number <= limits.maximum
    if HOUSEHOLD in answers:
        assert consistent(answers[HOUSEHOLD], answers.get(CHILDREN), answers.get(ADULTS))


@given(
    household=st.integers(1, 30),
    children=st.integers(0, 20),
    adults=st.integers(0, 20),
    new_household=st.integers(1, 30),
)
def test_an_edit_is_accepted_exactly_when_the_household_still_adds_up(
    household: int, children: int, adults: int, new_household: int
) -> None:
    if not consistent(household, children, adults):
        return
    answers = {HOUSEHOLD: household, CHILDREN: children, ADULTS: adults}
    accepted = check_count(RULESET, HOUSEHOLD, new_household, answers) is None
    assert accepted == consistent(new_household, children, adults)
