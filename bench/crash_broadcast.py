"""The broadcast phase of the crash benchmark: an admin's announcement, killed while it goes out.

The admin composes and confirms it through the bot's real commands (/broadcast, both texts,
no attachment, «All families», «Send now»; the button labels are the ones
tests/test_e2e_broadcast.py uses). While the sender works, the bot is killed -9 each time the
number of families that received the message passes a random threshold, and restarted.

What is checked, from what the fake server delivered to each family (not from what the bot
believes), against the sender's documented at-most-once guarantee (bot/broadcast/sender.py,
bot/broadcast/worker.py, bot/broadcast/README.md): no family gets it twice; a family may miss
it only if its request was on the wire at a kill (state «unknown»: maybe delivered, never
resent; claimed deliveries that never left are sent after the restart, by the send journal).
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bench.crash_bot import BotSupervisor, kill_at_progress, stratified
from db.enums import BroadcastState, DeliveryState
from db.models import Broadcast, Delivery
from tests.fakebot import BotMessage, FakeTelegramServer, FakeUser

ADMIN_ID = 900_001
TEXTS = {
    "ky": "Crash-bench: окутуу 15-декабрда башталат. Катталууну унутпаңыз!",
    "ru": "Crash-bench: обучение начинается 15 декабря. Не забудьте записаться!",
}
STEP_TIMEOUT = 30.0


@dataclass(slots=True)
class BroadcastResult:
    broadcast_id: int
    kills: int
    recipients: int  # deliveries the bot listed
    duplicates: int  # families that received it more than once
    missing: list[int]  # families that never received it
    finished: bool  # the bot marked it done (else it was still open when we gave up)


async def prepare_admin(server: FakeTelegramServer) -> FakeUser:
    """Before the families: the admin exists and speaks Russian. Done early because the bot
    writes to admins about each submission, and those notices must not land mid-dialogue."""
    admin = server.user(ADMIN_ID, "Admin", language_code="ru")
    await admin.send("/start")
    await admin.expect_one(STEP_TIMEOUT)
    await admin.press_data("lang:ru")
    await admin.expect_one(STEP_TIMEOUT)
    return admin


async def compose_and_confirm(admin: FakeUser) -> None:
    """/broadcast, both texts, no attachment, «All families», «Send now». Each step waits for
    what it needs (a button, a phrase), not for the next message: notices may come between."""
    start = len(admin.messages)

    async def until(what: str, found: Callable[[list[BotMessage]], bool]) -> None:
        await admin.wait_until(lambda: found(admin.messages[start:]), STEP_TIMEOUT, what)

    def button(label: str) -> Callable[[list[BotMessage]], bool]:
        return lambda messages: any(label in m.button_texts for m in messages)

    def phrase(text: str) -> Callable[[list[BotMessage]], bool]:
        return lambda messages: any(text in m.content for m in messages)

    await admin.send("/broadcast")
    for label, reply, wanted in (
        ("Тексты на кыргызском и русском", TEXTS["ky"], "на русском"),
        (None, TEXTS["ru"], "фото или документ"),
    ):
        if label is not None:
            await until(label, button(label))
            await admin.press(label)
            await until("the Kyrgyz text prompt", phrase("на кыргызском"))
        await admin.send(reply)
        await until(wanted, phrase(wanted))
    for label, wanted in (
        ("Пропустить", "Кто получит"),
        ("👥 Все семьи", "📤 Отправить сейчас"),
        ("📤 Отправить сейчас", "подтверждена"),
    ):
        await until(label, button(label))
        await admin.press(label)
        await until(wanted, button(wanted) if wanted.startswith("📤") else phrase(wanted))


def copies(server: FakeTelegramServer, user_id: int, language: str) -> int:
    return sum(1 for m in server.messages_in(user_id) if m.content == TEXTS[language])


async def run_broadcast(
    server: FakeTelegramServer,
    bot: BotSupervisor,
    database_url: str,
    families: dict[int, str],  # user id -> language
    *,
    kills: int,
    rng: random.Random,
    timeout: float,
) -> BroadcastResult:
    chats = {uid: server.state.chats[uid] for uid in families}
    before = {uid: len(chat.bot_messages) for uid, chat in chats.items()}
    await compose_and_confirm(server.user(ADMIN_ID))
    engine = create_async_engine(database_url)
    try:
        broadcast_id = await _latest_broadcast(engine)
        finished = False

        def reached() -> int:
            """Families that have it: called every few ms, so only new messages are read."""
            return sum(
                1
                for uid, lang in families.items()
                if any(m.content == TEXTS[lang] for m in chats[uid].bot_messages[before[uid] :])
            )

        killer = asyncio.create_task(
            kill_at_progress(
                bot,
                rng,
                progress=reached,
                thresholds=[x * len(families) for x in stratified(rng, kills, 0.1, 0.8)],
                phase="broadcast",
                done=lambda: finished,
                min_uptime=0.0,  # the sender starts at once: a kill may come any time
            )
        )
        deadline = time.monotonic() + timeout
        try:
            # A broadcast that never finishes is a finding to report, not a reason to lose
            # the questionnaire results: give up after ``timeout`` and count what arrived.
            while not (done := await _done(engine, broadcast_id)):
                if time.monotonic() > deadline:
                    print(f"[crash] the broadcast is not done after {timeout:g}s", file=sys.stderr)
                    break
                await asyncio.sleep(0.25)
        finally:
            finished = True
            await killer
        recipients = await _recipients(engine, broadcast_id)
    finally:
        await engine.dispose()
    with_copies = {uid: copies(server, uid, lang) for uid, lang in families.items()}
    done_kills = sum(1 for k in bot.kills if k.phase == "broadcast")
    return BroadcastResult(
        broadcast_id=broadcast_id,
        kills=done_kills,
        recipients=recipients,
        duplicates=sum(1 for n in with_copies.values() if n > 1),
        missing=[uid for uid, n in with_copies.items() if n == 0],
        finished=done,
    )


async def _latest_broadcast(engine: AsyncEngine) -> int:
    async with engine.connect() as db:
        found = await db.scalar(select(func.max(Broadcast.id)))
    if found is None:
        raise RuntimeError("no broadcast was stored")
    return int(found)


async def _done(engine: AsyncEngine, broadcast_id: int) -> bool:
    """The broadcast is over and no delivery is still waiting or claimed."""
    async with engine.connect() as db:
        state = await db.scalar(select(Broadcast.state).where(Broadcast.id == broadcast_id))
        open_rows = await db.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(
                Delivery.broadcast_id == broadcast_id,
                Delivery.state.in_([DeliveryState.PENDING, DeliveryState.SENDING]),
            )
        )
    return state == BroadcastState.DONE and not open_rows


async def _recipients(engine: AsyncEngine, broadcast_id: int) -> int:
    async with engine.connect() as db:
        found = await db.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.broadcast_id == broadcast_id)
        )
    return int(found or 0)
