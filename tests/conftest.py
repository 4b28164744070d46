"""Shared fixtures: the fake Bot API server and the bot running against it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakebot import FakeTelegramServer
from tests.harness import BotHarness, fresh_database_url

ADMIN_ID = 900001


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer() as fake:
        yield fake


@pytest.fixture
async def harness(server: FakeTelegramServer, tmp_path: Path) -> AsyncIterator[BotHarness]:
    """The real bot, started; ADMIN_ID is an admin."""
    bot = BotHarness(server, await fresh_database_url(tmp_path), admin_ids=str(ADMIN_ID))
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()
