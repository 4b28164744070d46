"""The verdict in Kyrgyz and Russian: every sentence renders, every outcome says what to do."""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.eligibility.evaluator import RuleVerdict, Verdict, evaluate, final_evaluation
from bot.eligibility.loader import load_ruleset, parse_ruleset
from bot.eligibility.program import DEFAULT_RULESET
from bot.eligibility.result import place_text, priority_label, result_text, rule_sentence
from bot.eligibility.rules import Condition, ConditionKind, Outcome, PriorityCriterion, Source
from bot.eligibility.sentences import EXPLANATIONS
from bot.i18n import I18n

RULESET = load_ruleset()
I18N = I18n()
LANGUAGES = ("ky", "ru")
KYRGYZ = re.compile("[ңөүҢӨҮ]")

FAMILY: dict[str, Any] = {
    "region": "KG-Y",
    "district": "Ак-Суу району",
    "support": "benefit",
    "household_size": 5,
    "children_under_16": 2,
    "able_to_work_adults": 2,
    "disability": False,
    "had_contract_before": False,
    "accepts_suspension": True,
    "ready_for_training": True,
    "existing_business": True,
    "ovop_product": False,
    "green_project": True,
}


def without_benefit_name(text: str) -> str:
    return text.replace("«үй-бүлөгө көмөк»", "").replace("«Үй-бүлөгө көмөк»", "")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("rule_id", [r.id for r in RULESET.rules])
@pytest.mark.parametrize("verdict", [Verdict.PASS, Verdict.FAIL])
def test_every_rule_sentence_renders(language: str, rule_id: str, verdict: Verdict) -> None:
    rule = RULESET.rule(rule_id)
    assert rule is not None
    text = rule_sentence(I18N.get(language), RULESET, RuleVerdict(rule, verdict), FAMILY, language)
    assert "{" not in text and "}" not in text
    mark = (
        "✅"
        if verdict is Verdict.PASS
        else ("❌" if rule.on_fail.value == "not_eligible" else "⚠️")
    )
    assert text.startswith(mark + " ")
    if language == "ru":
        assert not KYRGYZ.search(without_benefit_name(text)), text
    else:
        assert KYRGYZ.search(text), text


def test_every_explanation_is_used_by_the_shipped_rules() -> None:
    assert {r.explain for r in RULESET.rules} == set(EXPLANATIONS)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", list(ConditionKind))
def test_a_rule_added_by_an_administrator_gets_a_generic_sentence(
    language: str, kind: ConditionKind
) -> None:
    data = tomllib.loads(DEFAULT_RULESET.read_text(encoding="utf-8"))
    if kind is ConditionKind.ANSWER:
        extra = {"kind": "answer", "question": "existing_business", "expected": False}
    else:
        extra = {"kind": kind.value, "question": "household_size", "value": 4}
    data["rules"].append(
        {"id": "added", "on_fail": "ask_district_office", "source": "assumed", **extra}
    )
    ruleset = parse_ruleset(data)
    added = ruleset.rule("added")
    assert added is not None
    t = I18N.get(language)
    for verdict in (Verdict.PASS, Verdict.FAIL):
        text = rule_sentence(t, ruleset, RuleVerdict(added, verdict), FAMILY, language)
        assert "{" not in text
        name = "Үй-бүлө мүчөлөрү" if language == "ky" else "Члены семьи"
        if kind is ConditionKind.ANSWER:
            name = "Иштеп жаткан бизнес" if language == "ky" else "Действующий бизнес"
        assert f"«{name}»" in text


def test_generic_answer_sentence_names_what_is_required() -> None:
    condition = Condition(ConditionKind.ANSWER, "support", expected=("benefit", "social_passport"))
    rule = replace(RULESET.rules[0], condition=condition, explain=None)
    text = rule_sentence(
        I18N.get("ru"), RULESET, RuleVerdict(rule, Verdict.FAIL), {"support": "neither"}, "ru"
    )
    assert text == (
        "❌ «Пособие или социальный паспорт»: Ни то, ни другое. Программа требует: "
        "Получаем «үй-бүлөгө көмөк» или Есть социальный паспорт."
    )


