"""The services every handler may use, built once per process (PTB's typed bot_data)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.eligibility.program import Program
from bot.eligibility.rules import Ruleset
from bot.flood import FloodGuard
from bot.i18n import I18n
from bot.plan.pdf_renderer import PdfRenderer
from bot.transcript_writer import TranscriptWriter
from db.base import utcnow
from db.models import MessageLog

if TYPE_CHECKING:
    from bot.broadcast.worker import BroadcastWorker

# How long a user's saved language is trusted without re-reading it. SQLite means one process,
# so a minute is safe. On PostgreSQL several instances may serve the same family, and a language
# chosen on one must be seen by the next update on another: there we re-read on every update.
USER_CACHE_SECONDS = 60.0


def user_cache_seconds(database_url: str) -> float:
    return USER_CACHE_SECONDS if database_url.startswith("sqlite") else 0.0


@dataclass(slots=True)
class CachedUser:
    language: str | None
    expires: float
    # Caseworker or admin. Only a family (False) lets the staff-only input consumers be skipped.
    staff: bool = True
    # Has a submitted application. Only False (known) lets the family's typed messages skip the
    # "is a caseworker waiting for this?" query: no application, no caseworker.
    has_case: bool = True


@dataclass
class Services:
    """Process-wide state: configuration, the database, catalogs and program facts."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    i18n: I18n
    program: Program
    ruleset: Ruleset  # the whole validated ruleset (eligibility rules); program = its facts
    users: dict[int, CachedUser] = field(default_factory=dict)
    flood: FloodGuard = field(default_factory=FloodGuard)
    # The clock of deadlines and reminders (UTC, aware). Tests swap it to jump in time.
    clock: Callable[[], datetime] = utcnow
    # This process's broadcast sender (issue 6), set while the application runs.
    broadcasts: BroadcastWorker | None = None
    # Long polling: updates above this id were never seen by an earlier process, so they
    # cannot be redeliveries (set at start-up). None (webhooks): any update may come again.
    redelivery_floor: int | None = None
    # Outbound log rows, committed in groups (bot/transcript_writer.py).
    transcripts: TranscriptWriter = field(init=False)
    # Business-plan PDFs, rendered beside the event loop (bot/plan/pdf_renderer.py).
    pdf: PdfRenderer = field(init=False)

    def __post_init__(self) -> None:
        self.transcripts = TranscriptWriter(self.transaction)
        self.pdf = PdfRenderer(self.settings.pdf_processes, self.program.grant_amount)

    def now(self) -> datetime:
        return self.clock()

    def cached_user(self, user_id: int) -> CachedUser | None:
        entry = self.users.get(user_id)
        if entry is None or entry.expires < time.monotonic():
            return None
        return entry

    def remember_user(
        self,
        user_id: int,
        language: str | None,
        *,
        staff: bool | None = None,
        has_case: bool | None = None,
    ) -> None:
        """Cache the language; `staff` or `has_case` None keeps what was known (unknown counts
        as staff, and as having a case: the safe side of both)."""
        known = self.users.get(user_id)
        if staff is None:
            staff = known.staff if known is not None else True
        if has_case is None:
            has_case = known.has_case if known is not None else True
        if len(self.users) > 100_000:  # bound memory; a miss only costs one upsert
            self.users.clear()
        ttl = user_cache_seconds(self.settings.database_url)
        self.users[user_id] = CachedUser(language, time.monotonic() + ttl, staff, has_case)

    def note_case(self, user_id: int) -> None:
        """The user just submitted an application: caseworkers may write to them from now on."""
        known = self.users.get(user_id)
        if known is not None:
            known.has_case = True

    def may_be_redelivered(self, update_id: int) -> bool:
        """Whether an earlier process (or instance) may have processed this update already."""
        return self.redelivery_floor is None or update_id <= self.redelivery_floor

    def forget_user(self, user_id: int) -> None:
        """The user's role or language changed elsewhere: read it again on the next update."""
        self.users.pop(user_id, None)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """A connection for single-statement reads, without BEGIN/COMMIT round trips."""
        async with self.engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
            yield conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A unit of work outside any update (jobs, logging): commit on success, else roll back."""
        async with self.sessions() as session, session.begin():
            yield session

    async def log_outbound(self, entries: list[MessageLog]) -> None:
        """Persist what the bot showed a user (called by TranscribingBot after each send).

        Returns once the rows are committed; concurrent replies share one commit.
        """
        await self.transcripts(entries)


class BotData:
    """PTB's bot_data: created empty by PTB, its services attached by build_application."""

    services: Services
