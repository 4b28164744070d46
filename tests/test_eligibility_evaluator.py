"""The evaluator: every rule and boundary, and "ask only what the rules need" as properties."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.eligibility.evaluator import (
    Verdict,
    evaluate,
    final_evaluation,
    is_relevant,
    needed_questions,
    next_question,
    relevant_answers,
    used_questions,
)
from bot.eligibility.loader import load_ruleset
from bot.eligibility.program import load_program
from bot.eligibility.questions import QUESTIONS, Answer, QuestionKind, question
from bot.eligibility.rules import (
    Condition,
    ConditionKind,
    Limits,
    Outcome,
    PriorityCriterion,
    Rule,
    Ruleset,
    Source,
)
from bot.regions import REGION_CODES

RULESET = load_ruleset()

# A family that meets every rule and two priority criteria.
ELIGIBLE: dict[str, Answer] = {
    "region": "KG-C",
    "district": "Аламүдүн району",
    "support": "benefit",
    "household_size": 6,
    "children_under_16": 3,
    "able_to_work_adults": 2,
    "disability": True,
    "had_contract_before": False,
    "existing_business": False,
    "accepts_suspension": True,
    "ready_for_training": True,
    "ovop_product": False,
    "green_project": False,
}


def verdict_of(answers: dict[str, Any], rule_id: str) -> Verdict:
    evaluation = evaluate(RULESET, answers)
    return next(v.verdict for v in evaluation.verdicts if v.rule.id == rule_id)


def walk(ruleset: Ruleset, family: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Answer the questions the check asks, one by one, from the family's full answers."""
    answers: dict[str, Any] = {}
    asked: list[str] = []
    while (q := next_question(ruleset, answers)) is not None:
        assert q not in asked, f"{q} asked twice"
        asked.append(q)
        answers[q] = family[q]
    return answers, asked


# -- the shipped rules, one by one ------------------------------------------------------------


def test_eligible_priority_family() -> None:
    evaluation = final_evaluation(RULESET, ELIGIBLE)
    assert evaluation.outcome is Outcome.ELIGIBLE
    assert all(v.verdict is Verdict.PASS for v in evaluation.verdicts)
    assert evaluation.priority_flags == ("many_children", "disability")
    assert evaluation.priority_score == 4


@pytest.mark.parametrize(
    ("support", "verdict"),
    [("benefit", Verdict.PASS), ("social_passport", Verdict.PASS), ("neither", Verdict.FAIL)],
)
def test_low_income_support(support: str, verdict: Verdict) -> None:
    assert verdict_of({"support": support}, "low_income_support") is verdict


def test_neither_benefit_nor_passport_is_not_eligible_and_stops_the_check() -> None:
    answers = {"region": "KG-N", "district": "Ат-Башы району", "support": "neither"}
    assert evaluate(RULESET, answers).outcome is Outcome.NOT_ELIGIBLE
    assert next_question(RULESET, answers) is None
    assert final_evaluation(RULESET, answers).outcome is Outcome.NOT_ELIGIBLE


@pytest.mark.parametrize(("adults", "verdict"), [(0, Verdict.FAIL), (1, Verdict.PASS)])
def test_able_to_work_boundary(adults: int, verdict: Verdict) -> None:
    assert verdict_of({"able_to_work_adults": adults}, "able_to_work") is verdict


def test_no_able_to_work_adult_is_not_eligible() -> None:
    family = {**ELIGIBLE, "able_to_work_adults": 0}
    assert final_evaluation(RULESET, walk(RULESET, family)[0]).outcome is Outcome.NOT_ELIGIBLE


def test_refusing_the_benefit_suspension_is_not_eligible() -> None:
    family = {**ELIGIBLE, "accepts_suspension": False}
    answers, asked = walk(RULESET, family)
    assert final_evaluation(RULESET, answers).outcome is Outcome.NOT_ELIGIBLE
    assert asked[-1] == "accepts_suspension"  # training and priority are not asked after it


def test_contract_before_is_for_the_district_office() -> None:
    family = {**ELIGIBLE, "had_contract_before": True}
    answers, asked = walk(RULESET, family)
    assert final_evaluation(RULESET, answers).outcome is Outcome.ASK_DISTRICT_OFFICE
    assert "ovop_product" in asked  # still eligible-ish: priority is asked


