"""The verdict in the family's language: outcome, one sentence per rule, priority, next step.

Pure text building (no Telegram): the handler adds the buttons. Sentences are msgids from
sentences.py and this file; numbers and durations are formatted by Babel, so Russian plural
forms («3 года») come out right without a plural per sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from babel.lists import format_list
from babel.units import format_unit

from bot.eligibility.evaluator import Evaluation, RuleVerdict, Verdict, answer_of
from bot.eligibility.questions import Answer, QuestionKind, question
from bot.eligibility.rules import Condition, Outcome, PriorityCriterion, Ruleset
from bot.eligibility.sentences import EXPLANATIONS, GENERIC, PRIORITY_LABELS
from bot.i18n import N_, Translator
from bot.regions import districts, region

HEADLINES: dict[Outcome, str] = {
    Outcome.ELIGIBLE: N_("✅ Your family can apply for the social contract."),
    Outcome.NOT_ELIGIBLE: N_("❌ Your family cannot apply for the social contract now."),
    Outcome.ASK_DISTRICT_OFFICE: N_(
        "⚠️ Your district office has to decide whether your family can apply."
    ),
}

MARKS = {"pass": "✅", "not_eligible": "❌", "ask_district_office": "⚠️"}


@dataclass(frozen=True, slots=True)
class Facts:
    """Program facts every sentence may use, formatted for one language."""

    years: str
    months: str
    amount: str

    @classmethod
    def of(cls, t: Translator, ruleset: Ruleset) -> Facts:
        program = ruleset.program
        return cls(
            years=format_unit(
                program.benefit_suspension_years, "duration-year", locale=t.babel_locale
            ),
            months=format_unit(
                program.benefit_stops_after_months, "duration-month", locale=t.babel_locale
            ),
            amount=t.money(program.grant_amount),
        )


def answer_text(t: Translator, question_id: str, value: Answer, language: str) -> str:
    """An answer as the family would say it: a choice label, Yes/No, a number, a place."""
    asked = question(question_id)
    if asked.kind is QuestionKind.REGION and isinstance(value, str):
        place = region(value)
        return place.name(language) if place else value
    if asked.kind is QuestionKind.COUNT and isinstance(value, int):
        return t.number(value)
    label = asked.choice_label(value)
    return t.gettext(label) if label else str(value)


def _expected_text(t: Translator, condition: Condition, language: str) -> str:
    options = [answer_text(t, condition.question, e, language) for e in condition.expected]
    return format_list(options, style="or", locale=t.babel_locale) if options else ""


def rule_sentence(
    t: Translator,
    ruleset: Ruleset,
    verdict: RuleVerdict,
    answers: Mapping[str, object],
    language: str,
) -> str:
    """One plain sentence for a decided rule, marked ✅, ❌ or ⚠️."""
    rule = verdict.rule
    value = answer_of(answers, rule.question)
    if value is None or verdict.verdict is Verdict.UNKNOWN:
        raise ValueError(f"rule {rule.id} is not decided")
    explanation = EXPLANATIONS[rule.explain] if rule.explain else GENERIC[rule.condition.kind]
    passed = verdict.verdict is Verdict.PASS
    facts = Facts.of(t, ruleset)
    text = t.gettext(explanation.passed if passed else explanation.failed).format(
        question=t.gettext(question(rule.question).short),
        answer=answer_text(t, rule.question, value, language),
        expected=_expected_text(t, rule.condition, language),
        value=t.number(rule.condition.value),
        years=facts.years,
        months=facts.months,
        amount=facts.amount,
    )
    mark = MARKS["pass"] if passed else MARKS[rule.on_fail.value]
    return f"{mark} {text}"


def priority_label(t: Translator, criterion: PriorityCriterion) -> str:
    """The name of a priority criterion, e.g. "3 or more children under 16"."""
    msgid = PRIORITY_LABELS.get(criterion.id)
    if msgid is None:
        return f"«{t.gettext(question(criterion.question).short)}»"
    return t.gettext(msgid).format(value=t.number(criterion.condition.value))


def place_text(answers: Mapping[str, object], language: str) -> str:
    """ "District, Region" as far as the family told us ("" if nothing)."""
    parts: list[str] = []
    district = answer_of(answers, "district")
    if isinstance(district, str):
        # A district chosen on a button is stored by its Kyrgyz name; typed text as typed.
        known = next((d for d in districts() if d.name_ky == district), None)
        parts.append(known.name(language) if known else district)
    code = answer_of(answers, "region")
    place = region(code) if isinstance(code, str) else None
    if place is not None:
        parts.append(place.name(language))
    return ", ".join(parts)


def result_text(
    t: Translator,
    ruleset: Ruleset,
    evaluation: Evaluation,
    answers: Mapping[str, object],
    language: str,
) -> str:
    """The whole verdict message (well under Telegram's 4096 characters)."""
    outcome = evaluation.outcome
    if outcome is None:
        raise ValueError("the check is not complete")
    lines = [t.gettext(HEADLINES[outcome]), "", t.gettext("Why:")]
    decided = [v for v in evaluation.verdicts if v.verdict is not Verdict.UNKNOWN]
    lines += [rule_sentence(t, ruleset, v, answers, language) for v in decided]
    if len(decided) < len(evaluation.verdicts):
        lines.append(t.gettext("The other conditions were not checked: this answer decides."))
    if outcome is not Outcome.NOT_ELIGIBLE:
        lines += ["", _priority_line(t, evaluation)]
    lines += ["", _next_step(t, ruleset, outcome, answers, language)]
    return "\n".join(lines)


def _priority_line(t: Translator, evaluation: Evaluation) -> str:
    if not evaluation.priority_met:
        return t.gettext(
            "⭐ Priority: none of the priority criteria apply. This does not stop you "
            "from applying."
        )
    labels = [priority_label(t, c) for c in evaluation.priority_met]
    return t.gettext(
        "⭐ Priority: {criteria}. The commission gives such families priority."
    ).format(criteria=format_list(labels, locale=t.babel_locale))


def _next_step(
    t: Translator,
    ruleset: Ruleset,
    outcome: Outcome,
    answers: Mapping[str, object],
    language: str,
) -> str:
    place = place_text(answers, language)
    office = (
        # TRANSLATORS: follows "contact" (ky: the dative, башкармалыгына).
        t.gettext("the district office of labour, social security and migration ({place})")
        if place
        # TRANSLATORS: follows "contact" (ky: the dative, башкармалыгына).
        else t.gettext("the district office of labour, social security and migration")
    ).format(place=place)
    if outcome is Outcome.ELIGIBLE:
        return t.gettext(
            "Next step: write the business plan. The grant is up to {amount}, and the plan "
            "lists what you will buy with it. Your answers are saved: you will not be asked "
            "them again."
        ).format(amount=t.money(ruleset.program.grant_amount))
    if outcome is Outcome.ASK_DISTRICT_OFFICE:
        return t.gettext(
            "What to do: contact {office} and tell them the answers above. Meanwhile you may "
            "already write the business plan."
        ).format(office=office)
    return t.gettext(
        "What you can do: if your family's situation changes, run the check again. With "
        "questions, contact your aiyl okmotu or {office}."
    ).format(office=office)


def is_plan_offered(outcome: Outcome) -> bool:
    """Whether the result offers the "start the business plan" button."""
    return outcome is not Outcome.NOT_ELIGIBLE
