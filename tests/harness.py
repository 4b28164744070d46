"""End-to-end harness: the real Application, built as `python -m bot` builds it, against the fake
Bot API server, with a real database (SQLite file per test, or PostgreSQL from TEST_DATABASE_URL).
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from bot.app import BotApplication, build_application, running
from bot.config import Settings, load_settings
from bot.services import Services
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade
from tests.fakebot import FakeTelegramServer, FakeUser

DEFAULT_WAIT = 30.0  # returns as soon as the condition holds; generous for loaded CI


POSTGRES_ENV = "TEST_POSTGRES_URL"


def backends() -> list[str]:
    """SQLite always; PostgreSQL too when TEST_POSTGRES_URL points at a server (CI sets it)."""
    return ["sqlite", "postgresql"] if os.environ.get(POSTGRES_ENV) else ["sqlite"]


@asynccontextmanager
async def fresh_database(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A new, empty database for one test, removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
        return
    base = os.environ[POSTGRES_ENV]
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.rsplit("/", 1)[0] + "/" + name
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


@asynccontextmanager
async def database_session(database_url: str) -> AsyncIterator[AsyncSession]:
    """A session of the test's own (not the bot's engine), for seeding and asserting on rows."""
    engine = create_async_engine(database_url)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            yield session
    finally:
        await engine.dispose()


@asynccontextmanager
async def migrated_sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """The bot's own engine and session factory, on the migrated database."""
    await asyncio.to_thread(upgrade, database_url)
    engine = create_engine(database_url)
    try:
        yield create_session_factory(engine)
    finally:
        await engine.dispose()


class BotHarness:
    """Starts, stops and restarts the bot; gives tests users, the database and the server."""

    def __init__(self, server: FakeTelegramServer, database_url: str, **settings: Any) -> None:
        self.server = server
        self.database_url = database_url
        self._overrides = settings
        self.app: BotApplication | None = None
        self._stack: AsyncExitStack | None = None

    @property
    def settings(self) -> Settings:
        return load_settings(
            _env_file=None,
            bot_token=self.server.token,
            database_url=self.database_url,
            telegram_api_url=self.server.base_url,
            telegram_file_url=self.server.file_url,
            **self._overrides,
        )

    @property
    def services(self) -> Services:
        assert self.app is not None, "bot not running"
        return self.app.bot_data.services

    def configure(self, **settings: Any) -> None:
        """Change settings for the next start (e.g. a new RULESET_PATH)."""
        self._overrides.update(settings)

    async def start(self) -> None:
        await asyncio.to_thread(upgrade, self.database_url)  # as `python -m bot` does at start
        self.app = build_application(self.settings)
        self._stack = AsyncExitStack()
        await self._stack.enter_async_context(running(self.app, poll_timeout=1.0))

    async def stop(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
        self._stack = None
        self.app = None

    async def restart(self) -> None:
        """A clean stop and a new process-like start: new services, empty caches."""
        await self.stop()
        await self.start()

    def user(self, user_id: int, first_name: str = "Айгүл", **kwargs: Any) -> FakeUser:
        return self.server.user(user_id, first_name, **kwargs)

    @asynccontextmanager
    async def db(self) -> AsyncIterator[AsyncSession]:
        """A session on the bot's database, for asserting on stored rows."""
        async with database_session(self.database_url) as session:
            yield session

    async def settle(self, timeout: float = DEFAULT_WAIT) -> None:
        """Wait until the bot has taken every update and nothing is in flight."""
        await self.server.wait_idle(timeout, settle=0.3)  # a loaded CI machine pauses too


async def eventually(
    check: Callable[[], Awaitable[bool]], timeout: float = DEFAULT_WAIT, what: str = "condition"
) -> None:
    """Poll an async predicate (e.g. a database row written after a reply)."""
    deadline = time.monotonic() + timeout
    while True:
        if await check():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)
