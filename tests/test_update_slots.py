"""The cap on updates processed at once, and Submits that wait for their PDF outside it.

A wave of families pressing Submit at once used to fill every slot with updates waiting for
the PDF worker, and nobody else was answered until the PDFs were done.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from telegram import Chat, Message, Update

from bot.update_processor import PerChatUpdateProcessor, slot_released
from tests.fakebot import FakeTelegramServer
from tests.harness import BotHarness
from tests.test_e2e_plan import pdf_text
from tests.test_e2e_plan_pdf import GatedRenderer, at_the_summary

WHEN = datetime(2026, 3, 8, tzinfo=UTC)


def update_of(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, WHEN, chat, text="x"))


async def turns(count: int = 20) -> None:
    """Let every task that can run, run (each await in the processor is a loop turn)."""
    for _ in range(count):
        await asyncio.sleep(0)


class Recorder:
    def __init__(self) -> None:
        self.done: list[str] = []

    def job(self, name: str, wait: Callable[[], Awaitable[Any]] | None = None) -> Awaitable[None]:
        async def run() -> None:
            if wait is not None:
                await wait()
            self.done.append(name)

        return run()


def free_slots(processor: PerChatUpdateProcessor) -> int:
    return processor._slots._value  # the semaphore's own count of free permits


async def test_a_released_slot_serves_another_family_and_order_is_kept() -> None:
    processor = PerChatUpdateProcessor(1)
    gate = asyncio.Event()
    seen = Recorder()

    async def waits_outside_the_slot() -> None:
        async with slot_released():
            await gate.wait()

    first_job = seen.job("family 10, first", waits_outside_the_slot)
    first = asyncio.create_task(processor.process_update(update_of(1, 10), first_job))
    await turns()
    second = asyncio.create_task(
        processor.process_update(update_of(2, 10), seen.job("family 10, second"))
    )
    other = asyncio.create_task(processor.process_update(update_of(3, 20), seen.job("family 20")))
    await turns()
    # The other family was answered with the only slot; the first family's second update
    # still waits behind its first, which waits for its gate.
    assert seen.done == ["family 20"]
    assert other.done() and not second.done()
    gate.set()
    await asyncio.wait_for(asyncio.gather(first, second), 5)
    assert seen.done == ["family 20", "family 10, first", "family 10, second"]
    assert free_slots(processor) == 1


async def test_without_releasing_the_limit_holds_everybody_back() -> None:
    processor = PerChatUpdateProcessor(1)
    gate = asyncio.Event()
    seen = Recorder()
    blocked = asyncio.create_task(
        processor.process_update(update_of(1, 10), seen.job("family 10", gate.wait))
    )
    await turns()
    other = asyncio.create_task(processor.process_update(update_of(2, 20), seen.job("family 20")))
    await turns()
    assert seen.done == [] and not other.done()
    gate.set()
    await asyncio.wait_for(asyncio.gather(blocked, other), 5)
    assert seen.done == ["family 10", "family 20"]
    assert free_slots(processor) == 1


async def test_cancelled_while_taking_its_slot_back_gives_back_nothing_twice() -> None:
    processor = PerChatUpdateProcessor(1)
    outside, holder_gate = asyncio.Event(), asyncio.Event()
    seen = Recorder()

    async def waits_outside_the_slot() -> None:
        async with slot_released():
            await outside.wait()

    lender = asyncio.create_task(
        processor.process_update(update_of(1, 10), seen.job("lender", waits_outside_the_slot))
    )
    await turns()
    holder = asyncio.create_task(
        processor.process_update(update_of(2, 20), seen.job("holder", holder_gate.wait))
    )
    await turns()
    outside.set()  # the lender now waits to take a slot back, which the holder has
    await turns()
    assert not lender.done()
    lender.cancel()
    with pytest.raises(asyncio.CancelledError):
        await lender
    holder_gate.set()
    await asyncio.wait_for(holder, 5)  # a second release would raise ValueError here
    assert seen.done == ["holder"]
    assert free_slots(processor) == 1
    # And the cap still works for the next updates.
    await asyncio.wait_for(processor.process_update(update_of(3, 30), seen.job("next")), 5)
    assert seen.done == ["holder", "next"]


@pytest.fixture
async def one_slot(server: FakeTelegramServer, database_url: str) -> AsyncIterator[BotHarness]:
    bot = BotHarness(server, database_url, max_concurrent_updates=1)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


async def test_a_submit_waiting_for_its_pdf_does_not_stop_other_families(
    one_slot: BotHarness,
) -> None:
    """One slot in all: the Submit waits for its PDF, and a newcomer is answered meanwhile."""
    renderer = GatedRenderer(one_slot.services.program.grant_amount)
    one_slot.services.pdf = renderer
    family = await at_the_summary(one_slot, 5101, "ru")
    await family.user.press(family.label["submit"])
    done = await family.user.expect_one()  # the confirmation comes first, the PDF later
    assert "SC-" in done.text
    for _ in range(200):
        if renderer.calls:
            break
        await asyncio.sleep(0.01)
    assert renderer.calls == 1

    newcomer = one_slot.user(5102, language_code="ky")
    await newcomer.send("/start")
    welcome = await newcomer.expect_one()
    assert welcome.inline_buttons  # the language choice, while the Submit still waits
    assert family.user.unread == []

    renderer.gate.set()
    pdf = await family.user.expect_one()
    assert "Иванова Мария Петровна" in pdf_text(pdf)
