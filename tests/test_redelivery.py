"""An update delivered twice (crash before the offset was confirmed) is applied once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import create_async_engine

from db.models import Direction, EligibilityCheck, MessageLog
from tests.fakebot import FakeTelegramServer, FaultConfig
from tests.harness import BotHarness
from tests.test_e2e_eligibility import WORDS, family, relax_flood, run_of, step
from tests.test_polling_inbox import bot_process, wait_for


async def start_check_up_to_household(harness: BotHarness, user_id: int) -> None:
    user = await family(harness, user_id, "ky")
    await user.press(WORDS["ky"]["check"])
    await user.expect(2)
    await step(user, "Чүй облусу")
    await step(user, WORDS["ky"]["alamudun"])
    await step(user, WORDS["ky"]["benefit"])  # now: household size


async def redeliver_after_restart(harness: BotHarness, record: object) -> None:
    """What Telegram does when the bot died before confirming the update's offset."""
    await harness.stop()
    harness.server.state.updates.requeue([record])  # type: ignore[list-item]
    await harness.start()
    relax_flood(harness)


async def test_redelivered_answer_is_not_applied_to_the_next_question(
    harness: BotHarness,
) -> None:
    await start_check_up_to_household(harness, 9101)
    user = harness.user(9101)
    record = await user.send("6")
    children_question = await user.expect_one()
    await redeliver_after_restart(harness, record)
    await harness.settle()
    await user.expect_silence(0.5)  # the reply had gone out: nothing is sent again
    run = await run_of(harness, 9101, "eligibility")
    assert run is not None
    assert run.answers.get("household_size") == 6
    assert "children_under_16" not in run.answers  # "6" did not leak into the next question
    reply = await step(user, "4", typed=True)
    assert reply.text != children_question.text  # the form moved on normally


async def test_bot_died_before_replying_the_question_is_sent_again(harness: BotHarness) -> None:
    await start_check_up_to_household(harness, 9102)
    user = harness.user(9102)
    record = await user.send("6")
    children_question = await user.expect_one()
    # As if the bot had committed the answer and died before its reply left.
    async with harness.db() as db:
        await db.execute(
            delete(MessageLog).where(
                MessageLog.chat_id == 9102,
                MessageLog.direction == Direction.OUT,
                MessageLog.text == children_question.text,
            )
        )
        await db.commit()
    await redeliver_after_restart(harness, record)
    again = await user.expect_one()
    assert again.text == children_question.text
    run = await run_of(harness, 9102, "eligibility")
    assert run is not None and "children_under_16" not in run.answers


async def test_bot_killed_before_the_verdict_left_sends_it_after_the_restart(
    server: FakeTelegramServer, database_url: str, tmp_path: Path
) -> None:
    """kill -9 between storing the completed check and sending its verdict: the last answer
    is delivered again, is not applied twice, and its verdict is sent."""
    words = WORDS["ky"]
    async with bot_process(server, database_url, tmp_path) as bot:
        user = server.user(9103, "Айгүл", language_code="ky")
        await user.send("/start")
        await user.expect_one(timeout=30)
        for press, replies in ((words["language"], 1), (words["check"], 2), (words["chui"], 1)):
            await user.press(press)
            await user.expect(replies, timeout=30)
        await user.press(words["alamudun"])
        await user.expect_one(timeout=30)  # «Do you receive the benefit…?»
        server.faults = FaultConfig(slow_ms=20_000)
        server.fail_next("slow", method="sendMessage")
        last = await user.press(words["neither"])  # the check is complete: not eligible
        await wait_for(lambda: server.stats.faults["slow"] == 1, "the verdict to be held")
        bot.kill9()  # the held request dies with the process: the verdict never arrives
        assert not any(m.content.startswith(words["not_eligible"]) for m in user.messages)
        await bot.start()
        verdict = await user.expect_one(timeout=30)
        assert verdict.content.startswith(words["not_eligible"])
        assert f"update {last.update_id} was delivered again" in bot.log(2)
        await user.expect_silence(1.0)
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            checks = await connection.scalar(
                select(func.count())
                .select_from(EligibilityCheck)
                .where(EligibilityCheck.user_id == 9103)
            )
    finally:
        await engine.dispose()
    assert checks == 1  # stored once, not evaluated again
