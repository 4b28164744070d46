"""Answers as a family reads them: for the chat summary and the PDF, in the user's language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.forms.engine import compute, effective_answers
from bot.forms.identity import format_phone
from bot.forms.model import Answers, Form, Kind, Question, ValueFormat
from bot.i18n import Translator


@dataclass(frozen=True, slots=True)
class Row:
    question_id: str
    label: str
    text: str
    prefilled: bool = False


@dataclass(frozen=True, slots=True)
class SectionView:
    title: str
    rows: tuple[Row, ...]


def choice_text(t: Translator, question: Question, value: Any, answers: Answers) -> str:
    for choice in question.options(answers):
        if choice.value == value:
            return choice.text(t.language, t.gettext)
    return str(value)  # typed ("other") answer


def item_text(t: Translator, question: Question, item: Mapping[str, Any]) -> str:
    """One repeat item: its fields joined, with the subtotal when the form defines one."""
    parts = [format_answer(t, f, item.get(f.id), item) for f in question.fields]
    if question.subtotal is None:
        return " · ".join(parts)
    head, *rest = parts  # "Cow — 2 × 50 000 сом = 100 000 сом"
    return f"{head} — {' × '.join(rest)} = {t.money(question.subtotal(item))}"


def format_answer(t: Translator, question: Question, value: Any, answers: Answers) -> str:
    """One stored answer as text; a skipped optional answer reads "—"."""
    if value is None:
        return "—"
    kind = question.kind
    if kind is Kind.MONEY:
        return t.money(int(value))
    if kind is Kind.INTEGER:
        return t.number(int(value))
    if kind is Kind.YES_NO:
        return t.gettext("Yes") if value else t.gettext("No")
    if kind is Kind.CHOICE:
        return choice_text(t, question, value, answers)
    if kind is Kind.MULTI_CHOICE:
        return ", ".join(choice_text(t, question, v, answers) for v in value)
    if kind is Kind.DATE:
        return t.date(date.fromisoformat(value))
    if kind is Kind.PHONE:
        return format_phone(str(value))
    if kind is Kind.UPLOAD:
        if value.get("kind") == "photo":
            return t.gettext("photo received")
        return t.gettext("file received: {name}").format(name=value.get("file_name") or "—")
    if kind is Kind.REPEAT:
        return "\n".join(
            f"{i}. {item_text(t, question, item)}" for i, item in enumerate(value, start=1)
        )
    return str(value)


def computed_text(t: Translator, fmt: ValueFormat, value: int | None) -> str:
    if value is None:
        return "—"
    if fmt is ValueFormat.MONEY:
        return t.money(value)
    if fmt is ValueFormat.MONTHS:
        return t.ngettext("{n} month", "{n} months", value).format(n=t.number(value))
    return t.number(value)


def summary(
    t: Translator, form: Form, answers: Answers, prefilled: frozenset[str] = frozenset()
) -> list[SectionView]:
    """The effective answers by section, then the computed values (titled by the form)."""
    effective = effective_answers(form, answers)
    views: list[SectionView] = []
    groups: list[tuple[str | None, list[Row]]] = []
    for question in form.questions:
        if question.id not in effective:
            continue
        row = Row(
            question.id,
            t.gettext(question.name),
            format_answer(t, question, effective[question.id], effective),
            question.id in prefilled,
        )
        if not groups or groups[-1][0] != question.section:
            groups.append((question.section, []))
        groups[-1][1].append(row)
    for section_id, rows in groups:
        section = form.section(section_id)
        views.append(SectionView(t.gettext(section.title) if section else "", tuple(rows)))
    if form.computed:
        values = compute(form, answers)
        rows = [
            Row(c.id, t.gettext(c.label), computed_text(t, c.format, values[c.id]))
            for c in form.computed
        ]
        views.append(SectionView(t.gettext("Calculated"), tuple(rows)))
    return views
