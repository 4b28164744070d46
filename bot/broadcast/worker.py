"""The broadcast sender of one process: finds work in the database and sends it.

Started in the application's post_init, stopped in post_stop (before the bot's HTTP session
closes, so requests in flight can finish). It keeps no state that matters between runs: a
restarted process finds the broadcasts still sending and goes on with their pending rows.

Crash recovery. Each sender registers a row in broadcast_senders and refreshes it every few
seconds. Deliveries claimed (state sending) by a sender that is gone are settled by its send
journal (bot/broadcast/recovery.py): never sent -> sent again; answered -> that answer; on
the wire -> UNKNOWN, never resent. Without a trusted journal all of them become UNKNOWN. With
SQLite the bot is one process, so at start every other sender is gone; on PostgreSQL (several
processes) a sender is gone when not seen for STALE_SECONDS.

No error ends the sender's task before stop(): a transient database error (SQLite's
"database is locked" under load) in the heartbeat, the claim or a write is logged and retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import time
import uuid
import warnings
from datetime import timedelta
from pathlib import Path

from telegram import Bot

from bot.broadcast import journal
from bot.broadcast.outbox import capturing_sink
from bot.broadcast.pacing import ChatSpacing
from bot.broadcast.recovery import recover
from bot.broadcast.retry import RetryPolicy
from bot.broadcast.sender import BroadcastRun
from bot.logging_bot import TranscribingBot
from bot.services import Services
from db.base import utcnow
from db.engine import sqlite_path
from db.models import Broadcast
from db.repo import broadcast_deliveries as repo

_LOG = logging.getLogger(__name__)

POLL_SECONDS = 1.0  # idle: look for due broadcasts this often (a confirm also wakes us)
PROGRESS_SECONDS = 3.0
STALE_SECONDS = 30.0  # PostgreSQL: a sender not seen for this long is dead
STOP_SECONDS = 25.0
RECOVER_SECONDS = 5.0
JOURNALS = "broadcast-journal"


def default_journal_dir(database_url: str) -> Path:
    """Beside the SQLite file; else ./data (the working directory of `python -m bot`)."""
    path = sqlite_path(database_url)
    if path is not None:
        return path.parent / JOURNALS
    if database_url.startswith("sqlite"):  # in memory: the database dies with the process
        return Path(tempfile.gettempdir()) / JOURNALS
    return Path("data") / JOURNALS


class BroadcastWorker:
    def __init__(
        self,
        services: Services,
        bot: Bot,
        *,
        poll_seconds: float = POLL_SECONDS,
        progress_seconds: float = PROGRESS_SECONDS,
        journal_dir: Path | None = None,
    ) -> None:
        settings = services.settings
        self.services = services
        self.bot = bot
        self.sender_id = uuid.uuid4().hex
        self.rate = settings.broadcast_rate
        self.max_in_flight = settings.broadcast_max_in_flight
        self.policy = RetryPolicy()
        self.spacing = ChatSpacing()
        self.poll_seconds = poll_seconds
        self.progress_seconds = progress_seconds
        self.single_process = settings.database_url.startswith("sqlite")
        self.journal_dir = (
            journal_dir
            or (Path(settings.broadcast_journal_dir) if settings.broadcast_journal_dir else None)
            or default_journal_dir(settings.database_url)
        )
        self.stopping = False
        # This process's broadcast writes take turns: with SQLite, two of our own
        # transactions competing for the one write lock would sleep in its busy handler.
        self.write_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._run: BroadcastRun | None = None
        self.last_seen = 0.0
        self._last_recover = 0.0
        self._recovered = False  # what a crashed predecessor left is dealt with

    async def start(self) -> None:
        """Register, recover what a crashed predecessor left, and start the loop."""
        if isinstance(self.bot, TranscribingBot):
            previous = getattr(self.bot, "_outbound_sink", None)
            if not getattr(previous, "captures", False):
                self.bot.set_outbound_sink(capturing_sink(previous))
        # bot/broadcast/content.py sends with do_api_request on purpose (no Message parsing).
        warnings.filterwarnings(
            "ignore", message=r"Please use 'Bot\.send(Message|Photo|Document)' instead"
        )
        try:
            await self._heartbeat()  # registers this sender (touch_sender inserts the row)
            await self._recover()
        except Exception:  # a busy database must not stop the bot from starting: the loop
            _LOG.exception("broadcast sender could not register yet; retrying")  # retries
        self._task = asyncio.create_task(self._main(), name="broadcast-sender")
        _LOG.info("broadcast sender %s started at %s msg/s", self.sender_id[:8], self.rate)

    async def stop(self) -> None:
        """Finish requests in flight, give back unsent claims, write every result."""
        if self._task is None:
            return
        self.stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), STOP_SECONDS)
        except TimeoutError:
            _LOG.error("broadcast sender did not stop in %ss; cancelling", STOP_SECONDS)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None
        try:
            async with self.services.transaction() as session:
                await repo.remove_sender(session, self.sender_id)
        except Exception:
            _LOG.exception("could not unregister broadcast sender %s", self.sender_id[:8])

    def wake(self) -> None:
        """A broadcast was confirmed or cancelled: look now instead of at the next poll."""
        self._wake.set()

    async def _main(self) -> None:
        """Never ends before stop(): any error (a transient "database is locked", a
        connection lost) is logged and the loop goes on after a pause."""
        while not self.stopping:
            worked = False
            try:
                if not self._recovered:
                    await self._recover()
                worked = await self._work_once()
            except Exception:
                _LOG.exception("broadcast sender failed; retrying")
            if self.stopping:
                break
            if not worked:
                await self._idle()

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
        self._wake.clear()
        if time.monotonic() - self.last_seen >= self.progress_seconds:
            try:
                await self._heartbeat()
            except Exception:  # the database is busy or restarting: beat again next time
                _LOG.exception("broadcast sender heartbeat failed; retrying")

    def seen(self) -> None:
        """Our heartbeat row was just written (an idle beat or a progress tick)."""
        self.last_seen = time.monotonic()

    async def _heartbeat(self) -> None:
        now = utcnow()
        async with self.services.transaction() as session:
            await repo.touch_sender(session, self.sender_id, now)
        self.seen()
        await self.recover_dead_peers()

    async def recover_dead_peers(self) -> None:
        """PostgreSQL: another process may have died; its claims must not wait forever.

        Called while idle and from each progress tick (a broadcast in progress may be waiting
        for exactly those rows), at most every RECOVER_SECONDS.
        """
        if self.single_process or time.monotonic() - self._last_recover < RECOVER_SECONDS:
            return
        self._last_recover = time.monotonic()
        await self._recover()

    async def _recover(self) -> None:
        """Claims of dead senders: resent, answered or UNKNOWN as their journal says."""
        now = utcnow()
        async with self.services.transaction() as session:
            if self.single_process:
                await repo.forget_senders(session, except_id=self.sender_id)
            else:
                await repo.forget_senders(
                    session, seen_before=now - timedelta(seconds=STALE_SECONDS)
                )
            summary = await recover(session, self.journal_dir, now)
        summary.forget_journals(self.journal_dir)
        if self.single_process:
            journal.remove_others(self.journal_dir, self.sender_id)
        self._recovered = True
        if summary.resent or summary.answered:
            _LOG.warning(
                "a sender died mid-broadcast: %d claimed deliveries never left (sent again), "
                "%d answers recovered from its journal",
                summary.resent,
                summary.answered,
            )
        if summary.unknown:
            _LOG.warning(
                "%d broadcast deliveries were in flight when a sender died; marked unknown, "
                "not resent",
                summary.unknown,
            )

    async def _work_once(self) -> bool:
        """Start due broadcasts, then send every broadcast in the sending state."""
        now = self.services.now()  # the services' clock: tests move it to a scheduled time
        default_language = self.services.settings.default_language
        async with self.services.transaction() as session:
            due = await repo.due_broadcasts(session, now)
        for broadcast_id in due:
            async with self.services.transaction() as session:
                total = await repo.start(session, broadcast_id, now, default_language)
            if total is not None:
                _LOG.info("broadcast %s started: %d recipients", broadcast_id, total)
        async with self.services.transaction() as session:
            sending = await repo.sending_broadcasts(session)
            broadcasts = [await session.get(Broadcast, bid) for bid in sending]
        for broadcast in broadcasts:
            if broadcast is None or self.stopping:
                continue
            self._run = BroadcastRun(self, broadcast, self.bot)
            try:
                await self._run.run()
            finally:
                self._run = None
        return bool(broadcasts)
