"""The answer vocabulary of the eligibility check: stable ids (the answer keys), kinds, choices.

The ids are the keys of `EligibilityCheck.answers`, which the business-plan questionnaire
reuses. The ruleset file refers to them; which of them are asked, and in what bounds, is
decided by the ruleset and the evaluator, never here. How each is asked (the wording, the
buttons) is the form in form.py.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.i18n import N_
from bot.regions import REGION_CODES

# A stored answer: a region code, a district name or a choice (str), a count (int), yes/no.
Answer = str | int | bool


class QuestionKind(enum.StrEnum):
    REGION = "region"  # an ISO code from bot/regions.py, chosen on buttons
    DISTRICT = "district"  # a district of the region on buttons, or typed
    CHOICE = "choice"  # one of `choices`
    COUNT = "count"  # a whole number typed by the family, bounds from the ruleset limits
    YES_NO = "yes_no"


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str  # msgid


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    kind: QuestionKind
    short: str  # msgid: the question's name in the result and in generic sentences
    choices: tuple[Choice, ...] = ()

    def accepts(self, value: object) -> bool:
        """Whether `value` is a well-formed answer to this question (type and choice)."""
        if self.kind is QuestionKind.REGION:
            return isinstance(value, str) and value in REGION_CODES
        if self.kind is QuestionKind.DISTRICT:
            return isinstance(value, str) and 0 < len(value.strip()) <= DISTRICT_MAX_CHARS
        if self.kind is QuestionKind.CHOICE:
            return isinstance(value, str) and value in {c.value for c in self.choices}
        if self.kind is QuestionKind.COUNT:
            return isinstance(value, int) and not isinstance(value, bool)
        return isinstance(value, bool)

    def choice_label(self, value: object) -> str | None:
        """The msgid of a choice's label (yes/no included), None for other kinds."""
        if self.kind is QuestionKind.YES_NO and isinstance(value, bool):
            return YES if value else NO
        return next((c.label for c in self.choices if c.value == value), None)


DISTRICT_MAX_CHARS = 100  # as the shared district question (bot/forms/places.py) allows
YES = N_("Yes")
NO = N_("No")

SUPPORT_BENEFIT = "benefit"
SUPPORT_PASSPORT = "social_passport"
SUPPORT_NEITHER = "neither"

QUESTIONS: tuple[Question, ...] = (
    Question("region", QuestionKind.REGION, N_("Region")),
    Question("district", QuestionKind.DISTRICT, N_("District")),
    Question(
        "support",
        QuestionKind.CHOICE,
        N_("Benefit or social passport"),
        (
            Choice(SUPPORT_BENEFIT, N_("Receives «үй-бүлөгө көмөк»")),
            Choice(SUPPORT_PASSPORT, N_("Has a social passport")),
            Choice(SUPPORT_NEITHER, N_("Neither")),
        ),
    ),
    Question("household_size", QuestionKind.COUNT, N_("Household members")),
    Question("children_under_16", QuestionKind.COUNT, N_("Children under 16")),
    Question("able_to_work_adults", QuestionKind.COUNT, N_("Able-to-work adults")),
    Question("disability", QuestionKind.YES_NO, N_("A person with a disability in the family")),
    Question("had_contract_before", QuestionKind.YES_NO, N_("Social contract before")),
    Question("accepts_suspension", QuestionKind.YES_NO, N_("Accepts that the benefit stops")),
    Question("ready_for_training", QuestionKind.YES_NO, N_("Ready for the training")),
    Question("existing_business", QuestionKind.YES_NO, N_("Existing business")),
    Question("ovop_product", QuestionKind.YES_NO, N_("«One Village – One Product» product")),
    Question("green_project", QuestionKind.YES_NO, N_("Green project")),
)

QUESTION_IDS: tuple[str, ...] = tuple(q.id for q in QUESTIONS)
_BY_ID = {q.id: q for q in QUESTIONS}


def question(question_id: str) -> Question:
    """The question with this id; KeyError for an unknown id."""
    return _BY_ID[question_id]