def test_not_ready_for_training_is_for_the_district_office() -> None:
    family = {**ELIGIBLE, "ready_for_training": False}
    assert final_evaluation(RULESET, family).outcome is Outcome.ASK_DISTRICT_OFFICE


def test_not_eligible_beats_ask_district_office() -> None:
    family = {**ELIGIBLE, "had_contract_before": True, "accepts_suspension": False}
    assert final_evaluation(RULESET, family).outcome is Outcome.NOT_ELIGIBLE


@pytest.mark.parametrize(("children", "flag"), [(2, False), (3, True), (4, True)])
def test_many_children_boundary(children: int, flag: bool) -> None:
    evaluation = evaluate(RULESET, {"children_under_16": children})
    assert ("many_children" in evaluation.priority_flags) is flag


@pytest.mark.parametrize("criterion", ["disability", "ovop", "green"])
def test_yes_no_priority_criteria(criterion: str) -> None:
    question_id = next(c.question for c in RULESET.priority if c.id == criterion)
    assert criterion in evaluate(RULESET, {question_id: True}).priority_flags
    assert criterion not in evaluate(RULESET, {question_id: False}).priority_flags


def test_full_priority_score_is_the_sum_of_weights() -> None:
    family = {**ELIGIBLE, "ovop_product": True, "green_project": True}
    evaluation = final_evaluation(RULESET, family)
    assert evaluation.priority_score == 2 + 2 + 1 + 1


def test_partial_answers_leave_the_outcome_open() -> None:
    evaluation = evaluate(RULESET, {"support": "benefit"})
    assert evaluation.outcome is None
    assert verdict_of({}, "able_to_work") is Verdict.UNKNOWN
    with pytest.raises(ValueError, match="not complete"):
        final_evaluation(RULESET, {"support": "benefit"})


def test_the_eligible_walk_asks_in_the_issue_order() -> None:
    _, asked = walk(RULESET, ELIGIBLE)
    assert asked == [q.id for q in QUESTIONS]


def test_a_yes_no_answer_never_matches_a_count_and_vice_versa() -> None:
    """True == 1 in Python; the rules must not confuse them."""
    assert not Condition(ConditionKind.ANSWER, "disability", expected=(True,)).holds(1)
    assert not Condition(ConditionKind.AT_LEAST, "household_size", value=1).holds(True)
    assert verdict_of({"able_to_work_adults": True}, "able_to_work") is Verdict.UNKNOWN


def test_malformed_stored_answers_count_as_unanswered() -> None:
    answers = {"support": "pension", "household_size": "6", "region": "KG-X", "disability": 1}
    evaluation = evaluate(RULESET, answers)
    assert all(v.verdict is Verdict.UNKNOWN for v in evaluation.verdicts)
    assert next_question(RULESET, answers) == "region"


def test_a_question_no_rule_uses_is_never_asked() -> None:
    ruleset = replace(RULESET, rules=tuple(r for r in RULESET.rules if r.id != "training"))
    assert "ready_for_training" not in used_questions(ruleset)
    _, asked = walk(ruleset, ELIGIBLE)
    assert "ready_for_training" not in asked


def test_changing_an_earlier_answer_drops_what_became_irrelevant() -> None:
    answers = {**ELIGIBLE, "support": "neither"}
    kept = relevant_answers(RULESET, answers)
    assert set(kept) == {"region", "district", "support"}
    assert final_evaluation(RULESET, answers).outcome is Outcome.NOT_ELIGIBLE


# -- properties: any family, any ruleset ----------------------------------------------------


def answer_for(question_id: str) -> st.SearchStrategy[Any]:
    kind = question(question_id).kind
    if kind is QuestionKind.REGION:
        return st.sampled_from(sorted(REGION_CODES))
    if kind is QuestionKind.DISTRICT:
        return st.text(alphabet="абвгдңөү -", min_size=1, max_size=20).filter(str.strip)
    if kind is QuestionKind.CHOICE:
        return st.sampled_from([c.value for c in question(question_id).choices])
    if kind is QuestionKind.COUNT:
        return st.integers(min_value=0, max_value=20)
    return st.booleans()


families = st.fixed_dictionaries({q.id: answer_for(q.id) for q in QUESTIONS})


