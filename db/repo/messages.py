"""The message log: what each chat said and was told."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Direction, MessageLog


def add_entries(session: AsyncSession, entries: Sequence[MessageLog]) -> None:
    """Queue log rows on the session; they commit with the caller's unit of work."""
    session.add_all(entries)


_INSERTED = tuple(column.key for column in MessageLog.__table__.columns if column.key != "id")


async def insert_entries(session: AsyncSession, entries: Sequence[MessageLog]) -> None:
    """Insert many log rows in one executemany statement, without reading their ids back.

    The ORM's add_all sends one INSERT per row when rows leave different columns unset; every
    row here names every column, so they go as one batch.
    """
    if not entries:
        return
    now = utcnow()
    rows = [{key: getattr(entry, key) for key in _INSERTED} for entry in entries]
    for row in rows:
        if row["created_at"] is None:
            row["created_at"] = now
    await session.execute(insert(MessageLog), rows)


async def transcript(session: AsyncSession, chat_id: int, limit: int = 200) -> list[MessageLog]:
    """The newest `limit` entries of a chat, oldest first."""
    rows = await session.scalars(
        select(MessageLog)
        .where(MessageLog.chat_id == chat_id)
        .order_by(MessageLog.id.desc())
        .limit(limit)
    )
    return list(reversed(list(rows)))


async def redelivery_of(session: AsyncSession, update_id: int) -> tuple[int, int] | None:
    """(log id, chat id) of the inbound row of an update already processed, or None."""
    row = (
        await session.execute(
            select(MessageLog.id, MessageLog.chat_id).where(MessageLog.update_id == update_id)
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


async def answered_after(session: AsyncSession, chat_id: int, log_id: int) -> bool:
    """Whether the bot sent the chat anything after that inbound row (its reply went out)."""
    found = await session.scalar(
        select(MessageLog.id)
        .where(
            MessageLog.chat_id == chat_id,
            MessageLog.id > log_id,
            MessageLog.direction == Direction.OUT,
        )
        .limit(1)
    )
    return found is not None


async def newest_update_id(session: AsyncSession) -> int:
    """The highest update id ever logged (0 for none)."""
    newest = await session.scalar(select(func.max(MessageLog.update_id)))
    return int(newest or 0)
