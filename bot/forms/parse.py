"""Turning what a family typed or sent into a stored answer, or a Problem saying what is wrong.

Stored values are JSON: str, int, bool, list[str], ISO date strings, upload dicts, repeat items.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.forms.identity import parse_phone, parse_pin, pin_warnings
from bot.forms.model import (
    TEXT_KINDS,
    Amount,
    Answers,
    Choice,
    Day,
    Kind,
    Problem,
    Question,
    is_digits,
)
from bot.i18n import N_

YES_NO_CHOICES = (Choice("yes", N_("Yes")), Choice("no", N_("No")))
# Numbers beyond this are typos (or attacks on int parsing), not real answers.
MAX_DIGITS = 12

_SPACES = re.compile(r"[\s\u00a0\u202f'’`]")
_CURRENCY = re.compile(r"(сомдон|сому|сомов|сома|сом|som|kgs|с\.?)$")
_GROUPED = re.compile(r"^\d{1,3}([.,]\d{3})+$")
_DECIMAL = re.compile(r"^(\d+)[.,](\d{1,2})$")
_DATE = re.compile(r"^(\d{1,2})[./\-\s](\d{1,2})[./\-\s](\d{4})$")


@dataclass(frozen=True, slots=True)
class Accepted:
    """A parsed answer, with soft warnings to show (the answer is kept anyway)."""

    value: Any
    warnings: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class FileInfo:
    """A photo or document the family sent, as Telegram describes it."""

    kind: str  # "photo" | "document"
    file_id: str
    file_unique_id: str
    size: int | None
    mime_type: str | None
    file_name: str | None = None


Result = Accepted | Problem
LabelOf = Callable[[Choice], str]


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


def parse_integer(raw: str) -> int | Problem:
    text = _SPACES.sub("", raw.strip())
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    if is_digits(digits) and len(digits) <= MAX_DIGITS:
        return -int(digits) if negative else int(digits)
    if is_digits(digits):
        return Problem("number_too_big")
    if _DECIMAL.match(digits):
        return Problem("integer_whole")
    return Problem("integer_format")


def parse_money(raw: str) -> int | Problem:
    """Whole som: "150000", "150 000", "150 000 сом", "150.000", "150 000,00"."""
    text = _SPACES.sub("", raw.strip().casefold())
    text = _CURRENCY.sub("", text)
    negative = text.startswith("-")
    body = text[1:] if negative else text
    if _GROUPED.match(body):
        body = re.sub(r"[.,]", "", body)
    decimal = _DECIMAL.match(body)
    if decimal:
        if int(decimal.group(2)) != 0:
            return Problem("money_whole")
        body = decimal.group(1)
    if not is_digits(body):
        return Problem("money_format")
    if len(body) > MAX_DIGITS:
        return Problem("number_too_big")
    return -int(body) if negative else int(body)


def check_bounds(question: Question, value: int) -> Problem | None:
    wrap: Callable[[int], Any] = Amount if question.kind is Kind.MONEY else (lambda n: n)
    if question.min_value is not None and value < question.min_value:
        return Problem("number_min", {"min": wrap(question.min_value)})
    if question.max_value is not None and value > question.max_value:
        return Problem("number_max", {"max": wrap(question.max_value)})
    return None


# Characters that must not reach the database or a caseworker's screen: NUL and other control
# characters (PostgreSQL refuses NUL in text), bidi overrides/isolates (they can reorder a name
# as caseworkers see it) and zero-width spaces. ZWJ/ZWNJ stay: emoji and some scripts need them.
_UNSAFE = dict.fromkeys(
    [
        *range(0x00, 0x09),
        0x0B,
        0x0C,
        *range(0x0E, 0x20),
        0x7F,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
        0x200B,
        0x2060,
        0xFEFF,
    ]
)


def clean_text(raw: str) -> str:
    """Typed text without control, bidi-override and zero-width characters."""
    return raw.translate(_UNSAFE)


def _visible(text: str) -> bool:
    # Only format characters and spaces left (e.g. a lone ZWJ) is an empty answer.
    return any(unicodedata.category(ch) not in ("Cf", "Zs", "Cc") for ch in text)


def parse_text(question: Question, raw: str) -> str | Problem:
    text = clean_text(raw).strip()
    if question.kind is not Kind.LONG_TEXT:
        text = " ".join(text.split())  # one line: tidy spaces and stray line breaks
    if not text or not _visible(text):
        return Problem("text_empty")
    limit = question.text_limit
    if len(text) > limit:
        return Problem("text_too_long", {"limit": limit, "length": len(text)})
    if len(text) < question.min_length:
        return Problem("text_too_short", {"min": question.min_length})
    return text


def parse_date(question: Question, raw: str, today: date) -> str | Problem:
    match = _DATE.match(raw.strip())
    if not match:
        return Problem("date_format")
    day, month, year = (int(g) for g in match.groups())
    try:
        value = date(year, month, day)
    except ValueError:
        return Problem("date_invalid")
    if question.min_date is not None and value < (low := question.min_date(today)):
        return Problem("date_min", {"min": Day(low)})
    if question.max_date is not None and value > (high := question.max_date(today)):
        return Problem("date_max", {"max": Day(high)})
    return value.isoformat()


def match_choice(options: tuple[Choice, ...], raw: str, label_of: LabelOf) -> Choice | None:
    """A typed answer that equals a button's text (or its number) picks that button."""
    wanted = _normalise(raw)
    for choice in options:
        if _normalise(label_of(choice)) == wanted or choice.value.casefold() == wanted:
            return choice
    if is_digits(wanted) and 1 <= int(wanted) <= len(options):
        return options[int(wanted) - 1]
    return None


