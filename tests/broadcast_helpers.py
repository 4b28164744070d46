"""Helpers for the broadcast tests: families who chose a language, an admin who composes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.enums import BroadcastState, DeliveryState
from db.models import Broadcast, BroadcastSender, Delivery
from tests.conftest import ADMIN_ID
from tests.fakebot import BotMessage, FakeUser
from tests.harness import BotHarness, eventually

KY_TEXT = "Окутуу 15-декабрда башталат. Катталууну унутпаңыз!"
RU_TEXT = "Обучение начинается 15 декабря. Не забудьте записаться!"


async def family(harness: BotHarness, user_id: int, language: str) -> FakeUser:
    """A family that started the bot and chose its language (as a real one would)."""
    user = harness.user(user_id, language_code=language)
    await user.send("/start")
    await user.expect_one()
    await user.press_data(f"lang:{language}")
    await user.expect_one()
    user.mark_read()
    return user


async def admin(harness: BotHarness, language: str = "ru") -> FakeUser:
    return await family(harness, ADMIN_ID, language)


def buttons(message: BotMessage) -> list[str]:
    return [text for row in message.inline_buttons for text, _ in row]


async def compose(
    admin_user: FakeUser,
    *,
    ky: str | None = KY_TEXT,
    ru: str | None = RU_TEXT,
    one: str | None = None,
    skip: bool = True,
) -> None:
    """/broadcast, the text(s), Skip the attachment; stops at the audience question."""
    await admin_user.send("/broadcast")
    await admin_user.expect_one()
    if one is not None:
        await admin_user.press("Один текст для всех")
        await admin_user.expect_edit()
        await admin_user.send(one)
    else:
        await admin_user.press("Тексты на кыргызском и русском")
        await admin_user.expect_edit()
        assert ky is not None and ru is not None
        await admin_user.send(ky)
        assert "на русском" in (await admin_user.expect_one()).text
        await admin_user.send(ru)
    assert "фото или документ" in (await admin_user.expect_one()).text
    if skip:
        await admin_user.press("Пропустить")
        assert "Кто получит" in (await admin_user.expect_edit()).text


async def wait_state(
    harness: BotHarness, broadcast_id: int, state: BroadcastState, timeout: float = 20.0
) -> None:
    async def reached() -> bool:
        async with harness.db() as db:
            row = await db.get(Broadcast, broadcast_id)
            return row is not None and row.state is state

    await eventually(reached, timeout=timeout, what=f"broadcast {broadcast_id} {state}")


async def delivery_states(harness: BotHarness, broadcast_id: int) -> dict[DeliveryState, int]:
    async with harness.db() as db:
        rows = await db.execute(
            select(Delivery.state, func.count())
            .where(Delivery.broadcast_id == broadcast_id)
            .group_by(Delivery.state)
        )
        return {DeliveryState(state): int(count) for state, count in rows.all()}


async def last_broadcast_id(harness: BotHarness) -> int:
    async with harness.db() as db:
        found = await db.scalar(select(func.max(Broadcast.id)))
        assert found is not None
        return int(found)


def copies(harness: BotHarness, chat_id: int, content: str) -> int:
    """How many messages with this text (or caption) the chat really received."""
    return sum(1 for m in harness.server.messages_in(chat_id) if m.content == content)


DEAD = "dead-sender-with-a-journal"


def sending_with_a_dead_sender(db: AsyncSession, total: int) -> Broadcast:
    """What a kill -9 leaves: a broadcast still sending, and its sender's last heartbeat a
    minute old (gone on PostgreSQL too, where a sender is stale after 30 s)."""
    now = utcnow()
    broadcast = Broadcast(
        created_by=ADMIN_ID,
        state=BroadcastState.SENDING,
        one_text=True,
        text_ky=RU_TEXT,
        text_ru=RU_TEXT,
        audience="all",
        total=total,
        created_at=now,
        updated_at=now,
        started_at=now,
    )
    db.add(broadcast)
    gone = now - timedelta(minutes=1)
    db.add(BroadcastSender(id=DEAD, started_at=gone, seen_at=gone))
    return broadcast
