"""The eligibility check as a form of the generic engine (bot/forms), built from the ruleset.

Which question is asked is the evaluator's decision (`is_relevant`: only what the rules still
need); the number bounds come from the ruleset's [limits]; the words are msgids here. Built
once per process from the loaded ruleset, so a changed ruleset changes the check at restart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.eligibility.counts import CountError, CountProblem, check_count
from bot.eligibility.evaluator import is_relevant
from bot.eligibility.questions import QUESTIONS, QuestionKind
from bot.eligibility.rules import Ruleset
from bot.forms.model import Answers, Choice, Form, Kind, Problem, Question, Section
from bot.forms.places import district_question, has_districts, region_question
from bot.i18n import N_

FORM_ID = "eligibility"

SECTIONS = (
    Section("where", N_("Where you live")),
    Section("family", N_("Your family")),
    Section("conditions", N_("The program's conditions")),
    Section("idea", N_("Your business idea")),
)

# How each question is asked: (section, label msgid). Region and district come from the
# shared places questions.
_ASKED: dict[str, tuple[str, str]] = {
    "support": (
        "family",
        N_(
            "Does your family receive the «үй-бүлөгө көмөк» benefit or hold a social passport "
            "from the aiyl okmotu? If you have both, choose the benefit."
        ),
    ),
    "household_size": (
        "family",
        N_("How many people live in your household, you included?"),
    ),
    "children_under_16": (
        "family",
        N_("How many of them are children under 16? Send 0 if there are none."),
    ),
    "able_to_work_adults": (
        "family",
        N_("How many adults in the family are able to work?"),
    ),
    "disability": ("family", N_("Is there a person with a disability in the family?")),
    "had_contract_before": ("conditions", N_("Has your family had a social contract before?")),
    "existing_business": (
        "idea",
        N_("Does your family already run a business that it wants to grow with the grant?"),
    ),
    "accepts_suspension": (
        "conditions",
        # The label cannot carry the ruleset's numbers (labels are plain msgids); the intro
        # message of the check states them, and the verdict repeats them.
        N_(
            "Do you accept the obligation told at the start of the check: after the contract "
            "is signed, the family stops receiving the «үй-бүлөгө көмөк» benefit for several "
            "years?"
        ),
    ),
    "ready_for_training": (
        "conditions",
        N_(
            "Before the contract, a family member takes a training in financial literacy and "
            "business planning. Is someone in your family ready to attend it?"
        ),
    ),
    "ovop_product": (
        "idea",
        N_(
            "Will your business make a local product from local raw materials, such as honey, "
            "felt, dairy, jam or meat products («One Village – One Product»)? If you are not "
            "sure yet, answer No: you can describe it in the business plan."
        ),
    ),
    "green_project": (
        "idea",
        N_(
            "Is your project «green»: does it protect nature or save resources (for example a "
            "greenhouse, organic fertiliser, drip irrigation, solar energy)? If you are not "
            "sure yet, answer No."
        ),
    ),
}

# Why a typed number is refused; {min} {max} {limit} {household} {children} {adults}.
COUNT_MESSAGES: dict[CountProblem, str] = {
    CountProblem.NEGATIVE: N_(
        "A number of people cannot be negative. Please send a number from {min} to {max}."
    ),
    CountProblem.TOO_SMALL: N_("Please send a number from {min} to {max}."),
    CountProblem.TOO_LARGE: N_(
        "That is too many for one household. Please check the number: it must be from "
        "{min} to {max}."
    ),
    CountProblem.TOO_MANY_CHILDREN: N_(
        "There are {household} people in the household, so at most {limit} of them can be "
        "children under 16: someone in the family is an adult. Please check the number."
    ),
    CountProblem.TOO_MANY_ADULTS: N_(
        "There are {household} people in the household and {children} of them are children "
        "under 16, so at most {limit} can be adults able to work. Please check the number."
    ),
    CountProblem.HOUSEHOLD_TOO_SMALL: N_(
        "You said the family has {children} children under 16 and {adults} adults able to "
        "work, so the household has at least {limit} people. Please check the number."
    ),
}


def count_problem(error: CountError, minimum: int, maximum: int) -> Problem:
    """The engine's Problem for a refused number, with the ruleset's bounds in the text."""
    return Problem.custom(
        COUNT_MESSAGES[error.problem],
        min=minimum,
        max=maximum,
        limit=error.limit,
        household=error.household,
        children=error.children,
        adults=error.adults,
    )


def _relevant(ruleset: Ruleset, question_id: str) -> Callable[[Answers], bool]:
    def relevant(answers: Answers) -> bool:
        return is_relevant(ruleset, answers, question_id)

    return relevant


def _count_constraint(
    ruleset: Ruleset, question_id: str
) -> Callable[[Any, Answers], Problem | None]:
    limits = ruleset.limits[question_id]

    def constraint(value: Any, answers: Answers) -> Problem | None:
        error = check_count(ruleset, question_id, int(value), answers)
        return None if error is None else count_problem(error, limits.minimum, limits.maximum)

    return constraint


def _question(ruleset: Ruleset, question_id: str) -> Question:
    relevant = _relevant(ruleset, question_id)
    if question_id == "region":
        return region_question("where", relevant=relevant)
    if question_id == "district":
        return district_question(
            "where", relevant=lambda answers: has_districts(answers) and relevant(answers)
        )
    section, label = _ASKED[question_id]
    vocabulary = next(q for q in QUESTIONS if q.id == question_id)
    common: dict[str, Any] = {
        "short": vocabulary.short,
        "section": section,
        "relevant": relevant,
    }
    if vocabulary.kind is QuestionKind.COUNT:
        # Bounds are checked by the constraint, for messages that say what is wrong.
        return Question(
            question_id,
            Kind.INTEGER,
            label,
            constraint=_count_constraint(ruleset, question_id),
            **common,
        )
    if vocabulary.kind is QuestionKind.CHOICE:
        choices = tuple(Choice(c.value, c.label) for c in vocabulary.choices)
        return Question(question_id, Kind.CHOICE, label, choices=choices, **common)
    return Question(question_id, Kind.YES_NO, label, **common)


def build_check_form(ruleset: Ruleset) -> Form:
    """The check: every question of the vocabulary, each asked only when relevant."""
    return Form(
        FORM_ID,
        N_("Eligibility check"),
        tuple(_question(ruleset, q.id) for q in QUESTIONS),
        sections=SECTIONS,
        review=False,  # two minutes: the verdict comes right after the last answer
    )
