"""The sentences that explain verdicts, as msgids: the ruleset refers to them by key.

A rule in the ruleset may name one of EXPLANATIONS (`explain = "..."`); a rule without one
gets the generic sentence of its kind, built from the question's short name, so an
administrator can add a rule without a code change. Placeholders every sentence may use:
{question} {answer} {expected} {value} {years} {months} {amount}.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.eligibility.rules import ConditionKind
from bot.i18n import N_


@dataclass(frozen=True, slots=True)
class Explanation:
    passed: str  # msgid
    failed: str  # msgid


EXPLANATIONS: dict[str, Explanation] = {
    "low_income_support": Explanation(
        N_(
            "The program is for families that receive «үй-бүлөгө көмөк» or hold a social "
            "passport, and your family does."
        ),
        N_(
            "The program is only for families that receive «үй-бүлөгө көмөк» or hold a social "
            "passport. Ask your aiyl okmotu whether your family can get a social passport."
        ),
    ),
    "able_to_work": Explanation(
        N_("Your family has adults able to work ({answer}) who can run the business."),
        N_(
            "The business needs adults able to work (at least {value}), and your family "
            "has {answer}."
        ),
    ),
    "first_contract": Explanation(
        N_("Your family has not had a social contract before."),
        N_(
            "Your family has had a social contract before. The published rules do not say "
            "whether a family may have a second one: the district office decides."
        ),
    ),
    "accepts_suspension": Explanation(
        N_("You accept that the «үй-бүлөгө көмөк» benefit stops for {years} after signing."),
        N_(
            "Every family that signs the contract stops receiving «үй-бүлөгө көмөк» for "
            "{years}. Without accepting this, the contract cannot be signed."
        ),
    ),
    "training": Explanation(
        N_("A family member is ready to attend the training in business planning."),
        N_(
            "The training in business planning is part of the program. Ask the district "
            "office when it takes place and whether it can be arranged for your family."
        ),
    ),
}

GENERIC: dict[ConditionKind, Explanation] = {
    ConditionKind.ANSWER: Explanation(
        N_("«{question}»: {answer}. This meets the program's condition."),
        N_("«{question}»: {answer}. The program requires: {expected}."),
    ),
    ConditionKind.AT_LEAST: Explanation(
        N_("«{question}»: {answer} (at least {value} is required)."),
        N_("«{question}»: {answer}, but at least {value} is required."),
    ),
    ConditionKind.AT_MOST: Explanation(
        N_("«{question}»: {answer} (at most {value} is allowed)."),
        N_("«{question}»: {answer}, but at most {value} is allowed."),
    ),
}

# Names of the priority criteria, by criterion id; others are named by their question.
PRIORITY_LABELS: dict[str, str] = {
    "many_children": N_("{value} or more children under 16"),
    "disability": N_("a person with a disability in the family"),
    "ovop": N_("a «One Village – One Product» product"),
    "green": N_("a green project"),
}
