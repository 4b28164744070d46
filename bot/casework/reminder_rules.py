"""When reminders fall due. Pure domain logic: the job in bot/casework/reminders.py applies it.

The three reminders of the program (times in Asia/Bishkek):
  draft_idle       a draft nobody touched for 3 days: the family is reminded once per idle spell;
  info_unanswered  a caseworker's question unanswered after 3 days: the family is reminded;
  unassigned       a submitted application nobody took within 5 working days: the admins.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from bot.casework.workdays import NO_HOLIDAYS, Holidays, add_working_days


class ReminderKind(enum.StrEnum):
    DRAFT_IDLE = "draft_idle"
    INFO_UNANSWERED = "info_unanswered"
    UNASSIGNED = "unassigned"


DRAFT_IDLE_AFTER = timedelta(days=3)
INFO_UNANSWERED_AFTER = timedelta(days=3)
UNASSIGNED_WORKING_DAYS = 5
# A claimed reminder whose sender died (crash, restart) may be claimed again after this.
CLAIM_LEASE = timedelta(minutes=5)
# Delivery attempts before a reminder is given up (the family blocked the bot, ...).
MAX_ATTEMPTS = 3


def due_at(kind: ReminderKind, since: datetime, holidays: Holidays = NO_HOLIDAYS) -> datetime:
    """The moment a reminder of `kind` falls due, counted from `since` (its anchor time)."""
    if kind is ReminderKind.DRAFT_IDLE:
        return since + DRAFT_IDLE_AFTER
    if kind is ReminderKind.INFO_UNANSWERED:
        return since + INFO_UNANSWERED_AFTER
    return add_working_days(since, UNASSIGNED_WORKING_DAYS, holidays)


def anchor_key(since: datetime) -> str:
    """A stable text key of the anchor time (microseconds dropped: databases round them)."""
    return since.replace(microsecond=0).isoformat()


def claimable(now: datetime, claimed_at: datetime | None, attempts: int) -> bool:
    """May a due, unsent reminder be claimed now? Unclaimed, or its claim's lease ran out."""
    if attempts >= MAX_ATTEMPTS:
        return False
    return claimed_at is None or claimed_at <= now - CLAIM_LEASE
