"""Money, dates and plurals through Babel in each language; masking of PINs and phones."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import I18n, negotiate
from bot.logs import mask

NBSP = "\xa0"


def test_money_in_som_both_languages() -> None:
    i18n = I18n()
    assert i18n.get("ky").money(150000) == f"150{NBSP}000 сом"
    assert i18n.get("ru").money(150000) == f"150{NBSP}000 сом"  # ru_KG, not "KGS"


def test_dates_have_four_digit_years_and_bishkek_time() -> None:
    i18n = I18n()
    assert i18n.get("ky").date(date(2025, 3, 8)) == "08.03.2025"
    # 20:30 UTC is 02:30 next day in Bishkek (UTC+6)
    assert i18n.get("ru").datetime(datetime(2025, 3, 8, 20, 30, tzinfo=UTC)) == "09.03.2025 02:30"


def test_russian_plural_forms_of_years() -> None:
    t = I18n().get("ru")
    msg = (
        "⚠️ Important: {months} months after signing, the family stops receiving the "
        "«үй-бүлөгө көмөк» benefit for {years} year."
    )
    plural = msg.replace("{years} year.", "{years} years.")
    assert t.ngettext(msg, plural, 1).endswith("на {years} год.")
    assert t.ngettext(msg, plural, 3).endswith("на {years} года.")
    assert t.ngettext(msg, plural, 5).endswith("на {years} лет.")


def test_language_hint_negotiation() -> None:
    assert negotiate("ru-RU") == "ru"
    assert negotiate("ky") == "ky"
    assert negotiate("en") is None
    assert negotiate(None) is None


def test_mask_hides_pins_and_phones_but_not_user_ids() -> None:
    assert mask("pin 21234567890123") == "pin ***********123"
    assert mask("call +996 700 123 456") == "call +*** *** *** 456"
    assert mask("call 0700123456") == "call *******456"
    assert mask("user 5123456789 wrote") == "user 5123456789 wrote"


@given(st.from_regex(r"[12]\d{13}", fullmatch=True), st.text(max_size=20))
def test_mask_never_leaks_a_pin(pin: str, noise: str) -> None:
    masked = mask(f"{noise} PIN={pin} {noise}")
    assert pin not in masked
    assert pin[-3:] in masked
