"""The business plan's rules and calculations: answer constraints, budget cap, profit, payback.

Pure functions on the answers (no Telegram, no database), used by the questionnaire.
"""

from __future__ import annotations

from typing import Any

from bot.forms.model import Amount, Answers, Problem
from bot.i18n import N_


def full_name_words(value: Any, answers: Answers) -> Problem | None:
    if len(str(value).split()) < 2:
        return Problem.custom(N_("Please write the surname and the name (at least two words)."))
    if any(ch.isdigit() for ch in str(value)):
        return Problem.custom(N_("A name has no digits. Please check it."))
    return None


def fewer_children_than_family(value: Any, answers: Answers) -> Problem | None:
    size = answers.get("household_size")
    if isinstance(size, int) and value >= size:
        return Problem.custom(
            N_("The family has {size} people in all, so fewer children than that."), size=size
        )
    return None


def workers_within_family(value: Any, answers: Answers) -> Problem | None:
    size = answers.get("household_size")
    if isinstance(size, int) and value > size:
        return Problem.custom(N_("The family has {size} people in all."), size=size)
    return None


def line_total(item: Answers) -> int:
    return int(item.get("quantity") or 0) * int(item.get("unit_price") or 0)


def budget_total(answers: Answers) -> int | None:
    items = answers.get("budget")
    if not isinstance(items, list):
        return None
    return sum(line_total(item) for item in items)


def budget_cap(grant: int) -> Any:
    def check(items: Any, answers: Answers) -> Problem | None:
        total = sum(line_total(item) for item in items)
        if total <= 0:
            return Problem.custom(N_("The budget total must be above zero."))
        if total > grant:
            return Problem.custom(
                N_(
                    "The total {total} is more than the grant of {grant}. Please remove or "
                    "change an item; what you pay yourselves goes in the next question."
                ),
                total=Amount(total),
                grant=Amount(grant),
            )
        return None

    return check


def monthly_profit(answers: Answers) -> int | None:
    revenue, costs = answers.get("monthly_revenue"), answers.get("monthly_costs")
    if not isinstance(revenue, int) or not isinstance(costs, int):
        return None
    return revenue - costs


def payback_months(answers: Answers) -> int | None:
    """Months of profit to earn back the grant-funded purchases (None if no profit)."""
    profit = answers.get("monthly_profit")
    total = answers.get("budget_total")
    if not isinstance(profit, int) or not isinstance(total, int) or profit <= 0:
        return None
    return -(-total // profit)  # rounded up


def project_total(answers: Answers) -> int | None:
    total = answers.get("budget_total")
    own = answers.get("own_contribution")
    if not isinstance(total, int):
        return None
    return total + (own if isinstance(own, int) else 0)
