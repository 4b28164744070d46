"""The numbers of the check (household members, children, able-to-work adults): plausible?

The form engine reads the digits; this decides whether the number can be true. Bounds come
from the ruleset's [limits]; the relations between the three numbers are facts about a
household, not program rules, so they live here:
  * children under 16 < household members (someone in the household is an adult);
  * children under 16 + able-to-work adults <= household members.
Each number is checked against the others already given, whichever is typed (or edited) last,
so stored answers are always consistent.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from bot.eligibility.rules import Ruleset

HOUSEHOLD = "household_size"
CHILDREN = "children_under_16"
ADULTS = "able_to_work_adults"
COUNT_QUESTIONS = (HOUSEHOLD, CHILDREN, ADULTS)


class CountProblem(enum.StrEnum):
    NEGATIVE = "negative"
    TOO_SMALL = "too_small"  # below the ruleset minimum (e.g. a household of 0)
    TOO_LARGE = "too_large"  # above the plausible maximum: a typo
    TOO_MANY_CHILDREN = "too_many_children"  # as many children as household members, or more
    TOO_MANY_ADULTS = "too_many_adults"  # children + adults > household members
    HOUSEHOLD_TOO_SMALL = "household_too_small"  # edited below the children and adults given


@dataclass(frozen=True, slots=True)
class CountError:
    problem: CountProblem
    limit: int  # the bound that was crossed (the most the number may be, or the least)
    household: int = 0
    children: int = 0
    adults: int = 0


def check_count(
    ruleset: Ruleset, question_id: str, number: int, answers: Mapping[str, object]
) -> CountError | None:
    """None if `number` is a plausible answer to `question_id` given the other answers."""
    limits = ruleset.limits[question_id]
    if number < 0:
        return CountError(CountProblem.NEGATIVE, limits.minimum)
    if number < limits.minimum:
        return CountError(CountProblem.TOO_SMALL, limits.minimum)
    if number > limits.maximum:
        return CountError(CountProblem.TOO_LARGE, limits.maximum)
    given = {q: _count(answers, q) for q in COUNT_QUESTIONS if q != question_id}
    given[question_id] = number
    household, children, adults = given[HOUSEHOLD], given[CHILDREN], given[ADULTS]
    if household is None:
        return None
    known = {"household": household, "children": children or 0, "adults": adults or 0}
    if question_id == HOUSEHOLD:
        least = max((children or 0) + 1, (children or 0) + (adults or 0))
        if number < least and (children is not None or adults is not None):
            return CountError(CountProblem.HOUSEHOLD_TOO_SMALL, least, **known)
    if question_id == CHILDREN:
        most = min(household - 1, household - (adults or 0))
        if number > most:
            return CountError(CountProblem.TOO_MANY_CHILDREN, max(most, 0), **known)
    if question_id == ADULTS and number + (children or 0) > household:
        return CountError(CountProblem.TOO_MANY_ADULTS, household - (children or 0), **known)
    return None


def _count(answers: Mapping[str, object], key: str) -> int | None:
    value = answers.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None
