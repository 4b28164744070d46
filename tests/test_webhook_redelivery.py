"""Webhook mode: Telegram retries an update whose 200 it did not get; it is applied once.

Long polling checks only the updates an earlier process may have seen (bot/app.py,
set_redelivery_floor). A webhook retry can come at any time, to any instance, so there every
update is checked: this test fails if the webhook path skipped the check.
"""

from __future__ import annotations

import aiohttp

from bot.webhook import SECRET_HEADER
from tests.fakebot import FakeTelegramServer
from tests.harness import BotHarness
from tests.test_e2e_eligibility import WORDS, run_of
from tests.test_e2e_webhook import SECRET, webhook_bot

__all__ = ["webhook_bot"]  # the fixture, imported for pytest


async def test_a_retried_webhook_update_is_not_applied_to_the_next_question(
    webhook_bot: tuple[str, BotHarness], server: FakeTelegramServer
) -> None:
    base, harness = webhook_bot
    user = harness.user(3101, language_code="ky")
    await user.send("/start")
    await user.expect_one()
    await user.press(WORDS["ky"]["language"])
    await user.expect_edit()
    await user.expect_one()
    await user.press(WORDS["ky"]["check"])
    await user.expect(2)
    for answer in ("Чүй облусу", WORDS["ky"]["alamudun"], WORDS["ky"]["benefit"]):
        await user.press(answer)
        await user.expect_one()
    record = await user.send("6")  # household size
    await user.expect_one()  # the next question: children
    await server.wait_idle()

    # The same update again, as Telegram sends it when the first 200 was lost.
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{base}/tg/hook", json=record.payload, headers={SECRET_HEADER: SECRET}
        ) as response,
    ):
        assert response.status == 200
    await server.wait_idle()
    await user.expect_silence(0.5)  # applied again, it would have been answered (or refused)

    run = await run_of(harness, 3101, "eligibility")
    assert run is not None
    assert run.answers.get("household_size") == 6
    assert "children_under_16" not in run.answers  # "6" did not go into the next question
