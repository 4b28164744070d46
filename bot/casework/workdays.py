"""Working days in Asia/Bishkek: Monday to Friday, minus the public holidays of a data file.

Pure domain code (no Telegram, no database). The holiday list is an [assumed] configurable file,
bot/data/holidays.toml, read once at start-up.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

from bot.i18n import BISHKEK

HOLIDAYS_FILE = Path(__file__).resolve().parent.parent / "data" / "holidays.toml"


@dataclass(frozen=True, slots=True)
class Holidays:
    """Days off besides weekends: every year on (month, day), plus single dates."""

    annual: frozenset[tuple[int, int]] = frozenset()
    dates: frozenset[date] = frozenset()

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, date):
            return False
        return (day.month, day.day) in self.annual or day in self.dates


NO_HOLIDAYS = Holidays()


class HolidaysError(Exception):
    """The holiday file is broken; the message names the bad entry for the operator."""


def parse_holidays(data: dict[str, object]) -> Holidays:
    annual: set[tuple[int, int]] = set()
    for entry in _strings(data.get("annual", []), "annual"):
        try:
            month, day = (int(p) for p in entry.split("-"))
            date(2024, month, day)  # a leap year accepts every real month-day
        except ValueError:
            raise HolidaysError(f"holidays: annual entry {entry!r} is not MM-DD") from None
        annual.add((month, day))
    dates: set[date] = set()
    for entry in _strings(data.get("dates", []), "dates"):
        try:
            dates.add(date.fromisoformat(entry))
        except ValueError:
            raise HolidaysError(f"holidays: date {entry!r} is not YYYY-MM-DD") from None
    return Holidays(frozenset(annual), frozenset(dates))


def _strings(value: object, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise HolidaysError(f"holidays: {key!r} must be a list of strings")
    return list(value)


def load_holidays(path: Path = HOLIDAYS_FILE) -> Holidays:
    try:
        with path.open("rb") as fp:
            return parse_holidays(tomllib.load(fp))
    except FileNotFoundError:
        raise HolidaysError(f"holidays file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise HolidaysError(f"holidays file {path} is not valid TOML: {exc}") from None


@cache
def default_holidays() -> Holidays:
    """The holiday file shipped with the bot, read once (the first call checks it)."""
    return load_holidays(HOLIDAYS_FILE)


def is_working_day(day: date, holidays: Holidays = NO_HOLIDAYS) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: datetime, days: int, holidays: Holidays = NO_HOLIDAYS) -> datetime:
    """The same Bishkek clock time, `days` working days after `start` (aware, returned in UTC).

    Counting starts the day after `start`: submitted on a Monday at 10:00, five working days
    end the next Monday at 10:00; on a Saturday, the next Friday.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if days < 0:
        raise ValueError("days must be >= 0")
    local = start.astimezone(BISHKEK)
    day = local.date()
    left = days
    while left:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            left -= 1
    result = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=BISHKEK)
    return result.astimezone(start.tzinfo)


def working_days_between(start: date, end: date, holidays: Holidays = NO_HOLIDAYS) -> int:
    """Working days in (start, end]: how many have passed since `start`."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            count += 1
    return count
