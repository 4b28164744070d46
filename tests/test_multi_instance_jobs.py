"""Two bot processes on one PostgreSQL database: a broadcast and the reminders go out once.

Both processes run the broadcast sender and the reminder job; each message must reach each
family exactly once in total, as counted by the fake Telegram server.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from db.enums import BroadcastState, DeliveryState, Status
from db.models import Application, Broadcast, BroadcastSender, Delivery, Reminder, User
from tests.broadcast_helpers import KY_TEXT, RU_TEXT, compose
from tests.conftest import ADMIN_ID
from tests.fakebot import FakeTelegramServer
from tests.harness import eventually
from tests.multi_instance_helpers import Cluster, lock_waiters, needs_postgres, started_cluster

pytestmark = needs_postgres

FAMILIES = list(range(8301, 8381))  # 80 families
REMINDED = list(range(8401, 8441))  # 40 families with an idle draft
DRAFT_REMINDER = {"ky": "«📝 Арыз берүү»", "ru": "«📝 Подать заявку»"}


@pytest.fixture
async def cluster(server: FakeTelegramServer, tmp_path: Path) -> AsyncIterator[Cluster]:
    # The reminder job runs every half second on each instance (60 s in production).
    async with started_cluster(server, tmp_path, REMINDER_INTERVAL_SECONDS="0.5") as group:
        yield group


def language_of(user_id: int) -> str:
    return "ky" if user_id % 2 else "ru"


async def seed_families(cluster: Cluster, ids: list[int], *, idle_draft: bool = False) -> None:
    """Families who chose a language (and, if asked, left a draft untouched for 4 days)."""
    idle_since = datetime.now(UTC) - timedelta(days=4)
    async with cluster.db() as db:
        for user_id in ids:
            cluster.user(user_id, language_code=language_of(user_id))  # known to Telegram
            db.add(User(id=user_id, first_name="Family", language=language_of(user_id)))
        await db.flush()
        if idle_draft:
            for user_id in ids:
                db.add(
                    Application(
                        user_id=user_id,
                        status=Status.DRAFT,
                        language=language_of(user_id),
                        created_at=idle_since,
                        updated_at=idle_since,
                    )
                )
        await db.commit()


def received(cluster: Cluster, user_id: int, fragment: str) -> int:
    return sum(1 for m in cluster.server.messages_in(user_id) if fragment in m.content)


async def test_a_broadcast_is_sent_once_in_total(cluster: Cluster) -> None:
    await seed_families(cluster, FAMILIES)
    boss = cluster.user(ADMIN_ID, language_code="ru")
    await boss.send("/start")
    await boss.expect_one()
    await boss.press_data("lang:ru")
    await boss.expect_one()
    boss.mark_read()
    await compose(boss)
    await boss.press("👥 Все семьи")
    await boss.expect_edit()
    *_previews, summary = await boss.expect(3)
    assert "Получатели: 80 семей" in summary.text
    await boss.press("📤 Отправить сейчас")
    assert "её получат 80 семей" in (await boss.expect_edit()).text

    async with cluster.db() as db:
        broadcast_id = await db.scalar(select(func.max(Broadcast.id)))
        senders = await db.scalar(select(func.count()).select_from(BroadcastSender))
    assert broadcast_id is not None and senders == 2  # a sender in each process
    claimers: set[str] = set()  # who held deliveries while sending (to see both at work)

    async def done() -> bool:
        async with cluster.db() as db:
            claimers.update(
                c
                for c in await db.scalars(
                    select(Delivery.claimed_by).where(Delivery.claimed_by.is_not(None))
                )
                if c
            )
            row = await db.get(Broadcast, broadcast_id)
            return row is not None and row.state is BroadcastState.DONE

    await eventually(done, timeout=90, what="the broadcast done")
    texts = {"ky": KY_TEXT, "ru": RU_TEXT}
    copies = {uid: received(cluster, uid, texts[language_of(uid)]) for uid in FAMILIES}
    assert set(copies.values()) == {1}, {uid: n for uid, n in copies.items() if n != 1}
    assert all(len(cluster.server.messages_in(uid)) == 1 for uid in FAMILIES)
    async with cluster.db() as db:
        states = dict(
            (
                await db.execute(
                    select(Delivery.state, func.count())
                    .where(Delivery.broadcast_id == broadcast_id)
                    .group_by(Delivery.state)
                )
            ).all()
        )
    assert states == {DeliveryState.SENT: 80}
    await asyncio.sleep(1.5)  # both senders poll again: nothing more goes out
    assert all(len(cluster.server.messages_in(uid)) == 1 for uid in FAMILIES)
    # Usually both processes send a share; not asserted (one may finish before the other
    # polls), but shown with -s.
    print(f"deliveries claimed by {len(claimers)} sender(s)")


async def test_contended_deliveries_are_sent_once(cluster: Cluster) -> None:
    """Both senders want the same rows at once: the test holds the first rows' locks while
    the broadcast starts. A sender must skip them (or re-check them once free), never send
    them a second time after the other sender has claimed them."""
    ids = FAMILIES[:60]
    held = 20
    announcement = "Эртең жыйналыш болот / Завтра собрание"
    await seed_families(cluster, [ADMIN_ID, *ids])
    async with cluster.db() as db:
        broadcast = Broadcast(
            created_by=ADMIN_ID,
            state=BroadcastState.DRAFT,
            one_text=True,
            text_ky=announcement,
            text_ru=announcement,
            audience="all",
            total=len(ids),
        )
        db.add(broadcast)
        await db.flush()
        for uid in ids:
            db.add(Delivery(broadcast_id=broadcast.id, user_id=uid, language=language_of(uid)))
        await db.commit()
        broadcast_id = broadcast.id
    async with cluster.connection() as holder, cluster.connection() as watcher:
        locks = await holder.begin()
        await holder.execute(
            text(
                "SELECT id FROM broadcast_deliveries WHERE broadcast_id = :b "
                "ORDER BY id LIMIT :n FOR UPDATE"
            ),
            {"b": broadcast_id, "n": held},
        )
        async with cluster.db() as db:  # now both senders may see it
            await db.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id)
                .values(state=BroadcastState.SENDING, started_at=datetime.now(UTC))
            )
            await db.commit()

        async def stuck_or_rest_sent() -> bool:
            if await lock_waiters(watcher) >= 2:  # both senders wait for the same rows
                return True
            async with cluster.db() as db:
                finished = await db.scalar(
                    select(func.count())
                    .select_from(Delivery)
                    .where(
                        Delivery.broadcast_id == broadcast_id, Delivery.state == DeliveryState.SENT
                    )
                )
            return finished == len(ids) - held

        await eventually(stuck_or_rest_sent, timeout=60, what="the unlocked rows sent")
        await locks.rollback()

    async def done() -> bool:
        async with cluster.db() as db:
            row = await db.get(Broadcast, broadcast_id)
            return row is not None and row.state is BroadcastState.DONE

    await eventually(done, timeout=60, what="the broadcast done")
    copies = {uid: received(cluster, uid, announcement) for uid in ids}
    assert set(copies.values()) == {1}, {uid: n for uid, n in copies.items() if n != 1}


async def test_a_due_reminder_fires_once_in_total(cluster: Cluster) -> None:
    await seed_families(cluster, REMINDED, idle_draft=True)

    async def all_sent() -> bool:
        async with cluster.db() as db:
            sent = await db.scalar(
                select(func.count()).select_from(Reminder).where(Reminder.sent_at.is_not(None))
            )
            return sent == len(REMINDED)

    await eventually(all_sent, timeout=60, what="every reminder sent")
    await asyncio.sleep(1.5)  # three more runs of each job: nothing is sent again
    copies = {uid: received(cluster, uid, DRAFT_REMINDER[language_of(uid)]) for uid in REMINDED}
    assert set(copies.values()) == {1}, {uid: n for uid, n in copies.items() if n != 1}
    assert all(len(cluster.server.messages_in(uid)) == 1 for uid in REMINDED)
    async with cluster.db() as db:
        rows = list(await db.scalars(select(Reminder)))
    assert len(rows) == len(REMINDED)
    assert all(r.kind == "draft_idle" and r.outcome == "sent" and r.attempts == 1 for r in rows)
    print(f"reminders sent by {len({r.claimed_by for r in rows})} process(es)")
    for log in cluster.logs():
        assert "Traceback" not in log, log[-3000:]
