"""Composing a broadcast: the steps, the limits Telegram puts on texts, the schedule time.

Pure functions and data: the handlers keep the draft in the broadcasts table (the step says
which typed input is expected next), so a restart in the middle of composing loses nothing.
"""

from __future__ import annotations

import enum
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.i18n import BISHKEK, N_

MAX_TEXT = 4096  # Telegram's limit on a message text
MAX_CAPTION = 1024  # ... and on a photo or document caption
MAX_SCHEDULE_AHEAD = timedelta(days=90)
# A draft nobody touched for this long no longer catches the admin's typed messages.
DRAFT_TTL = timedelta(hours=24)


class Step(enum.StrEnum):
    """The typed input a draft waits for (None: it waits for a button)."""

    TEXT_ALL = "text_all"  # one text for every family
    TEXT_KY = "text_ky"
    TEXT_RU = "text_ru"
    ATTACHMENT = "attachment"  # a photo or document, or the Skip button
    SCHEDULE = "schedule"  # a date and time in Bishkek


class TextMode(enum.StrEnum):
    SEPARATE = "separate"  # a Kyrgyz and a Russian text
    ONE = "one"  # one text for both


class ComposeError(ValueError):
    """Input the admin must correct; `message` is a msgid, `params` fill it after translation."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


def check_text(plain: str, *, with_attachment: bool) -> None:
    """The text as Telegram will count it (markup removed): not empty, within its limit."""
    if not plain.strip():
        raise ComposeError(N_("The text is empty. Please send the announcement as text."))
    limit = MAX_CAPTION if with_attachment else MAX_TEXT
    if len(plain) > limit:
        raise ComposeError(
            N_("The text is {length} characters long; at most {limit} are allowed."),
            length=len(plain),
            limit=limit,
        )


def check_attachment(text_lengths: list[int]) -> None:
    """An attachment carries the text as its caption, which Telegram limits to 1024."""
    longest = max(text_lengths, default=0)
    if longest > MAX_CAPTION:
        raise ComposeError(
            N_(
                "With a photo or document the text becomes its caption, and Telegram allows "
                "at most {limit} characters there; your text has {length}. Send a shorter "
                "text with /broadcast, or press Skip to send it without an attachment."
            ),
            length=longest,
            limit=MAX_CAPTION,
        )


_SCHEDULE_RE = re.compile(
    r"^\s*(\d{1,2})[./-](\d{1,2})(?:[./-](\d{4}))?[\s,]+(\d{1,2})[:.](\d{2})\s*$"
)


@dataclass(frozen=True, slots=True)
class Schedule:
    at: datetime  # UTC


def parse_schedule(text: str, now: datetime) -> Schedule:
    """ "25.12.2026 14:30" (or "25.12 14:30": this year, or next if passed) in Bishkek time."""
    match = _SCHEDULE_RE.match(text)
    if match is None:
        raise ComposeError(
            N_("Please send the date and time like this: {example}"), example="25.12.2026 14:30"
        )
    day, month, year, hour, minute = (int(g) if g else None for g in match.groups())
    assert day is not None and month is not None and hour is not None and minute is not None
    local_now = now.astimezone(BISHKEK)
    try:
        local = datetime(year or local_now.year, month, day, hour, minute, tzinfo=BISHKEK)
        if year is None and local <= local_now:
            local = local.replace(year=local.year + 1)
    except ValueError:
        raise ComposeError(
            N_("There is no such date or time. Please send it like this: {example}"),
            example="25.12.2026 14:30",
        ) from None
    at = local.astimezone(UTC)
    if at <= now:
        raise ComposeError(N_("This time has already passed. Please send a time in the future."))
    if at - now > MAX_SCHEDULE_AHEAD:
        raise ComposeError(N_("A broadcast can be scheduled at most 90 days ahead."))
    return Schedule(at)


_TAG = re.compile(r"<[^>]+>")


def plain_length(html_text: str) -> int:
    """Characters Telegram counts in an HTML text (tags removed, entities decoded)."""
    return len(html.unescape(_TAG.sub("", html_text)))
