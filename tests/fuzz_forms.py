"""Shared by the fuzz tests: the real forms, a plausible answer for every question (found from
the question's type, not listed by hand) and the nasty inputs thrown at each question."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from bot.eligibility.form import build_check_form
from bot.eligibility.loader import load_ruleset
from bot.forms.model import Form, Kind, Question
from bot.forms.parse import Accepted, accept
from bot.plan.questions import build_plan_form

RULESET = load_ruleset()
FORMS: dict[str, Form] = {
    "eligibility": build_check_form(RULESET),
    "plan": build_plan_form(RULESET.program.grant_amount),
}
# Choices that make the most later questions relevant (the "other" business asks its name,
# a disability asks for the certificate, a contribution asks what it is); the family is
# eligible so the check asks everything.
PREFERRED: dict[str, Any] = {
    "business_type": "other",
    "disability": True,
    "own_contribution": 20_000,
    "had_contract_before": False,
    "support": "benefit",
}
PLAIN_TEXT = "Ак-Суу айылы жана Каракол шаары"
UPLOAD = {
    "kind": "photo",
    "file_id": "seed-file",
    "file_unique_id": "seed-unique",
    "mime_type": "image/jpeg",
    "size": 1000,
    "file_name": None,
}


def _candidates(question: Question, answers: dict[str, Any]) -> list[Any]:
    kind = question.kind
    if kind in (Kind.TEXT, Kind.LONG_TEXT):
        text = PLAIN_TEXT
        while len(text) < question.min_length:
            text += " " + PLAIN_TEXT
        return [text[: question.text_limit].strip()]
    if kind in (Kind.INTEGER, Kind.MONEY):
        low = question.min_value if question.min_value is not None else 0
        high = question.max_value if question.max_value is not None else 10**9
        numbers = [2, 3, 1, 5, 10_000, 50_000, 0, low]
        return [n for n in numbers if low <= n <= high]
    if kind is Kind.CHOICE:
        return [c.value for c in question.options(answers)]
    if kind is Kind.MULTI_CHOICE:
        return [[c.value] for c in question.options(answers)]
    if kind is Kind.YES_NO:
        return [True, False]
    if kind is Kind.DATE:
        return [(date.today() + timedelta(days=30)).isoformat()]
    if kind is Kind.PHONE:
        return ["+996555123456"]
    if kind is Kind.PIN:
        return ["21503198512345"]
    if kind is Kind.UPLOAD:
        return [dict(UPLOAD)]
    if kind is Kind.REPEAT:
        item = {f.id: plausible(f, {}) for f in question.fields}
        return [[item]]
    raise AssertionError(f"no plausible answer for {kind}")


def plausible(question: Question, answers: dict[str, Any]) -> Any:
    """A value the question accepts given the answers before it."""
    candidates = _candidates(question, answers)
    preferred = PREFERRED.get(question.id)
    if preferred is not None:
        candidates.insert(0, preferred)
    for value in candidates:
        if isinstance(accept(question, value, answers), Accepted):
            return value
    raise AssertionError(f"{question.id}: none of {candidates!r} is accepted")


@dataclass(frozen=True, slots=True)
class Station:
    """A place in a form where the family can be asked something: a question, or one field
    of a repeat group's item (`field` set, `item` = the fields typed before it)."""

    question: Question
    answers: dict[str, Any]  # every answer before it
    field: Question | None = None
    item: dict[str, Any] | None = None

    @property
    def target(self) -> Question:
        return self.field or self.question

    @property
    def name(self) -> str:
        return self.question.id + (f".{self.field.id}" if self.field else "")


def stations(form: Form) -> Iterator[Station]:
    """Every question of the form reached with plausible answers, and every repeat field."""
    answers: dict[str, Any] = {}
    for question in form.questions:
        if not question.is_relevant(answers):
            continue
        if question.kind is Kind.REPEAT:
            item: dict[str, Any] = {}
            for field in question.fields:
                yield Station(question, dict(answers), field, dict(item))
                item[field.id] = plausible(field, item)
        else:
            yield Station(question, dict(answers))
        answers[question.id] = plausible(question, answers)


# What a family may type anywhere: right-to-left and zero-width characters, a text as long as
# Telegram allows, emoji, markup that caseworkers will later see, and SQL-looking strings.
NASTY_TEXTS = (
    "\u202eМарат\u202c עברית العربية",
    "Ай\u200bгүл\u200d\u200c\ufeff Асанова",
    "ж" * 4096,
    "🙂👨‍👩‍👧‍👦🇰🇬 " * 20,
    "<b>x</b>",
    "</i> & <script>alert(1)</script>",
    "*_[]()~`>#+-=|{}.! \\",
    "'; DROP TABLE users; --",
    "Robert'); DELETE FROM applications;--",
    "&amp; &lt;b&gt; &#0;",
    "\u200b",
    "\n\t ",
)
UNICODE_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300)


def sample(strategy: st.SearchStrategy[Any], count: int) -> list[Any]:
    """`count` examples of a strategy, the same on every run (derandomised, no database)."""
    found: list[Any] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        deadline=None,
    )
    @given(strategy)
    def collect(value: Any) -> None:
        found.append(value)

    collect()
    return found[:count]
