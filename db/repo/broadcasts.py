"""Broadcasts as the admin handles them: drafts, confirmation, listing, figures, cancelling."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import BroadcastState, DeliveryState
from db.models import Broadcast, Delivery

ACTIVE = (BroadcastState.QUEUED, BroadcastState.SENDING)


async def get(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    return await session.get(Broadcast, broadcast_id)


async def get_draft(session: AsyncSession, admin_id: int, since: datetime) -> Broadcast | None:
    """The admin's draft touched after `since` (older drafts are abandoned)."""
    return await session.scalar(
        select(Broadcast)
        .where(
            Broadcast.created_by == admin_id,
            Broadcast.state == BroadcastState.DRAFT,
            Broadcast.updated_at >= since,
        )
        .order_by(Broadcast.id.desc())
        .limit(1)
    )


async def discard_drafts(session: AsyncSession, admin_id: int) -> None:
    """Drop the admin's drafts (never sent, so nothing refers to them)."""
    await session.execute(
        delete(Broadcast).where(
            Broadcast.created_by == admin_id, Broadcast.state == BroadcastState.DRAFT
        )
    )


async def new_draft(session: AsyncSession, admin_id: int, now: datetime) -> Broadcast:
    """A fresh draft; an admin composes one broadcast at a time."""
    await discard_drafts(session, admin_id)
    draft = Broadcast(
        created_by=admin_id,
        state=BroadcastState.DRAFT,
        one_text=False,
        total=0,
        created_at=now,
        updated_at=now,
    )
    session.add(draft)
    await session.flush()
    return draft


async def confirm(session: AsyncSession, draft: Broadcast, now: datetime, total: int) -> None:
    """The admin pressed Send: the sender takes it at scheduled_at (or at once)."""
    draft.state = BroadcastState.QUEUED
    draft.step = None
    draft.confirmed_at = now
    draft.total = total
    draft.updated_at = now


async def recent(session: AsyncSession, limit: int = 10) -> list[Broadcast]:
    """The latest confirmed broadcasts, newest first."""
    result = await session.scalars(
        select(Broadcast)
        .where(Broadcast.state != BroadcastState.DRAFT)
        .order_by(Broadcast.id.desc())
        .limit(limit)
    )
    return list(result)


async def figures(
    session: AsyncSession, broadcast_ids: list[int]
) -> dict[int, dict[DeliveryState, int]]:
    """Deliveries per state of each broadcast (the only source of the counts shown)."""
    if not broadcast_ids:
        return {}
    rows = await session.execute(
        select(Delivery.broadcast_id, Delivery.state, func.count())
        .where(Delivery.broadcast_id.in_(broadcast_ids))
        .group_by(Delivery.broadcast_id, Delivery.state)
    )
    found: dict[int, dict[DeliveryState, int]] = {bid: {} for bid in broadcast_ids}
    for broadcast_id, state, count in rows.all():
        found[int(broadcast_id)][DeliveryState(state)] = int(count)
    return found


async def cancel(session: AsyncSession, broadcast_id: int, admin_id: int, now: datetime) -> bool:
    """Stop a waiting or running broadcast; deliveries not yet claimed are dropped.

    Rows a sender has claimed finish as they are (sent, or released as cancelled by it).
    False when it was not running (already finished, cancelled, or never confirmed).
    """
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.state.in_(ACTIVE))
        .values(
            state=BroadcastState.CANCELLED,
            cancelled_by=admin_id,
            finished_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return False
    await session.execute(
        update(Delivery)
        .where(Delivery.broadcast_id == broadcast_id, Delivery.state == DeliveryState.PENDING)
        .values(state=DeliveryState.CANCELLED, finished_at=now)
        .execution_options(synchronize_session=False)
    )
    return True


async def set_progress_message(
    session: AsyncSession, broadcast_id: int, chat_id: int, message_id: int
) -> None:
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .values(progress_chat_id=chat_id, progress_message_id=message_id)
        .execution_options(synchronize_session=False)
    )
