"""Hypothesis over every parser of the form engine, at every question of the real forms, and
over the eligibility counts: nothing raises but the engine's own Problem, accepted values
round-trip exactly, and every refusal can be told in both languages (issue 8.3)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.eligibility.counts import COUNT_QUESTIONS, check_count
from bot.eligibility.form import count_problem
from bot.forms.identity import format_phone, parse_phone, parse_pin, pin_warnings
from bot.forms.messages import answer_hint, problem_text
from bot.forms.model import Choice, Kind, Problem, Question
from bot.forms.parse import (
    Accepted,
    FileInfo,
    clean_text,
    parse_choice_index,
    parse_contact,
    parse_selection,
    parse_typed,
    parse_upload,
)
from bot.forms.present import format_answer
from bot.i18n import I18n, Translator
from tests.fuzz_forms import FORMS, RULESET, UNICODE_TEXT, Station, stations

I18N = I18n()
TRANSLATORS = [I18N.get("ky"), I18N.get("ru")]
TODAY = date(2026, 3, 8)
STATIONS = [s for form in FORMS.values() for s in stations(form)]
IDS = [f"{form_id}:{s.name}" for form_id, form in FORMS.items() for s in stations(form)]
# Typed text: any code point (RTL, zero-width, emoji...), markup, SQL, digits and separators.
TYPED = st.one_of(
    UNICODE_TEXT,
    st.text("0123456789 .,-+/()'`сомkgs\u00a0\u202f٠١٢³²¹", max_size=24),
    st.sampled_from(["<b>x</b>", "</i>", "'; DROP TABLE users; --", "*_[]()~", "\u200b"]),
)


def label_of(t: Translator) -> Any:
    return lambda choice: choice.text(t.language, t.gettext)


def _typed(station: Station, raw: str, t: Translator) -> Accepted | Problem:
    answers = station.item if station.item is not None else station.answers
    result = parse_typed(station.target, raw, answers, today=TODAY, label_of=label_of(t))
    assert isinstance(result, Accepted | Problem)
    return result


def _check_round_trip(question: Question, raw: str, value: Any, station: Station) -> None:
    kind = question.kind
    t = TRANSLATORS[0]
    # Control, bidi-override and zero-width characters are dropped before anything else.
    if kind is Kind.TEXT:
        assert value == " ".join(clean_text(raw).split())
    elif kind is Kind.LONG_TEXT:
        assert value == clean_text(raw).strip()
    elif kind in (Kind.INTEGER, Kind.MONEY):
        assert type(value) is int
        for tr in TRANSLATORS:  # what the bot shows can be typed back
            shown = format_answer(tr, question, value, station.answers)
            again = _typed(station, shown, tr)
            assert isinstance(again, Accepted) and again.value == value, shown
    elif kind is Kind.DATE:
        day = date.fromisoformat(value)
        again = _typed(station, day.strftime("%d.%m.%Y"), t)
        assert isinstance(again, Accepted) and again.value == value
    elif kind is Kind.PHONE:
        assert value.isascii() and len(value) == 13 and value.startswith("+996")
        assert parse_phone(format_phone(value)) == value
    elif kind is Kind.PIN:
        assert value.isascii() and value.isdigit() and len(value) == 14 and value[0] in "12"
        assert value == "".join(raw.split()).replace("-", "")
        pin_warnings(value, TODAY)
    elif kind is Kind.YES_NO:
        assert value is True or value is False
    elif kind is Kind.CHOICE:
        offered = {c.value for c in question.options(station.answers)}
        typed = " ".join(clean_text(raw).split())
        assert value in offered or (question.allow_typed and value == typed)


@pytest.mark.parametrize("station", STATIONS, ids=IDS)
@settings(max_examples=40, deadline=None)
@given(raw=TYPED)
def test_typed_answers_never_raise_and_round_trip(station: Station, raw: str) -> None:
    for t in TRANSLATORS:
        result = _typed(station, raw, t)
        if isinstance(result, Problem):
            assert problem_text(t, result)
            continue
        _check_round_trip(station.target, raw, result.value, station)
        for warning in result.warnings:
            assert warning.soft and problem_text(t, warning)
        assert isinstance(format_answer(t, station.target, result.value, station.answers), str)
        answer_hint(t, station.target)


FILES = st.builds(
    FileInfo,
    kind=st.sampled_from(["photo", "document"]),
    file_id=UNICODE_TEXT,
    file_unique_id=UNICODE_TEXT,
    size=st.one_of(st.none(), st.integers(min_value=-5, max_value=10**10)),
    mime_type=st.one_of(
        st.none(), st.sampled_from(["image/jpeg", "application/pdf"]), UNICODE_TEXT
    ),
    file_name=st.one_of(st.none(), UNICODE_TEXT),
)
UPLOADS = [s for s in STATIONS if s.target.kind is Kind.UPLOAD]


@pytest.mark.parametrize("station", UPLOADS, ids=[s.name for s in UPLOADS])
@settings(max_examples=60, deadline=None)
@given(file=FILES)
def test_files_are_checked_and_stored_as_sent(station: Station, file: FileInfo) -> None:
    result = parse_upload(station.target, file, station.answers)
    if isinstance(result, Problem):
        assert all(problem_text(t, result) for t in TRANSLATORS)
        return
    assert result.value["file_id"] == file.file_id
    assert result.value["file_name"] == file.file_name
    assert result.value["mime_type"] in station.target.accept
    assert file.size is None or file.size <= station.target.max_bytes


@settings(max_examples=200, deadline=None)
@given(phone=TYPED)
def test_shared_contacts_never_raise(phone: str) -> None:
    question = Question("phone", Kind.PHONE, "Phone?")
    result = parse_contact(question, phone, {})
    if isinstance(result, Accepted):
        assert parse_phone(result.value) == result.value
    else:
        assert all(problem_text(t, result) for t in TRANSLATORS)


BUTTONS = [s for s in STATIONS if s.target.kind in (Kind.CHOICE, Kind.YES_NO, Kind.MULTI_CHOICE)]


@pytest.mark.parametrize("station", BUTTONS, ids=[s.name for s in BUTTONS])
@settings(max_examples=40, deadline=None)
@given(index=TYPED, picked=st.lists(TYPED, max_size=5))
def test_forged_button_data_never_raises(station: Station, index: str, picked: list[str]) -> None:
    question = station.target
    if question.kind is Kind.MULTI_CHOICE:
        offered = [c.value for c in question.options(station.answers)]
        result = parse_selection(question, [*picked, *offered[:1]], station.answers)
        assert isinstance(result, Accepted) and set(result.value) <= set(offered)
        return
    result = parse_choice_index(question, index, station.answers)
    if isinstance(result, Accepted):
        assert index in {str(i) for i in range(max(2, len(question.options(station.answers))))}


@settings(max_examples=300, deadline=None)
@given(raw=TYPED)
def test_pin_parser_accepts_ascii_digits_only(raw: str) -> None:
    result = parse_pin(raw)
    if isinstance(result, str):
        assert result.isascii() and len(result) == 14


ANY_ANSWER = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**15), max_value=10**15), UNICODE_TEXT
)


@settings(max_examples=300, deadline=None)
@given(
    question_id=st.sampled_from(COUNT_QUESTIONS),
    number=st.integers(min_value=-(10**15), max_value=10**15),
    others=st.dictionaries(st.sampled_from(COUNT_QUESTIONS), ANY_ANSWER),
)
def test_eligibility_counts_never_raise(
    question_id: str, number: int, others: dict[str, Any]
) -> None:
    error = check_count(RULESET, question_id, number, others)
    if error is None:
        limits = RULESET.limits[question_id]
        assert limits.minimum <= number <= limits.maximum
        return
    limits = RULESET.limits[question_id]
    problem = count_problem(error, limits.minimum, limits.maximum)
    for t in TRANSLATORS:
        assert problem_text(t, problem)


def test_unicode_digits_are_not_numbers() -> None:
    """str.isdigit() says True for "²" and "١", which int() refuses or misreads."""
    integer = Question("n", Kind.INTEGER, "How many?")
    money = Question("m", Kind.MONEY, "How much?")
    for raw in ("²", "12²", "١٢", "⁵" * 3):
        for question in (integer, money):
            result = parse_typed(question, raw, {}, today=TODAY, label_of=str)
            assert isinstance(result, Problem), (raw, result)
    assert isinstance(parse_pin("1" + "²" * 13), Problem)
    assert isinstance(parse_phone("0555١٢٣٤٥٦"), Problem)
    choice = Question("c", Kind.CHOICE, "Which?", choices=(Choice("a", "A"), Choice("b", "B")))
    assert isinstance(parse_typed(choice, "²", {}, today=TODAY, label_of=str), Problem)
