"""The sender's queries on a real database (SQLite, and PostgreSQL when configured): a claim
takes exactly its limit, in id order, and two concurrent claims never share a row."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.base import utcnow
from db.engine import create_engine
from db.enums import BroadcastState, DeliveryState, Role
from db.migrate import upgrade
from db.models import Broadcast, Delivery, User
from db.repo import broadcast_deliveries as repo


async def test_claims_respect_the_limit_and_never_overlap(database_url: str) -> None:
    await asyncio.to_thread(upgrade, database_url)
    engine = create_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    now = utcnow()
    async with sessions() as session, session.begin():
        session.add(User(id=1, first_name="A", role=Role.ADMIN))
        session.add_all(User(id=100 + i, first_name="F") for i in range(60))
        await session.flush()
        broadcast = Broadcast(created_by=1, state=BroadcastState.SENDING, one_text=True, total=60)
        session.add(broadcast)
        await session.flush()
        session.add_all(
            Delivery(broadcast_id=broadcast.id, user_id=100 + i, language="ky", attempts=0)
            for i in range(60)
        )
    first = await _claim(sessions, broadcast.id, "a", 7)
    assert len(first) == 7 and [c.user_id for c in first] == list(range(100, 107))
    both = await asyncio.gather(*(_claim(sessions, broadcast.id, s, 20) for s in "bc"))
    taken = [c.id for batch in both for c in batch]
    assert len(taken) == len(set(taken)) == 40  # disjoint, each exactly its limit
    rest = await _claim(sessions, broadcast.id, "d", 100)
    assert len(rest) == 13
    async with sessions() as session:
        assert await repo.has_open(session, broadcast.id) is not False  # all are sending
        sending = await repo.next_retry_at(session, broadcast.id)
        assert sending is None
    async with sessions() as session, session.begin():
        await repo.release(session, [c.id for c in rest], "d", DeliveryState.PENDING, now)
        await repo.register_sender(session, "b", now)
        recovered = await repo.recover_orphans(session, now)
    assert recovered == 7 + 20  # senders a and c are unknown to the table: gone
    await engine.dispose()


async def _claim(
    sessions: async_sessionmaker[AsyncSession], broadcast_id: int, sender: str, limit: int
) -> list[repo.Claimed]:
    async with sessions() as session, session.begin():
        return await repo.claim(session, broadcast_id, sender, utcnow(), limit)
