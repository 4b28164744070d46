"""Flood control: a flooding family is slowed down; others are still answered."""

from __future__ import annotations

import asyncio

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.flood import FloodGuard
from db.models import Direction, MessageLog
from tests.harness import BotHarness, eventually


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_refill() -> None:
    clock = FakeClock()
    guard = FloodGuard(rate=2.0, burst=5.0, clock=clock)
    assert [guard.allow(1) for _ in range(7)] == [True] * 5 + [False] * 2
    assert guard.allow(2)  # another user is not affected
    clock.now += 1.0  # two tokens back
    assert [guard.allow(1) for _ in range(3)] == [True, True, False]


def test_notice_once_per_quiet_period() -> None:
    clock = FakeClock()
    guard = FloodGuard(rate=1.0, burst=1.0, notice_every=30.0, clock=clock)
    guard.allow(1)
    guard.allow(1)
    assert guard.should_notify(1) and not guard.should_notify(1)
    clock.now += 31
    assert guard.should_notify(1)


@given(st.lists(st.floats(min_value=0, max_value=5), max_size=200))
def test_never_more_than_burst_plus_rate_times_time(gaps: list[float]) -> None:
    clock = FakeClock()
    guard = FloodGuard(rate=3.0, burst=20.0, clock=clock)
    allowed = 0
    for gap in gaps:
        clock.now += gap
        allowed += guard.allow(7)
    assert allowed <= 20 + 3.0 * clock.now + 1e-9


async def test_flooder_is_slowed_and_others_answered(harness: BotHarness) -> None:
    flooder = harness.user(6001, language_code="ru")
    calm = harness.user(6002, language_code="ky")
    await asyncio.gather(*(flooder.send(f"спам {i}") for i in range(60)))
    await calm.send("/start")
    assert "Тилди тандаңыз" in (await calm.expect_one(timeout=10)).text

    def notices() -> list[str]:
        return [
            m.text or ""
            for m in flooder.messages
            if (m.text or "").startswith("Вы отправляете сообщения слишком быстро")
        ]

    await flooder.wait_until(lambda: bool(notices()), timeout=30, what="the flood notice")

    async def counts() -> tuple[int, int]:
        async with harness.db() as db:
            rows = (
                await db.execute(
                    select(MessageLog.direction, func.count())
                    .where(MessageLog.chat_id == 6001)
                    .group_by(MessageLog.direction)
                )
            ).all()
        by_direction = {direction: n for direction, n in rows}
        return by_direction.get(Direction.IN, 0), by_direction.get(Direction.OUT, 0)

    async def all_answered() -> bool:
        inbound, outbound = await counts()
        return outbound == inbound + 1  # one reply per accepted message, plus the notice

    await eventually(all_answered, timeout=30, what="every accepted message answered")
    inbound, _ = await counts()
    assert len(notices()) == 1
    assert 20 <= inbound < 60  # the burst is answered, the rest of the flood is dropped unlogged
    assert len(flooder.messages) == inbound + 1
