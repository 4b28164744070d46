"""The services every handler may use, built once per process (PTB's typed bot_data)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.eligibility.program import Program
from bot.i18n import I18n
from db.models import MessageLog
from db.repo.messages import add_entries

# How long a user's saved language is trusted without re-reading it. Short, so that a language
# changed on another instance (several processes on PostgreSQL) is picked up quickly.
USER_CACHE_SECONDS = 60.0


@dataclass(slots=True)
class CachedUser:
    language: str | None
    expires: float


@dataclass
class Services:
    """Process-wide state: configuration, the database, catalogs and program facts."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    i18n: I18n
    program: Program
    users: dict[int, CachedUser] = field(default_factory=dict)

    def cached_user(self, user_id: int) -> CachedUser | None:
        entry = self.users.get(user_id)
        if entry is None or entry.expires < time.monotonic():
            return None
        return entry

    def remember_user(self, user_id: int, language: str | None) -> None:
        if len(self.users) > 100_000:  # bound memory; a miss only costs one upsert
            self.users.clear()
        self.users[user_id] = CachedUser(language, time.monotonic() + USER_CACHE_SECONDS)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A unit of work outside any update (jobs, logging): commit on success, else roll back."""
        async with self.sessions() as session, session.begin():
            yield session

    async def log_outbound(self, entries: list[MessageLog]) -> None:
        """Persist what the bot showed a user (called by TranscribingBot after each send)."""
        async with self.transaction() as session:
            add_entries(session, entries)


class BotData:
    """PTB's bot_data: created empty by PTB, its services attached by build_application."""

    services: Services
