"""The message log: what each chat said and was told."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import MessageLog


def add_entries(session: AsyncSession, entries: Sequence[MessageLog]) -> None:
    """Queue log rows on the session; they commit with the caller's unit of work."""
    session.add_all(entries)


async def transcript(session: AsyncSession, chat_id: int, limit: int = 200) -> list[MessageLog]:
    """The newest `limit` entries of a chat, oldest first."""
    rows = await session.scalars(
        select(MessageLog)
        .where(MessageLog.chat_id == chat_id)
        .order_by(MessageLog.id.desc())
        .limit(limit)
    )
    return list(reversed(list(rows)))
