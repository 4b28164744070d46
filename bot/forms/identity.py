"""Kyrgyz phone numbers and PINs, as PROGRAM.md describes them.

Phone: country code 996 and a 9-digit national number; typed as +996…, 996… or 0…, with
spaces, dashes or brackets; stored +996XXXXXXXXX. Mobile prefixes 22x 50x 55x 70x 77x 88x 99x,
755 and 600.
PIN: 14 digits, `^[12]\\d{13}$`. Digits 2-9 read as the birth date DDMMYYYY in public code; a
date that does not parse is only a warning (no checksum or structure is documented).
"""

from __future__ import annotations

import re
from datetime import date

from bot.forms.model import Day, Problem, is_digits

MOBILE_PREFIXES_2 = frozenset({"22", "50", "55", "70", "77", "88", "99"})
MOBILE_PREFIXES_3 = frozenset({"755", "600"})
_PHONE_JUNK = re.compile(r"[\s\-().\u00a0]")
_PIN_JUNK = re.compile(r"[\s\-\u00a0]")


def parse_phone(raw: str) -> str | Problem:
    """+996XXXXXXXXX, or the Problem with the number typed."""
    text = _PHONE_JUNK.sub("", raw.strip())
    if not text:
        return Problem("phone_format")
    plus = text.startswith("+")
    digits = text[1:] if plus else text
    if not is_digits(digits):
        return Problem("phone_format")
    if digits.startswith("996"):
        national = digits[3:]
    elif plus:
        return Problem("phone_country")
    elif digits.startswith("0"):
        national = digits[1:]
    elif len(digits) == 9:
        national = digits  # typed without the leading 0
    else:
        return Problem("phone_length", {"count": len(digits)})
    if len(national) != 9:
        return Problem("phone_length", {"count": len(national)})
    if national[:2] not in MOBILE_PREFIXES_2 and national[:3] not in MOBILE_PREFIXES_3:
        return Problem("phone_prefix", {"prefix": national[:3]})
    return "+996" + national


def format_phone(stored: str) -> str:
    """+996 555 123 456, for reading."""
    if len(stored) == 13 and stored.startswith("+996"):
        n = stored[4:]
        return f"+996 {n[:3]} {n[3:6]} {n[6:]}"
    return stored


def mask_phone(stored: str) -> str:
    """For logs: +996*****3456."""
    return stored[:4] + "*" * max(0, len(stored) - 8) + stored[-4:] if len(stored) > 8 else "***"


PIN_LENGTH = 14


def parse_pin(raw: str) -> str | Problem:
    """The 14 digits, or the Problem (specific: how many digits were sent, a bad first digit)."""
    text = _PIN_JUNK.sub("", raw.strip())
    if not is_digits(text):
        return Problem("pin_digits")
    if len(text) != PIN_LENGTH:
        return Problem("pin_length", {"count": len(text)})
    if text[0] not in "12":
        return Problem("pin_first_digit", {"digit": text[0]})
    return text


def pin_birth_date(pin: str) -> date | None:
    """The birth date read from digits 2-9 (DDMMYYYY), or None when they are not a date."""
    try:
        day, month, year = int(pin[1:3]), int(pin[3:5]), int(pin[5:9])
        return date(year, month, day)
    except (ValueError, IndexError):
        return None


def pin_warnings(pin: str, today: date) -> tuple[Problem, ...]:
    """A soft warning when the birth date inside the PIN does not look like one."""
    born = pin_birth_date(pin)
    if born is None:
        return (Problem("pin_birth_date_unreadable", soft=True),)
    if born > today or born.year < 1900:
        return (Problem("pin_birth_date_unlikely", {"date": Day(born)}, soft=True),)
    return ()


def mask_pin(pin: str) -> str:
    """For logs: the first and last two digits only."""
    return pin[:2] + "*" * max(0, len(pin) - 4) + pin[-2:] if len(pin) > 4 else "***"
