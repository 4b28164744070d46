"""The check as a form of the generic engine asks exactly what the evaluator says is needed."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.eligibility.counts import CountProblem
from bot.eligibility.evaluator import next_question
from bot.eligibility.form import COUNT_MESSAGES, FORM_ID, build_check_form
from bot.eligibility.loader import load_ruleset
from bot.eligibility.questions import QUESTION_IDS
from bot.forms import engine
from bot.forms.messages import problem_text
from bot.forms.model import Kind, Problem
from bot.forms.parse import Accepted, parse_typed
from bot.i18n import I18n

RULESET = load_ruleset()
FORM = build_check_form(RULESET)
I18N = I18n()

families = st.fixed_dictionaries(
    {
        "region": st.sampled_from(["KG-C", "KG-GB", "KG-N"]),
        "district": st.just("Аламүдүн району"),
        "support": st.sampled_from(["benefit", "social_passport", "neither"]),
        "household_size": st.integers(3, 30),
        "children_under_16": st.integers(0, 2),
        "able_to_work_adults": st.integers(0, 1),
        "disability": st.booleans(),
        "had_contract_before": st.booleans(),
        "accepts_suspension": st.booleans(),
        "ready_for_training": st.booleans(),
        "existing_business": st.booleans(),
        "ovop_product": st.booleans(),
        "green_project": st.booleans(),
    }
)


def test_the_form_has_every_question_in_order() -> None:
    assert FORM.id == FORM_ID
    assert tuple(q.id for q in FORM.questions) == QUESTION_IDS
    assert not FORM.review  # the verdict follows the last answer
    kinds = {q.id: q.kind for q in FORM.questions}
    assert kinds["household_size"] is Kind.INTEGER and kinds["support"] is Kind.CHOICE
    assert kinds["disability"] is Kind.YES_NO


@settings(max_examples=200)
@given(family=families)
def test_the_engine_asks_what_the_evaluator_needs(family: dict[str, Any]) -> None:
    state = engine.start(FORM)
    answers: dict[str, Any] = {}
    while state.current != engine.DONE:
        assert state.current == next_question(RULESET, answers)
        answers[state.current] = family[state.current]
        state = engine.answer(FORM, state, state.current, family[state.current])
    assert next_question(RULESET, answers) is None


def typed(question_id: str, text: str, answers: dict[str, Any]) -> Accepted | Problem:
    question = FORM.question(question_id)
    assert question is not None
    return parse_typed(question, text, answers, today=date(2026, 3, 1), label_of=lambda c: c.value)


def test_typed_numbers_get_specific_messages_in_both_languages() -> None:
    ru, ky = I18N.get("ru"), I18N.get("ky")
    negative = typed("household_size", "-2", {})
    assert isinstance(negative, Problem)
    assert problem_text(ru, negative) == (
        "Число людей не может быть отрицательным. Отправьте число от 1 до 30."
    )
    assert problem_text(ky, negative) == (
        "Адамдардын саны терс боло албайт. 1 – 30 аралыгындагы санды жөнөтүңүз."
    )
    too_many = typed("children_under_16", "4", {"household_size": 4})
    assert isinstance(too_many, Problem)
    assert problem_text(ru, too_many).startswith("В семье 4 чел., поэтому детей до 16 лет")
    assert isinstance(typed("children_under_16", "3", {"household_size": 4}), Accepted)
    text = typed("household_size", "шесть", {})
    assert isinstance(text, Problem) and text.code == "integer_format"


def test_every_count_problem_has_a_message() -> None:
    assert set(COUNT_MESSAGES) == set(CountProblem)
