"""The sender's side of broadcasts: starting, claiming, recording results, crash recovery.

A delivery is sent only after a committed claim moved it from pending to sending under this
sender's id. On PostgreSQL the claim skips rows another process holds locked (FOR UPDATE SKIP
LOCKED), so two senders never take the same row; SQLite serializes writers, and the claim is
one UPDATE ... WHERE state = 'pending', so it is safe there too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import BroadcastState, DeliveryState
from db.models import Broadcast, BroadcastSender, Delivery, MessageLog, User
from db.repo.broadcast_audience import materialize

OPEN_STATES = (DeliveryState.PENDING, DeliveryState.SENDING)


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    user_id: int
    language: str
    attempts: int  # sends made before this one


@dataclass(slots=True)
class Outcome:
    """A delivery's new state after an attempt (PENDING: retry at not_before)."""

    delivery_id: int
    user_id: int
    state: DeliveryState
    attempts: int
    message_id: int | None = None
    error: str | None = None
    not_before: datetime | None = None


async def due_broadcasts(session: AsyncSession, now: datetime) -> list[int]:
    """Confirmed broadcasts whose time has come, oldest first."""
    rows = await session.scalars(
        select(Broadcast.id)
        .where(
            Broadcast.state == BroadcastState.QUEUED,
            or_(Broadcast.scheduled_at.is_(None), Broadcast.scheduled_at <= now),
        )
        .order_by(Broadcast.scheduled_at, Broadcast.id)
    )
    return list(rows)


