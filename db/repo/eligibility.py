"""Stored eligibility checks: add a finished check, read a family's latest and its history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Direction, EligibilityCheck, MessageLog


async def add_check(
    session: AsyncSession,
    *,
    user_id: int,
    ruleset_version: str,
    language: str,
    answers: dict[str, Any],
    outcome: str,
    verdicts: list[dict[str, Any]],
    priority_flags: list[str],
    priority_score: int,
    started_at: datetime | None = None,
) -> EligibilityCheck:
    """Store one finished check (a new row each time: the history is kept)."""
    now = utcnow()
    check = EligibilityCheck(
        user_id=user_id,
        ruleset_version=ruleset_version,
        language=language,
        answers=answers,
        outcome=outcome,
        verdicts=verdicts,
        priority_flags=priority_flags,
        priority_score=priority_score,
        started_at=started_at or now,
        updated_at=now,
        finished_at=now,
    )
    session.add(check)
    await session.flush()  # the id, for the result's button and the application's link
    return check


async def latest_check(session: AsyncSession, user_id: int) -> EligibilityCheck | None:
    """The family's most recent finished check, if any."""
    return await session.scalar(
        select(EligibilityCheck)
        .where(EligibilityCheck.user_id == user_id, EligibilityCheck.finished_at.is_not(None))
        .order_by(EligibilityCheck.id.desc())
        .limit(1)
    )


async def checks_of(session: AsyncSession, user_id: int) -> list[EligibilityCheck]:
    """Every finished check of a family, oldest first (the history caseworkers may read)."""
    rows = await session.scalars(
        select(EligibilityCheck)
        .where(EligibilityCheck.user_id == user_id, EligibilityCheck.finished_at.is_not(None))
        .order_by(EligibilityCheck.id)
    )
    return list(rows)


async def get_check(session: AsyncSession, check_id: int) -> EligibilityCheck | None:
    return await session.get(EligibilityCheck, check_id)


async def verdict_sent_since(
    session: AsyncSession,
    chat_id: int,
    since: datetime,
    headlines: Sequence[str],
    before_message_id: int | None = None,
) -> bool:
    """Whether the chat was sent a message starting with one of `headlines` at or after `since`
    (and, if `before_message_id` is given, before that message of the chat: Telegram numbers
    a private chat's messages, both sides, in the order they were sent).

    A check is stored before its verdict is sent; the verdict's outbound log row (its first
    line is the outcome's headline, in the family's language) says it went out.
    """
    if not headlines:
        return False
    query = select(MessageLog.id).where(
        MessageLog.chat_id == chat_id,
        MessageLog.direction == Direction.OUT,
        MessageLog.created_at >= since,
        or_(*(MessageLog.text.startswith(h, autoescape=True) for h in headlines)),
    )
    if before_message_id is not None:
        query = query.where(MessageLog.telegram_message_id < before_message_id)
    found = await session.scalar(query.limit(1))
    return found is not None
