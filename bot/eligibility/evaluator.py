"""The evaluator: each rule's verdict, the outcome and priority, from (possibly partial) answers.

Three-valued on purpose: a rule whose question is not answered yet is UNKNOWN, so the same
function drives the questionnaire ("ask only what the rules need") and the final verdict.

What is asked (is_relevant), in the order of questions.QUESTIONS:
  * a question that no rule, priority criterion or `collect` entry uses: never;
  * nothing after an answer that fails a rule with on_fail = not_eligible: no later answer
    can make the family eligible, and priority does not matter for a family that cannot apply;
  * otherwise the questions of the rules, of the priority criteria (priority decides the
    order in which eligible families are served) and of the ruleset's `collect` list
    (answers the application and the business plan reuse, so nothing is asked twice).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from bot.eligibility.questions import QUESTIONS, Answer, Question, question
from bot.eligibility.rules import Outcome, PriorityCriterion, Rule, Ruleset


class Verdict(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"  # not answered (yet, or not asked because the outcome was fixed)


@dataclass(frozen=True, slots=True)
class RuleVerdict:
    rule: Rule
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class Evaluation:
    verdicts: tuple[RuleVerdict, ...]
    outcome: Outcome | None  # None while an unanswered question could still change it
    priority_met: tuple[PriorityCriterion, ...]

    @property
    def priority_flags(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.priority_met)

    @property
    def priority_score(self) -> int:
        return sum(c.weight for c in self.priority_met)


def answer_of(answers: Mapping[str, object], question_id: str) -> Answer | None:
    """The stored answer if it is a well-formed one; None if missing or malformed.

    Answers come from the database, possibly written under an older version of the bot:
    anything that is not a valid answer counts as not answered.
    """
    value = answers.get(question_id)
    if value is None or not question(question_id).accepts(value):
        return None
    return value  # type: ignore[return-value]  # accepts() checked the type


def evaluate(ruleset: Ruleset, answers: Mapping[str, object]) -> Evaluation:
    """Every rule's verdict, the outcome (or None if still open) and the priority met."""
    verdicts = tuple(RuleVerdict(rule, _verdict(rule, answers)) for rule in ruleset.rules)
    met = tuple(
        c
        for c in ruleset.priority
        if (value := answer_of(answers, c.question)) is not None and c.condition.holds(value)
    )
    return Evaluation(verdicts, _outcome(verdicts), met)


def _verdict(rule: Rule, answers: Mapping[str, object]) -> Verdict:
    value = answer_of(answers, rule.question)
    if value is None:
        return Verdict.UNKNOWN
    return Verdict.PASS if rule.condition.holds(value) else Verdict.FAIL


def _outcome(verdicts: tuple[RuleVerdict, ...]) -> Outcome | None:
    failed = [v.rule.on_fail for v in verdicts if v.verdict is Verdict.FAIL]
    if Outcome.NOT_ELIGIBLE in failed:
        return Outcome.NOT_ELIGIBLE
    if any(v.verdict is Verdict.UNKNOWN for v in verdicts):
        return None
    return Outcome.ASK_DISTRICT_OFFICE if failed else Outcome.ELIGIBLE


def used_questions(ruleset: Ruleset) -> frozenset[str]:
    """Questions some rule, priority criterion or `collect` entry needs; others never asked."""
    return frozenset(
        {r.question for r in ruleset.rules}
        | {c.question for c in ruleset.priority}
        | set(ruleset.collect)
    )


def is_relevant(ruleset: Ruleset, answers: Mapping[str, object], question_id: str) -> bool:
    """Whether the check asks this question, given the answers so far.

    Only the answers to earlier questions count, so a question stays relevant after it is
    answered (its own answer, e.g. "neither", does not hide it from the summary).
    """
    if question_id not in used_questions(ruleset):
        return False
    earlier = {q.id: answers[q.id] for q in _before(question_id) if q.id in answers}
    return evaluate(ruleset, earlier).outcome is not Outcome.NOT_ELIGIBLE


def _before(question_id: str) -> tuple[Question, ...]:
    ids = [q.id for q in QUESTIONS]
    return QUESTIONS[: ids.index(question_id)]


def needed_questions(ruleset: Ruleset, answers: Mapping[str, object]) -> tuple[str, ...]:
    """The relevant questions not answered yet, in order."""
    return tuple(
        q.id
        for q in QUESTIONS
        if answer_of(answers, q.id) is None and is_relevant(ruleset, answers, q.id)
    )


def next_question(ruleset: Ruleset, answers: Mapping[str, object]) -> str | None:
    """The next question to ask, or None when the check is complete."""
    needed = needed_questions(ruleset, answers)
    return needed[0] if needed else None


def relevant_answers(ruleset: Ruleset, answers: Mapping[str, object]) -> dict[str, Answer]:
    """The well-formed answers to relevant questions: what a finished check stores.

    An answer given before the family changed an earlier one (e.g. to "neither") is dropped.
    """
    kept: dict[str, Answer] = {}
    for q in QUESTIONS:
        value = answer_of(answers, q.id)
        if value is not None and is_relevant(ruleset, answers, q.id):
            kept[q.id] = value
    return kept


def final_evaluation(ruleset: Ruleset, answers: Mapping[str, object]) -> Evaluation:
    """The evaluation of a complete check; ValueError if a needed answer is missing."""
    missing = needed_questions(ruleset, answers)
    evaluation = evaluate(ruleset, relevant_answers(ruleset, answers))
    if missing or evaluation.outcome is None:
        raise ValueError(f"check not complete, still to ask: {missing}")
    return evaluation
