"""Small builders for `relevant` conditions on earlier answers (ODK's relevance expressions).

    Question("certificate", Kind.UPLOAD, ..., relevant=is_true("disability"))
    Question("other_kind", Kind.TEXT, ..., relevant=equals("business_type", "other"))

Any callable `answers -> bool` works too; these read well and never raise on missing answers.
"""

from __future__ import annotations

from typing import Any

from bot.forms.model import Answers, Condition


def answered(question_id: str) -> Condition:
    """The question has a (non-skipped) answer."""
    return lambda answers: answers.get(question_id) is not None


def equals(question_id: str, value: Any) -> Condition:
    return lambda answers: answers.get(question_id) == value


def one_of(question_id: str, *values: Any) -> Condition:
    return lambda answers: answers.get(question_id) in values


def is_true(question_id: str) -> Condition:
    return lambda answers: answers.get(question_id) is True


def is_false(question_id: str) -> Condition:
    return lambda answers: answers.get(question_id) is False


def contains(question_id: str, value: Any) -> Condition:
    """A multiple-choice answer includes `value`."""

    def check(answers: Answers) -> bool:
        chosen = answers.get(question_id)
        return isinstance(chosen, list) and value in chosen

    return check


def greater_than(question_id: str, limit: int) -> Condition:
    def check(answers: Answers) -> bool:
        value = answers.get(question_id)
        return isinstance(value, int) and not isinstance(value, bool) and value > limit

    return check


def all_of(*conditions: Condition) -> Condition:
    return lambda answers: all(c(answers) for c in conditions)


def any_of(*conditions: Condition) -> Condition:
    return lambda answers: any(c(answers) for c in conditions)


def not_(condition: Condition) -> Condition:
    return lambda answers: not condition(answers)
