"""End to end: the broadcast sender survives database errors, and after a crash it uses the
dead sender's send journal to resend exactly the deliveries that never left."""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import select, text

from bot.broadcast.journal import Answer, Journal, Template, journal_path
from bot.broadcast.worker import default_journal_dir
from db.enums import BroadcastState, DeliveryState
from db.models import Delivery, MessageLog
from tests.broadcast_helpers import (
    DEAD,
    RU_TEXT,
    admin,
    compose,
    copies,
    family,
    last_broadcast_id,
    sending_with_a_dead_sender,
    wait_state,
)
from tests.harness import BotHarness, eventually


async def test_a_database_error_in_the_heartbeat_does_not_stop_the_sender(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="bot.broadcast.worker")
    ids = [3501, 3502]
    for uid in ids:
        await family(harness, uid, "ru")
    boss = await admin(harness)
    # The idle sender's heartbeat writes broadcast_senders every few seconds. Take the table
    # away for a while: each beat fails, as with "database is locked" under load.
    async with harness.db() as db:
        await db.execute(text("ALTER TABLE broadcast_senders RENAME TO broadcast_senders_away"))
        await db.commit()

    async def beat_failed() -> bool:
        return any("heartbeat failed" in r.getMessage() for r in caplog.records)

    try:
        await eventually(beat_failed, timeout=20, what="a failed heartbeat")
    finally:
        async with harness.db() as db:
            await db.execute(
                text("ALTER TABLE broadcast_senders_away RENAME TO broadcast_senders")
            )
            await db.commit()
    # The sender is still there: a broadcast confirmed now goes out.
    await compose(boss)
    await boss.press("👥 Все семьи")
    await boss.expect_edit()
    await boss.expect(3)
    await boss.press("📤 Отправить сейчас")
    broadcast_id = await last_broadcast_id(harness)
    await wait_state(harness, broadcast_id, BroadcastState.DONE, timeout=30)
    assert [copies(harness, uid, RU_TEXT) for uid in ids] == [1, 1]


async def test_after_a_crash_the_journal_decides_what_is_resent(harness: BotHarness) -> None:
    ids = list(range(3601, 3608))
    for uid in ids:
        await family(harness, uid, "ru")
    await admin(harness)
    await harness.stop()
    # What a kill -9 leaves behind: a sending broadcast and a dead sender's claims, which its
    # journal tells apart. 3601: answered (Telegram's message id 777), result not committed.
    # 3602: on the wire, no answer. 3603: claimed, never sent. 3604: answered 429 (back to
    # pending). 3605: the journal has a line of an older attempt only; 3606, 3607 unclaimed.
    async with harness.db() as db:
        broadcast = sending_with_a_dead_sender(db, len(ids))
        await db.flush()
        rows = {}
        for index, uid in enumerate(ids):
            claimed = index < 5
            row = Delivery(
                broadcast_id=broadcast.id,
                user_id=uid,
                language="ru",
                state=DeliveryState.SENDING if claimed else DeliveryState.PENDING,
                claimed_by=DEAD if claimed else None,
                attempts=0,
            )
            db.add(row)
            await db.flush()
            rows[uid] = row.id
        await db.commit()
        broadcast_id = broadcast.id
    directory = default_journal_dir(harness.database_url)
    journal = Journal(directory, DEAD)
    template = Template("text", RU_TEXT, None, None)
    at = time.time()
    journal.dispatching(rows[3601])
    journal.dispatching(rows[3602])
    journal.answered(rows[3601], Answer(DeliveryState.SENT, 1, 777, at), "ru", template)
    journal.dispatching(rows[3604])
    journal.answered(rows[3604], Answer(DeliveryState.PENDING, 1, None, at), "ru", None)
    journal.dispatching(rows[3605] + 100_000)  # another delivery's line: not this one's
    journal.close(remove=False)

    await harness.start()
    await wait_state(harness, broadcast_id, BroadcastState.DONE)
    # Sent again: only what certainly never reached Telegram.
    assert [copies(harness, uid, RU_TEXT) for uid in ids] == [0, 0, 1, 1, 1, 1, 1]
    async with harness.db() as db:
        found = await db.execute(
            select(Delivery.user_id, Delivery.state, Delivery.message_id).where(
                Delivery.broadcast_id == broadcast_id
            )
        )
        states = {uid: (state, message_id) for uid, state, message_id in found.all()}
        logged = await db.scalar(
            select(MessageLog).where(MessageLog.chat_id == 3601, MessageLog.text == RU_TEXT)
        )
    assert states[3601] == (DeliveryState.SENT, 777)
    assert states[3602][0] is DeliveryState.UNKNOWN
    assert all(states[uid][0] is DeliveryState.SENT for uid in ids if uid not in (3601, 3602))
    # The transcript shows the recovered message like any other.
    assert logged is not None and logged.telegram_message_id == 777
    assert not journal_path(directory, DEAD).exists()  # used up


async def test_a_journal_from_before_a_reboot_is_not_trusted(harness: BotHarness) -> None:
    ids = [3701, 3702]
    for uid in ids:
        await family(harness, uid, "ru")
    await admin(harness)
    await harness.stop()
    async with harness.db() as db:
        broadcast = sending_with_a_dead_sender(db, 2)
        await db.flush()
        for uid in ids:
            db.add(
                Delivery(
                    broadcast_id=broadcast.id,
                    user_id=uid,
                    language="ru",
                    state=DeliveryState.SENDING,
                    claimed_by=DEAD,
                    attempts=0,
                )
            )
        await db.commit()
        broadcast_id = broadcast.id
    # Written before a power loss: its last lines may be missing, so it proves nothing.
    path = journal_path(default_journal_dir(harness.database_url), DEAD)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"J1 some-earlier-boot {DEAD}\n")
    await harness.start()
    await wait_state(harness, broadcast_id, BroadcastState.DONE)
    assert [copies(harness, uid, RU_TEXT) for uid in ids] == [0, 0]
    async with harness.db() as db:
        found = await db.scalars(
            select(Delivery.state).where(Delivery.broadcast_id == broadcast_id)
        )
        assert list(found) == [DeliveryState.UNKNOWN] * 2
