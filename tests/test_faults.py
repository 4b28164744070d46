"""Bot API faults: 5xx, dropped connections, 429s, slow answers and timeouts, injected by the
fake server. The bot retries with backoff; no update is lost; no handler crashes the process."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.retries import ReplyRetryPolicy
from db.models import Direction, MessageLog
from tests.fakebot import FaultConfig
from tests.harness import BotHarness, eventually


async def choose_kyrgyz(harness: BotHarness, user_id: int) -> None:
    user = harness.user(user_id, language_code="ky")
    await user.send("/start")
    await user.expect_one(timeout=20)
    await user.press("✓ Кыргызча")
    await user.expect_one(timeout=20)


async def test_every_step_answered_despite_ten_percent_faults(harness: BotHarness) -> None:
    harness.server.faults = FaultConfig(
        rate=0.10, kinds=("5xx", "drop", "429", "slow"), seed=7, slow_ms=200,
        include_get_updates=True,
    )
    users = [harness.user(7100 + i, language_code="ky") for i in range(4)]
    for user in users:
        await choose_kyrgyz(harness, user.chat_id)
    for _ in range(5):
        for user in users:
            await user.send("/help")
        for user in users:
            reply = await user.expect_one(timeout=20)
            assert "Ботту кантип колдонуу керек" in (reply.text or "")
    assert sum(harness.server.stats.faults.values()) >= 5  # faults really happened
    harness.server.faults = None

    async def all_inbound_logged() -> bool:
        async with harness.db() as db:
            count = await db.scalar(
                select(func.count()).select_from(MessageLog).where(
                    MessageLog.direction == Direction.IN, MessageLog.chat_id.between(7100, 7103)
                )
            )
        return count == 4 * (2 + 5)  # /start, the language press, five /help each

    await eventually(all_inbound_logged, what="every inbound update logged exactly once")


@pytest.mark.parametrize("kind", ["5xx", "drop", "429"])
async def test_a_failed_reply_is_retried_and_arrives_once(harness: BotHarness, kind: str) -> None:
    await choose_kyrgyz(harness, 7200)
    user = harness.user(7200)
    harness.server.fail_next(kind, method="sendMessage")
    await user.send("/help")
    reply = await user.expect_one(timeout=20)
    assert "Ботту кантип колдонуу керек" in (reply.text or "")
    await user.expect_silence(0.5)  # exactly once: these faults deliver nothing


async def test_a_timed_out_reply_is_retried(harness: BotHarness) -> None:
    """The answer was lost, not the message: the family may see it twice, never zero times."""
    await choose_kyrgyz(harness, 7300)
    user = harness.user(7300)
    harness.server.fail_next("timeout", method="sendMessage")
    await user.send("/help")
    first = await user.expect_one(timeout=20)
    assert "Ботту кантип колдонуу керек" in (first.text or "")


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (BadRequest("Message is not modified"), None),  # final: the same request fails again
        (Forbidden("bot was blocked by the user"), None),
        (NetworkError("connection reset"), 0.3),
        (TimedOut(), 0.3),
        (RetryAfter(2), 2.0),
    ],
)
def test_only_transient_errors_are_retried(error: Exception, expected: float | None) -> None:
    # BadRequest is a NetworkError subclass in PTB; retrying it turned "Message is not
    # modified" into an apology after four tries.
    assert ReplyRetryPolicy().delay(error, 1) == expected
