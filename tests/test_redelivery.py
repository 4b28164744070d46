"""An update delivered twice (crash before the offset was confirmed) is applied once."""

from __future__ import annotations

from sqlalchemy import delete

from db.models import Direction, MessageLog
from tests.harness import BotHarness
from tests.test_e2e_eligibility import WORDS, family, relax_flood, run_of, step


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