def parse_typed(
    question: Question, raw: str, answers: Answers, *, today: date, label_of: LabelOf
) -> Result:
    """A typed text answer to `question` (not valid for uploads and repeats)."""
    kind = question.kind
    value: Any
    warnings: tuple[Problem, ...] = ()
    if kind in TEXT_KINDS:
        value = parse_text(question, raw)
    elif kind in (Kind.INTEGER, Kind.MONEY):
        value = parse_integer(raw) if kind is Kind.INTEGER else parse_money(raw)
        if not isinstance(value, Problem):
            value = check_bounds(question, value) or value
    elif kind is Kind.DATE:
        value = parse_date(question, raw, today)
    elif kind is Kind.PHONE:
        value = parse_phone(raw)
    elif kind is Kind.PIN:
        value = parse_pin(raw)
        if isinstance(value, str):
            warnings = pin_warnings(value, today)
    elif kind is Kind.YES_NO:
        picked = match_choice(YES_NO_CHOICES, raw, label_of)
        value = Problem("choose_button") if picked is None else picked.value == "yes"
    elif kind is Kind.CHOICE:
        picked = match_choice(question.options(answers), raw, label_of)
        if picked is not None:
            value = picked.value
        elif question.allow_typed:
            value = parse_text(question, raw)
        else:
            value = Problem("choose_button")
    elif kind is Kind.MULTI_CHOICE:
        value = Problem("choose_button")
    elif kind is Kind.UPLOAD:
        value = Problem("upload_expected")
    else:
        value = Problem("use_buttons")
    if isinstance(value, Problem):
        return value
    return accept(question, value, answers, warnings)


def parse_choice_index(question: Question, index: str, answers: Answers) -> Result:
    """A pressed choice button (its position in the options offered now)."""
    if question.kind is Kind.YES_NO:
        if index not in ("0", "1"):
            return Problem("stale")
        return accept(question, index == "1", answers)
    options = question.options(answers)
    if not is_digits(index) or not 0 <= int(index) < len(options):
        return Problem("stale")
    return accept(question, options[int(index)].value, answers)


def parse_selection(question: Question, selected: list[str], answers: Answers) -> Result:
    """The multiple-choice selection when Done is pressed, in the order of the options."""
    offered = [c.value for c in question.options(answers)]
    chosen = [v for v in offered if v in selected]
    if len(chosen) < max(1, question.min_selected):
        return Problem("select_at_least", {"count": max(1, question.min_selected)})
    return accept(question, chosen, answers)


def parse_upload(question: Question, file: FileInfo, answers: Answers) -> Result:
    """A photo or document: type and size checked against the question's limits."""
    mime = file.mime_type or ("image/jpeg" if file.kind == "photo" else None)
    if mime not in question.accept:
        return Problem("upload_type", {"types": _type_names(question.accept)})
    if file.size is not None and file.size > question.max_bytes:
        return Problem(
            "upload_too_big",
            {"limit_mb": max(1, question.max_bytes // (1024 * 1024)), "size_mb": _mb(file.size)},
        )
    value = {
        "kind": file.kind,
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "mime_type": mime,
        "size": file.size,
        "file_name": file.file_name,
    }
    return accept(question, value, answers)


def parse_contact(question: Question, phone_number: str, answers: Answers) -> Result:
    """A shared contact answers a phone question (Telegram may omit the '+')."""
    value = parse_phone(phone_number)
    if isinstance(value, Problem):
        return value
    return accept(question, value, answers)


def accept(
    question: Question, value: Any, answers: Answers, warnings: tuple[Problem, ...] = ()
) -> Result:
    """Run the question's own constraint on a well-formed value."""
    if question.constraint is not None:
        problem = question.constraint(value, answers)
        if problem is not None and not problem.soft:
            return problem
        if problem is not None:
            warnings = (*warnings, problem)
    return Accepted(value, warnings)


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"


def _type_names(accept: frozenset[str]) -> str:
    names = {"image/jpeg": "JPG", "image/png": "PNG", "application/pdf": "PDF"}
    return ", ".join(sorted({names.get(m, m) for m in accept}))