async def start(
    session: AsyncSession, broadcast_id: int, now: datetime, default_language: str
) -> int | None:
    """List the recipients and mark it sending; None if another sender started it first."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        return None
    taken = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.state == BroadcastState.QUEUED)
        .values(state=BroadcastState.SENDING, started_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 0) != 1:
        return None
    total = await materialize(
        session,
        broadcast_id,
        broadcast.audience or "",
        broadcast.audience_value,
        default_language,
    )
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .values(total=total)
        .execution_options(synchronize_session=False)
    )
    return total


async def sending_broadcasts(session: AsyncSession) -> list[int]:
    rows = await session.scalars(
        select(Broadcast.id)
        .where(Broadcast.state == BroadcastState.SENDING)
        .order_by(Broadcast.id)
    )
    return list(rows)


async def claim(
    session: AsyncSession, broadcast_id: int, sender_id: str, now: datetime, limit: int
) -> list[Claimed]:
    """Take up to `limit` due pending deliveries, in id order, for this sender."""
    # A materialized CTE: PostgreSQL may otherwise re-run an IN (... LIMIT) subquery per row
    # and claim far more than `limit` rows. SQLite (3.35+) accepts the same syntax.
    due = (
        select(Delivery.id)
        .where(
            Delivery.broadcast_id == broadcast_id,
            Delivery.state == DeliveryState.PENDING,
            or_(Delivery.not_before.is_(None), Delivery.not_before <= now),
        )
        .order_by(Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has no row locks (omitted)
        .cte("due")
        .prefix_with("MATERIALIZED")
    )
    rows = await session.execute(
        update(Delivery)
        .where(Delivery.id == due.c.id, Delivery.state == DeliveryState.PENDING)
        .values(state=DeliveryState.SENDING, claimed_by=sender_id)
        .returning(Delivery.id, Delivery.user_id, Delivery.language, Delivery.attempts)
        .execution_options(synchronize_session=False)
    )
    claimed = [Claimed(int(i), int(u), str(lang), int(a)) for i, u, lang, a in rows.all()]
    claimed.sort(key=lambda c: c.id)
    return claimed


async def next_retry_at(session: AsyncSession, broadcast_id: int) -> datetime | None:
    """The earliest time a pending delivery in backoff becomes due."""
    result: datetime | None = await session.scalar(
        select(func.min(Delivery.not_before)).where(
            Delivery.broadcast_id == broadcast_id, Delivery.state == DeliveryState.PENDING
        )
    )
    return result


async def has_open(session: AsyncSession, broadcast_id: int) -> bool:
    """Deliveries still pending or being sent (by anyone)."""
    found = await session.scalar(
        select(
            exists().where(Delivery.broadcast_id == broadcast_id, Delivery.state.in_(OPEN_STATES))
        )
    )
    return bool(found)


async def record(
    session: AsyncSession,
    outcomes: list[Outcome],
    now: datetime,
    logs: Sequence[MessageLog] = (),
) -> None:
    """Write attempt results and their message-log rows in one batch (executemany)."""
    if logs:
        # A Core INSERT: the ORM's unit of work costs ~0.1 ms per row for nothing we need.
        log_table = cast(Table, MessageLog.__table__)
        columns = [c.key for c in log_table.columns if c.key != "id"]
        rows = [{key: getattr(entry, key) for key in columns} for entry in logs]
        for row in rows:
            row["created_at"] = row["created_at"] or now
        await session.execute(insert(log_table), rows)
    # Core UPDATEs on the table: executemany with our own bind names (the ORM would want the
    # primary key under its attribute name and load nothing we need).
    table = cast(Table, Delivery.__table__)
    finals = [o for o in outcomes if o.state is not DeliveryState.PENDING]
    retries = [o for o in outcomes if o.state is DeliveryState.PENDING]
    if finals:
        await session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                state=bindparam("b_state"),
                attempts=bindparam("b_attempts"),
                message_id=bindparam("b_message_id"),
                error=bindparam("b_error"),
                finished_at=now,
                claimed_by=None,
            ),
            [_params(o) for o in finals],
        )
    if retries:
        await session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                state=DeliveryState.PENDING,
                attempts=bindparam("b_attempts"),
                error=bindparam("b_error"),
                not_before=bindparam("b_not_before"),
                claimed_by=None,
            ),
            [{**_params(o), "b_not_before": o.not_before} for o in retries],
        )
    blocked = sorted({o.user_id for o in finals if o.state is DeliveryState.BLOCKED})
    if blocked:
        await session.execute(
            update(User)
            .where(User.id.in_(blocked))
            .values(blocked=True)
            .execution_options(synchronize_session=False)
        )


def _params(outcome: Outcome) -> dict[str, Any]:
    return {
        "b_id": outcome.delivery_id,
        "b_state": outcome.state,
        "b_attempts": outcome.attempts,
        "b_message_id": outcome.message_id,
        "b_error": (outcome.error or None) and outcome.error[:256],
    }


async def release(
    session: AsyncSession,
    delivery_ids: list[int],
    sender_id: str,
    state: DeliveryState,
    now: datetime,
) -> None:
    """Give back claimed deliveries that were never sent (stop: PENDING; cancel: CANCELLED)."""
    if not delivery_ids:
        return
    await session.execute(
        update(Delivery)
        .where(
            Delivery.id.in_(delivery_ids),
            Delivery.state == DeliveryState.SENDING,
            Delivery.claimed_by == sender_id,
        )
        .values(
            state=state,
            claimed_by=None,
            finished_at=None if state is DeliveryState.PENDING else now,
        )
        .execution_options(synchronize_session=False)
    )


async def finish(session: AsyncSession, broadcast_id: int, now: datetime) -> bool:
    """Mark it done when no delivery is open; False if some still are (or not sending)."""
    open_rows = exists().where(
        Delivery.broadcast_id == broadcast_id, Delivery.state.in_(OPEN_STATES)
    )
    result = await session.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast_id,
            Broadcast.state == BroadcastState.SENDING,
            ~open_rows,
        )
        .values(state=BroadcastState.DONE, finished_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


async def state_of(session: AsyncSession, broadcast_id: int) -> BroadcastState | None:
    state = await session.scalar(select(Broadcast.state).where(Broadcast.id == broadcast_id))
    return BroadcastState(state) if state is not None else None


async def take_progress(
    session: AsyncSession, broadcast_id: int, sender_id: str, now: datetime, stale: datetime
) -> bool:
    """May this sender edit the progress message? (One sender does; a silent one is replaced.)"""
    result = await session.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast_id,
            or_(
                Broadcast.progress_by.is_(None),
                Broadcast.progress_by == sender_id,
                Broadcast.progress_at < stale,
            ),
        )
        .values(progress_by=sender_id, progress_at=now)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


# -- senders and crash recovery ----------------------------------------------------------------


async def register_sender(session: AsyncSession, sender_id: str, now: datetime) -> None:
    session.add(BroadcastSender(id=sender_id, started_at=now, seen_at=now))


async def touch_sender(session: AsyncSession, sender_id: str, now: datetime) -> None:
    result = await session.execute(
        update(BroadcastSender)
        .where(BroadcastSender.id == sender_id)
        .values(seen_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) == 0:  # removed as stale after a long stall: come back
        session.add(BroadcastSender(id=sender_id, started_at=now, seen_at=now))


async def remove_sender(session: AsyncSession, sender_id: str) -> None:
    await session.execute(delete(BroadcastSender).where(BroadcastSender.id == sender_id))


async def forget_senders(
    session: AsyncSession, *, seen_before: datetime | None = None, except_id: str | None = None
) -> None:
    """Drop senders presumed dead: not seen since `seen_before`, or every one but `except_id`."""
    stmt = delete(BroadcastSender)
    if seen_before is not None:
        stmt = stmt.where(BroadcastSender.seen_at < seen_before)
    if except_id is not None:
        stmt = stmt.where(BroadcastSender.id != except_id)
    await session.execute(stmt)


async def recover_orphans(session: AsyncSession, now: datetime) -> int:
    """Deliveries claimed by a sender that is gone: their request may have reached Telegram,
    so they become UNKNOWN and are never resent (at most once). Returns how many."""
    alive = select(BroadcastSender.id)
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.state == DeliveryState.SENDING,
            or_(Delivery.claimed_by.is_(None), Delivery.claimed_by.not_in(alive)),
        )
        .values(
            state=DeliveryState.UNKNOWN,
            error="sender stopped while the message was in flight; not resent",
            finished_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def orphaned_senders(session: AsyncSession) -> list[str]:
    """Senders that are gone but still hold claimed (sending) deliveries."""
    alive = select(BroadcastSender.id)
    rows = await session.scalars(
        select(Delivery.claimed_by)
        .where(
            Delivery.state == DeliveryState.SENDING,
            Delivery.claimed_by.is_not(None),
            Delivery.claimed_by.not_in(alive),
        )
        .distinct()
    )
    return [str(sender) for sender in rows if sender is not None]


async def claimed_by(session: AsyncSession, sender_id: str) -> list[Claimed]:
    """The deliveries a (dead) sender holds, locked against a second recoverer."""
    rows = await session.execute(
        select(Delivery.id, Delivery.user_id, Delivery.language, Delivery.attempts)
        .where(Delivery.state == DeliveryState.SENDING, Delivery.claimed_by == sender_id)
        .order_by(Delivery.id)
        .with_for_update()
    )
    return [Claimed(int(i), int(u), str(lang), int(a)) for i, u, lang, a in rows.all()]
