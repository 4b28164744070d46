"""The update inbox: store a polled batch, forget finished updates, take over a dead process's.

Core statements on a connection, no ORM session: they run at every poll, beside every update."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from db.base import utcnow
from db.models.inbox import InboxUpdate


async def store_updates(connection: AsyncConnection, batch: Sequence[dict[str, Any]]) -> None:
    """Keep these updates (raw JSON dicts with an int update_id) until they are processed."""
    if not batch:
        return
    now = utcnow()
    rows = [
        {
            "update_id": data["update_id"],
            "payload": json.dumps(data, ensure_ascii=False, separators=(",", ":")),
            "received_at": now,
            "attempts": 0,
        }
        for data in batch
    ]
    await connection.execute(insert(InboxUpdate), rows)


async def forget_updates(connection: AsyncConnection, update_ids: Iterable[int]) -> None:
    """These updates were processed: they need not be handed over again."""
    ids = list(update_ids)
    if ids:
        await connection.execute(delete(InboxUpdate).where(InboxUpdate.update_id.in_(ids)))


async def take_over_updates(
    connection: AsyncConnection, max_attempts: int
) -> tuple[list[dict[str, Any]], list[int]]:
    """At start-up: the updates an earlier process stored and did not finish, oldest first,
    each counted as one more attempt; and the ids of those given up (already tried
    `max_attempts` times: an update that kills the process must not kill every restart)."""
    rows = (
        await connection.execute(
            select(InboxUpdate.update_id, InboxUpdate.payload, InboxUpdate.attempts).order_by(
                InboxUpdate.update_id
            )
        )
    ).all()
    given_up = [row.update_id for row in rows if row.attempts >= max_attempts]
    pending = [(row.update_id, row.payload) for row in rows if row.attempts < max_attempts]
    if given_up:
        await forget_updates(connection, given_up)
    if pending:
        await connection.execute(
            update(InboxUpdate)
            .where(InboxUpdate.update_id.in_([update_id for update_id, _ in pending]))
            .values(attempts=InboxUpdate.attempts + 1)
        )
    return [json.loads(payload) for _update_id, payload in pending], given_up
