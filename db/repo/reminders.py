"""Reminders: planned idempotently, claimed atomically, marked sent or cancelled."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import Status
from db.models import Application, InfoRequest, Reminder


async def plan(
    session: AsyncSession, kind: str, application_id: int, anchor: str, due_at: datetime
) -> None:
    """Insert the reminder unless (kind, application, anchor) exists: any process may plan it."""
    values = {
        "kind": kind,
        "application_id": application_id,
        "anchor": anchor,
        "due_at": due_at,
        "attempts": 0,
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Reminder)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["kind", "application_id", "anchor"])
    )
    await session.execute(statement)


async def idle_drafts(session: AsyncSession, idle_before: datetime) -> list[Application]:
    """Drafts untouched since `idle_before` and not yet planned for this idle spell (a draft
    abandoned for months is not looked at again every minute)."""
    planned = (
        select(Reminder.id)
        .where(
            Reminder.application_id == Application.id,
            Reminder.kind == "draft_idle",
            Reminder.created_at >= Application.updated_at,
        )
        .exists()
    )
    rows = await session.scalars(
        select(Application).where(
            Application.status == Status.DRAFT, Application.updated_at <= idle_before, ~planned
        )
    )
    return list(rows)


async def unanswered_requests(session: AsyncSession) -> list[InfoRequest]:
    rows = await session.scalars(
        select(InfoRequest)
        .join(Application, Application.id == InfoRequest.application_id)
        .where(InfoRequest.answered_at.is_(None), Application.status == Status.NEEDS_INFO)
    )
    return list(rows)


async def untaken(session: AsyncSession) -> list[Application]:
    rows = await session.scalars(
        select(Application).where(
            Application.status == Status.SUBMITTED,
            Application.assigned_to.is_(None),
            Application.submitted_at.is_not(None),
        )
    )
    return list(rows)


async def due_ids(
    session: AsyncSession, now: datetime, lease_expired_before: datetime, max_attempts: int
) -> list[int]:
    """Due, unsent reminders that nobody holds (or whose holder's lease ran out)."""
    rows = await session.scalars(
        select(Reminder.id)
        .where(
            Reminder.due_at <= now,
            Reminder.sent_at.is_(None),
            Reminder.cancelled_at.is_(None),
            Reminder.attempts < max_attempts,
            or_(Reminder.claimed_at.is_(None), Reminder.claimed_at <= lease_expired_before),
        )
        .order_by(Reminder.due_at)
        .limit(100)
    )
    return list(rows)


async def claim(
    session: AsyncSession,
    reminder_id: int,
    claimer: str,
    now: datetime,
    lease_expired_before: datetime,
    max_attempts: int,
) -> Reminder | None:
    """Take the reminder for this process; exactly one claimer wins the conditional UPDATE.

    The WHERE re-checks everything due_ids() looked at: between the two, another process may
    have sent it, claimed it, or used up its last attempt. On PostgreSQL a concurrent claimer
    waits for the row and then re-evaluates the condition against the committed row; SQLite
    runs one writer at a time. Either way only one UPDATE matches.
    """
    result = await session.execute(
        update(Reminder)
        .where(
            Reminder.id == reminder_id,
            Reminder.sent_at.is_(None),
            Reminder.cancelled_at.is_(None),
            Reminder.attempts < max_attempts,
            or_(Reminder.claimed_at.is_(None), Reminder.claimed_at <= lease_expired_before),
        )
        .values(claimed_at=now, claimed_by=claimer, attempts=Reminder.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return await session.get(Reminder, reminder_id, populate_existing=True)


async def finish(
    session: AsyncSession,
    reminder_id: int,
    claimer: str,
    now: datetime,
    *,
    sent: bool,
    outcome: str,
) -> None:
    """Mark sent (or cancelled), only while this process still holds the claim."""
    values = {"sent_at": now} if sent else {"cancelled_at": now}
    await session.execute(
        update(Reminder)
        .where(and_(Reminder.id == reminder_id, Reminder.claimed_by == claimer))
        .values(outcome=outcome, **values)
        .execution_options(synchronize_session=False)
    )


async def release(session: AsyncSession, reminder_id: int, claimer: str, outcome: str) -> None:
    """Give the claim back after a failed delivery, so a later run retries it."""
    await session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.claimed_by == claimer)
        .values(claimed_at=None, claimed_by=None, outcome=outcome)
        .execution_options(synchronize_session=False)
    )