@st.composite
def conditions(draw: st.DrawFn) -> Condition:
    question_id = draw(st.sampled_from([q.id for q in QUESTIONS]))
    if question(question_id).kind is QuestionKind.COUNT and draw(st.booleans()):
        kind = draw(st.sampled_from([ConditionKind.AT_LEAST, ConditionKind.AT_MOST]))
        return Condition(kind, question_id, value=draw(st.integers(0, 20)))
    expected = draw(st.lists(answer_for(question_id), min_size=1, max_size=3))
    return Condition(ConditionKind.ANSWER, question_id, expected=tuple(expected))


@st.composite
def rulesets(draw: st.DrawFn) -> Ruleset:
    source = Source(documented=False, text="")
    rules = tuple(
        Rule(
            f"r{i}",
            c,
            draw(st.sampled_from([Outcome.NOT_ELIGIBLE, Outcome.ASK_DISTRICT_OFFICE])),
            source,
        )
        for i, c in enumerate(draw(st.lists(conditions(), min_size=1, max_size=6)))
    )
    priority = tuple(
        PriorityCriterion(f"p{i}", c, draw(st.integers(1, 5)), source, source)
        for i, c in enumerate(draw(st.lists(conditions(), max_size=4)))
    )
    collect = tuple(draw(st.sets(st.sampled_from([q.id for q in QUESTIONS]), max_size=4)))
    limits = {
        q: Limits(0, 30, source)
        for q in ("household_size", "children_under_16", "able_to_work_adults")
    }
    return Ruleset("p", 2026, load_program(), rules, priority, limits, collect)


@settings(max_examples=300)
@given(ruleset=rulesets(), family=families)
def test_skipped_questions_never_change_the_verdict(
    ruleset: Ruleset, family: dict[str, Any]
) -> None:
    """Whatever the ruleset: the check that skips questions ends as the full answers would."""
    answers, asked = walk(ruleset, family)
    full = evaluate(ruleset, family)
    walked = final_evaluation(ruleset, answers)
    assert walked.outcome is full.outcome is not None
    if full.outcome is not Outcome.NOT_ELIGIBLE:
        assert walked.priority_flags == full.priority_flags
        assert set(asked) == used_questions(ruleset)  # asked exactly what is used
    assert set(asked) <= used_questions(ruleset)


@settings(max_examples=200)
@given(ruleset=rulesets(), family=families)
def test_nothing_is_asked_after_a_not_eligible_answer(
    ruleset: Ruleset, family: dict[str, Any]
) -> None:
    answers: dict[str, Any] = {}
    while (q := next_question(ruleset, answers)) is not None:
        assert evaluate(ruleset, answers).outcome is not Outcome.NOT_ELIGIBLE
        answers[q] = family[q]


@given(ruleset=rulesets(), family=families, data=st.data())
def test_relevance_depends_only_on_earlier_answers(
    ruleset: Ruleset, family: dict[str, Any], data: st.DataObject
) -> None:
    position = data.draw(st.integers(0, len(QUESTIONS) - 1))
    target = QUESTIONS[position].id
    earlier = {q.id: family[q.id] for q in QUESTIONS[:position]}
    later_changed = {**earlier, **{q.id: family[q.id] for q in QUESTIONS[position:]}}
    assert is_relevant(ruleset, earlier, target) == is_relevant(ruleset, later_changed, target)


@given(ruleset=rulesets(), family=families)
def test_priority_score_is_the_sum_of_met_weights(
    ruleset: Ruleset, family: dict[str, Any]
) -> None:
    evaluation = evaluate(ruleset, family)
    expected = sum(c.weight for c in ruleset.priority if c.condition.holds(family[c.question]))
    assert evaluation.priority_score == expected


@given(
    st.dictionaries(
        st.sampled_from([q.id for q in QUESTIONS]),
        st.from_type(object) | st.none() | st.integers() | st.text(),
    )
)
def test_evaluate_never_raises_on_stored_garbage(answers: dict[str, Any]) -> None:
    evaluation = evaluate(RULESET, answers)
    assert len(evaluation.verdicts) == len(RULESET.rules)
    needed = needed_questions(RULESET, answers)
    assert len(set(needed)) == len(needed)