def test_priority_labels_use_the_ruleset_threshold() -> None:
    many = next(c for c in RULESET.priority if c.id == "many_children")
    assert priority_label(I18N.get("ru"), many) == "3 и более детей до 16 лет"
    assert priority_label(I18N.get("ky"), many) == "16 жашка чейинки 3 же андан көп бала"
    unknown = PriorityCriterion(
        "rural",
        Condition(ConditionKind.ANSWER, "existing_business", expected=(True,)),
        1,
        Source(False, ""),
        Source(False, ""),
    )
    assert priority_label(I18N.get("ru"), unknown) == "«Действующий бизнес»"


def test_place_is_shown_in_the_family_language() -> None:
    answers = {"region": "KG-C", "district": "Аламүдүн району"}
    assert place_text(answers, "ru") == "Аламудунский район, Чуйская область"
    assert place_text(answers, "ky") == "Аламүдүн району, Чүй облусу"
    typed = {"region": "KG-O", "district": "Ылай-Талаа"}
    assert place_text(typed, "ru") == "Ылай-Талаа, Ошская область"
    assert place_text({}, "ru") == ""


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_outcome_says_what_to_do(language: str) -> None:
    t = I18N.get(language)
    eligible = result_text(t, RULESET, final_evaluation(RULESET, FAMILY), FAMILY, language)
    office = {**FAMILY, "ready_for_training": False}
    ask = result_text(t, RULESET, final_evaluation(RULESET, office), office, language)
    refused = {"region": "KG-Y", "district": "Ак-Суу району", "support": "neither"}
    no = result_text(t, RULESET, final_evaluation(RULESET, refused), refused, language)
    if language == "ru":
        assert eligible.startswith("✅ Ваша семья может")
        assert "Следующий шаг: напишите бизнес-план" in eligible
        assert "⭐ Приоритет: зелёный проект." in eligible
        assert ask.startswith("⚠️") and "Что делать: обратитесь в районное управление" in ask
        assert "(Ак-Суйский район, Иссык-Кульская область)" in ask
        assert no.startswith("❌") and "пройдите проверку снова" in no
    else:
        assert eligible.startswith("✅ Үй-бүлөңүз социалдык келишимге арыз бере алат.")
        assert "Кийинки кадам: бизнес-план жазыңыз" in eligible
        assert "⭐ Артыкчылык: жашыл долбоор." in eligible
        assert ask.startswith("⚠️") and "башкармалыгына (Ак-Суу району, Ысык-Көл облусу)" in ask
        assert no.startswith("❌") and "текшерүүдөн кайра өтүңүз" in no
    assert "⭐" not in no  # priority is not shown to a family that cannot apply
    for text in (eligible, ask, no):
        assert len(text) < 4096 and "{" not in text


def test_an_incomplete_check_has_no_result() -> None:
    with pytest.raises(ValueError, match="not complete"):
        result_text(I18N.get("ky"), RULESET, evaluate(RULESET, {}), {}, "ky")


answers_strategy = st.fixed_dictionaries(
    {
        "region": st.sampled_from(["KG-GB", "KG-B", "KG-T"]),
        "district": st.sampled_from(["Талас району", "Свердлов району", "typed place"]),
        "support": st.sampled_from(["benefit", "social_passport", "neither"]),
        "household_size": st.integers(1, 30),
        "children_under_16": st.integers(0, 20),
        "able_to_work_adults": st.integers(0, 20),
        "disability": st.booleans(),
        "had_contract_before": st.booleans(),
        "accepts_suspension": st.booleans(),
        "ready_for_training": st.booleans(),
        "existing_business": st.booleans(),
        "ovop_product": st.booleans(),
        "green_project": st.booleans(),
    }
)


@settings(max_examples=100)
@given(answers=answers_strategy, language=st.sampled_from(LANGUAGES))
def test_any_complete_check_renders(answers: dict[str, Any], language: str) -> None:
    evaluation = final_evaluation(RULESET, answers)
    text = result_text(I18N.get(language), RULESET, evaluation, answers, language)
    decided = [v for v in evaluation.verdicts if v.verdict is not Verdict.UNKNOWN]
    assert text.count("\n✅ ") + text.count("\n❌ ") + text.count("\n⚠️ ") == len(decided)
    assert ("⭐" in text) is (evaluation.outcome is not Outcome.NOT_ELIGIBLE)
    assert "{" not in text and len(text) < 4096
