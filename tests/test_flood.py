"""Flood control: a flooding family is slowed down; others are still answered."""

from __future__ import annotations

import asyncio

from hypothesis import given
from hypothesis import strategies as st

from bot.flood import FloodGuard
from tests.harness import BotHarness


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
    await harness.settle(timeout=30)
    texts = [m.text or "" for m in flooder.messages]
    notices = [t for t in texts if t.startswith("Вы отправляете сообщения слишком быстро")]
    assert len(notices) == 1
    answered = len(texts) - len(notices)
    assert 20 <= answered < 60  # the burst is answered, the rest of the flood is dropped
