"""Shared fixtures: the fake Bot API server and the bot running against it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.fakebot import FakeTelegramServer
from tests.harness import BotHarness, backends, fresh_database

# No per-example time limit: on a loaded CI machine a slow example is not a failure (speed is
# measured in bench/, never asserted in tests).
settings.register_profile("no-deadline", deadline=None)
settings.load_profile("no-deadline")

ADMIN_ID = 900001


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer() as fake:
        yield fake


@pytest.fixture(params=backends())
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database: SQLite, and PostgreSQL as well when TEST_POSTGRES_URL is set."""
    async with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
async def harness(server: FakeTelegramServer, database_url: str) -> AsyncIterator[BotHarness]:
    """The real bot, started; ADMIN_ID is an admin."""
    bot = BotHarness(server, database_url, admin_ids=str(ADMIN_ID))
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()
