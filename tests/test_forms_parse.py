"""The engine's question types: parsing and validation, with property-based fuzzing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.forms.identity import (
    format_phone,
    mask_phone,
    mask_pin,
    parse_phone,
    parse_pin,
    pin_birth_date,
    pin_warnings,
)
from bot.forms.model import Amount, Choice, Day, Kind, Problem, Question
from bot.forms.parse import (
    Accepted,
    FileInfo,
    parse_choice_index,
    parse_contact,
    parse_integer,
    parse_money,
    parse_selection,
    parse_text,
    parse_typed,
    parse_upload,
)

TODAY = date(2026, 3, 8)
CHOICES = (Choice("cow", "Cow"), Choice("sheep", "Sheep"), Choice("other", "Other"))


def label(choice: Choice) -> str:
    return choice.label


def typed(question: Question, raw: str, answers: dict[str, Any] | None = None) -> Any:
    return parse_typed(question, raw, answers or {}, today=TODAY, label_of=label)


def code(result: Any) -> str:
    assert isinstance(result, Problem), result
    return result.code


def value(result: Any) -> Any:
    assert isinstance(result, Accepted), result
    return result.value


# -- text --------------------------------------------------------------------------------------


def test_text_is_trimmed_and_one_line() -> None:
    q = Question("name", Kind.TEXT, "Name?")
    assert value(typed(q, "  Асанова \n Айгүл  ")) == "Асанова Айгүл"


def test_long_text_keeps_line_breaks_and_states_the_limit() -> None:
    q = Question("about", Kind.LONG_TEXT, "About?", max_length=10)
    assert value(typed(q, "бир\nэки")) == "бир\nэки"
    problem = typed(q, "ы" * 11)
    assert code(problem) == "text_too_long"
    assert problem.params == {"limit": 10, "length": 11}


def test_text_empty_and_too_short() -> None:
    q = Question("x", Kind.TEXT, "X?", min_length=3)
    assert code(typed(q, "   ")) == "text_empty"
    assert code(typed(q, "ab")) == "text_too_short"


def test_default_limits() -> None:
    assert Question("a", Kind.TEXT, "A").text_limit == 200
    assert Question("b", Kind.LONG_TEXT, "B").text_limit == 1500


# -- numbers and money -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("3", 3), (" 12 ", 12), ("1 000", 1000), ("-4", -4), ("0", 0)],
)
def test_integer_accepts(raw: str, expected: int) -> None:
    assert parse_integer(raw) == expected


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("three", "integer_format"),
        ("2.5", "integer_whole"),
        ("", "integer_format"),
        ("1" * 13, "number_too_big"),
        ("12abc", "integer_format"),
    ],
)
def test_integer_refuses(raw: str, problem: str) -> None:
    assert code(parse_integer(raw)) == problem


def test_integer_bounds() -> None:
    q = Question("n", Kind.INTEGER, "N?", min_value=1, max_value=30)
    assert code(typed(q, "0")) == "number_min"
    assert typed(q, "31").params == {"max": 30}
    assert value(typed(q, "30")) == 30


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("150000", 150000),
        ("150 000", 150000),
        ("150\u00a0000 сом", 150000),
        ("150.000", 150000),
        ("150,000", 150000),
        ("25 000,00", 25000),
        ("1 200 сом", 1200),
        ("300 som", 300),
        ("0", 0),
    ],
)
def test_money_accepts(raw: str, expected: int) -> None:
    assert parse_money(raw) == expected


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("12,50", "money_whole"),
        ("сто", "money_format"),
        ("", "money_format"),
        ("9" * 13, "number_too_big"),
        ("1.2.3", "money_format"),
    ],
)
def test_money_refuses(raw: str, problem: str) -> None:
    assert code(parse_money(raw)) == problem


def test_money_bounds_are_amounts() -> None:
    q = Question("price", Kind.MONEY, "Price?", min_value=1, max_value=150_000)
    problem = typed(q, "200 000")
    assert code(problem) == "number_max" and problem.params == {"max": Amount(150_000)}


@given(st.integers(min_value=0, max_value=10**11))
def test_money_round_trips_grouped_numbers(n: int) -> None:
    grouped = f"{n:,}".replace(",", " ")
    assert parse_money(grouped) == n
    assert parse_money(f"{n} сом") == n
    assert parse_integer(grouped) == n


@given(st.text(max_size=40))
def test_number_parsers_never_raise(raw: str) -> None:
    for result in (parse_integer(raw), parse_money(raw)):
        assert isinstance(result, int | Problem)


# -- dates -------------------------------------------------------------------------------------


def test_date_formats_and_bounds() -> None:
    q = Question(
        "start", Kind.DATE, "When?", min_date=lambda t: t, max_date=lambda t: t + timedelta(30)
    )
    assert value(typed(q, "15.03.2026")) == "2026-03-15"
    assert value(typed(q, "9/3/2026")) == "2026-03-09"
    assert code(typed(q, "2026-03-15")) == "date_format"
    assert code(typed(q, "31.02.2026")) == "date_invalid"
    early = typed(q, "01.03.2026")
    assert code(early) == "date_min" and early.params == {"min": Day(TODAY)}
    assert code(typed(q, "01.05.2026")) == "date_max"


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_date_round_trip(day: date) -> None:
    q = Question("d", Kind.DATE, "D?")
    assert value(typed(q, day.strftime("%d.%m.%Y"))) == day.isoformat()


# -- phone -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "+996 555 123 456",
        "+996555123456",
        "996555123456",
        "0555 123 456",
        "0555-12-34-56",
        "(0555) 123456",
        "555123456",
    ],
)
def test_phone_accepts_the_usual_spellings(raw: str) -> None:
    assert parse_phone(raw) == "+996555123456"


@pytest.mark.parametrize("prefix", ["22", "50", "55", "70", "77", "88", "99"])
def test_phone_mobile_prefixes(prefix: str) -> None:
    assert parse_phone(f"0{prefix}1234567") == f"+996{prefix}1234567"


def test_phone_three_digit_prefixes_and_refusals() -> None:
    assert parse_phone("0755123456") == "+996755123456"
    assert parse_phone("0600123456") == "+996600123456"
    assert code(parse_phone("0312123456")) == "phone_prefix"  # a Bishkek landline
    assert code(parse_phone("+7 912 345 67 89")) == "phone_country"
    problem = parse_phone("0555 123 45")
    assert code(problem) == "phone_length" and problem.params == {"count": 8}
    assert code(parse_phone("номер")) == "phone_format"
    assert code(parse_phone("")) == "phone_format"


def test_phone_contact_with_or_without_plus() -> None:
    q = Question("phone", Kind.PHONE, "Phone?")
    assert value(parse_contact(q, "996700123456", {})) == "+996700123456"
    assert value(parse_contact(q, "+996700123456", {})) == "+996700123456"
    assert code(parse_contact(q, "+79123456789", {})) == "phone_country"


@given(
    st.sampled_from(["22", "50", "55", "70", "77", "88", "99"]),
    st.text("0123456789", min_size=7, max_size=7),
)
def test_phone_every_spelling_gives_one_stored_form(prefix: str, rest: str) -> None:
    stored = f"+996{prefix}{rest}"
    national = prefix + rest
    spellings = [
        stored,
        "996" + national,
        "0" + national,
        f"+996 {national[:3]} {national[3:6]} {national[6:]}",
        f"0{national[:3]}-{national[3:5]}-{national[5:7]}-{national[7:]}",
    ]
    assert all(parse_phone(s) == stored for s in spellings)
    assert parse_phone(format_phone(stored)) == stored


@given(st.text(max_size=30))
def test_phone_parser_never_raises_and_stores_one_shape(raw: str) -> None:
    result = parse_phone(raw)
    if isinstance(result, str):
        assert len(result) == 13 and result.startswith("+996") and result[1:].isdigit()


def test_only_ascii_digits_count() -> None:
    """Found by fuzzing: "¹".isdigit() is True but int("¹") fails; "٣" would be misread."""
    assert code(parse_integer("¹")) == "integer_format"
    assert code(parse_money("٣٠٠")) == "money_format"
    assert code(parse_pin("²" * 14)) == "pin_digits"
    assert code(parse_phone("0555¹23456")) == "phone_format"
    q = Question("c", Kind.CHOICE, "C?", choices=CHOICES)
    assert code(parse_choice_index(q, "¹", {})) == "stale"
    assert code(typed(q, "²")) == "choose_button"


def test_masks_hide_the_middle() -> None:
    assert mask_phone("+996555123456") == "+996*****3456"
    assert mask_pin("21503198512345") == "21**********45"


# -- PIN ---------------------------------------------------------------------------------------


def test_pin_specific_messages() -> None:
    short = parse_pin("215031985123")
    assert code(short) == "pin_length" and short.params == {"count": 12}
    assert code(parse_pin("2150319851234567")) == "pin_length"
    assert code(parse_pin("31503198512345")) == "pin_first_digit"
    assert code(parse_pin("2150319851234a")) == "pin_digits"
    assert parse_pin("2 1503 1985 12345") == "21503198512345"


def test_pin_birth_date_is_only_a_warning() -> None:
    q = Question("pin", Kind.PIN, "PIN?")
    ok = typed(q, "21503198512345")
    assert value(ok) == "21503198512345" and ok.warnings == ()
    odd = typed(q, "29999199912345")  # day 99: not a date
    assert value(odd) == "29999199912345"
    assert [w.code for w in odd.warnings] == ["pin_birth_date_unreadable"]
    assert all(w.soft for w in odd.warnings)
    future = pin_warnings("10101209912345", TODAY)
    assert [w.code for w in future] == ["pin_birth_date_unlikely"]
    assert pin_birth_date("21503198512345") == date(1985, 3, 15)


@given(st.text(max_size=20))
def test_pin_parser_accepts_exactly_the_documented_shape(raw: str) -> None:
    result = parse_pin(raw)
    compact = "".join(raw.split()).replace("-", "")
    if isinstance(result, str):
        assert len(result) == 14 and result.isdigit() and result[0] in "12"
        assert result == compact
    else:
        documented = compact.isascii() and compact.isdigit() and compact[0:1] in ("1", "2")
        assert not (len(compact) == 14 and documented)


@given(st.integers(min_value=10**13, max_value=3 * 10**13 - 1))
def test_pin_any_fourteen_digits_starting_1_or_2(n: int) -> None:
    assert parse_pin(str(n)) == str(n)


# -- choices -----------------------------------------------------------------------------------


def test_choice_by_button_and_typed_label() -> None:
    q = Question("animal", Kind.CHOICE, "Which?", choices=CHOICES)
    assert value(parse_choice_index(q, "1", {})) == "sheep"
    assert code(parse_choice_index(q, "9", {})) == "stale"
    assert code(parse_choice_index(q, "x", {})) == "stale"
    assert value(typed(q, " cow ")) == "cow"
    assert value(typed(q, "2")) == "sheep"  # its number
    assert code(typed(q, "goat")) == "choose_button"


def test_choice_with_typed_other() -> None:
    q = Question(
        "district",
        Kind.CHOICE,
        "Which?",
        choices=CHOICES,
        allow_typed=True,
        max_length=20,
        min_length=2,
    )
    assert value(typed(q, "Sheep")) == "sheep"
    assert value(typed(q, "Ак-Суу")) == "Ак-Суу"
    assert code(typed(q, "x" * 21)) == "text_too_long"


def test_dynamic_choices_see_earlier_answers() -> None:
    def by_region(answers: Any) -> tuple[Choice, ...]:
        return (Choice("a", "A"),) if answers.get("region") == "KG-C" else ()

    q = Question("d", Kind.CHOICE, "D?", choices=by_region)
    assert q.options({"region": "KG-C"}) == (Choice("a", "A"),)
    assert q.options({}) == ()


def test_yes_no() -> None:
    q = Question("ok", Kind.YES_NO, "OK?")
    assert value(parse_choice_index(q, "1", {})) is True
    assert value(parse_choice_index(q, "0", {})) is False
    assert code(parse_choice_index(q, "2", {})) == "stale"

    def translate(choice: Choice) -> str:
        return {"Yes": "Ооба", "No": "Жок"}[choice.label]

    assert value(parse_typed(q, "ооба", {}, today=TODAY, label_of=translate)) is True
    assert value(parse_typed(q, "Жок", {}, today=TODAY, label_of=translate)) is False
    assert code(parse_typed(q, "балким", {}, today=TODAY, label_of=translate)) == "choose_button"


def test_multi_choice_selection_in_option_order() -> None:
    q = Question("m", Kind.MULTI_CHOICE, "M?", choices=CHOICES, min_selected=2)
    assert value(
        parse_selection(
            Question("m", Kind.MULTI_CHOICE, "M?", choices=CHOICES), ["other", "cow"], {}
        )
    ) == ["cow", "other"]
    problem = parse_selection(q, ["cow"], {})
    assert code(problem) == "select_at_least" and problem.params == {"count": 2}
    assert code(typed(q, "cow")) == "choose_button"


@given(st.lists(st.sampled_from(["cow", "sheep", "other", "forged"]), max_size=6))
def test_multi_choice_keeps_only_offered_values(selected: list[str]) -> None:
    q = Question("m", Kind.MULTI_CHOICE, "M?", choices=CHOICES)
    result = parse_selection(q, selected, {})
    if isinstance(result, Accepted):
        assert set(result.value) <= {"cow", "sheep", "other"}
        assert len(result.value) == len(set(result.value))


# -- uploads -----------------------------------------------------------------------------------


def test_upload_type_and_size() -> None:
    q = Question("id_card", Kind.UPLOAD, "ID?", max_bytes=1024 * 1024)
    photo = FileInfo("photo", "F1", "U1", 2000, None)
    stored = value(parse_upload(q, photo, {}))
    assert stored["file_id"] == "F1" and stored["mime_type"] == "image/jpeg"
    pdf = FileInfo("document", "F2", "U2", 5000, "application/pdf", "passport.pdf")
    assert value(parse_upload(q, pdf, {}))["file_name"] == "passport.pdf"
    word = FileInfo("document", "F3", "U3", 5000, "application/msword", "a.doc")
    refused = parse_upload(q, word, {})
    assert code(refused) == "upload_type" and refused.params == {"types": "JPG, PDF, PNG"}
    big = FileInfo("document", "F4", "U4", 3 * 1024 * 1024, "application/pdf", "big.pdf")
    too_big = parse_upload(q, big, {})
    assert code(too_big) == "upload_too_big"
    assert too_big.params == {"limit_mb": 1, "size_mb": "3.0"}
    assert code(typed(q, "here it is")) == "upload_expected"


# -- constraints -------------------------------------------------------------------------------


def test_constraint_sees_earlier_answers_and_soft_problems_are_warnings() -> None:
    def fewer(v: Any, answers: Any) -> Problem | None:
        if v >= answers.get("size", 99):
            return Problem.custom("too many {size}", size=answers["size"])
        if v == 0:
            return Problem("none", soft=True)
        return None

    q = Question("kids", Kind.INTEGER, "Kids?", min_value=0, constraint=fewer)
    refused = typed(q, "5", {"size": 5})
    assert code(refused) == "custom" and refused.message == "too many {size}"
    warned = typed(q, "0", {"size": 5})
    assert value(warned) == 0 and [w.code for w in warned.warnings] == ["none"]


def test_question_and_form_ids_are_checked() -> None:
    with pytest.raises(ValueError):
        Question("Bad-Id", Kind.TEXT, "x")
    with pytest.raises(ValueError):
        Question("r", Kind.REPEAT, "x")  # no fields
    with pytest.raises(ValueError):
        Question("c", Kind.CHOICE, "x")  # no choices


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("Айгүл\x00 Асанова", "Айгүл Асанова"),  # NUL: PostgreSQL would refuse the row
        ("\u202eАсанова\u202c", "Асанова"),  # a bidi override would reorder it for caseworkers
        ("Ай\u200bгүл", "Айгүл"),  # zero-width space
        ("👨\u200d👩\u200d👧 үй-бүлө", "👨\u200d👩\u200d👧 үй-бүлө"),  # ZWJ emoji kept
    ],
)
def test_unsafe_characters_are_dropped(raw: str, stored: str) -> None:
    question = Question("full_name", Kind.TEXT, "Full name?")
    assert parse_text(question, raw) == stored


@pytest.mark.parametrize("raw", ["\u200b\u200b", "\u200d", " \ufeff ", "\x00"])
def test_invisible_only_answer_is_empty(raw: str) -> None:
    question = Question("village", Kind.TEXT, "Village?")
    result = parse_text(question, raw)
    assert isinstance(result, Problem) and result.code == "text_empty"
