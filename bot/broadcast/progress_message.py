"""Keeping the admin's progress message current while a broadcast goes out.

Every few seconds: count the deliveries by state in the database (the only truth, whichever
process sent them), work out the rate over the last seconds, and edit the message. The same
tick refreshes this sender's heartbeat and notices a cancel pressed on any process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from datetime import timedelta
from typing import TYPE_CHECKING

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, TelegramError

from bot.broadcast.keyboards import stop_keyboard
from bot.broadcast.progress import Figures, render
from db.base import utcnow
from db.enums import BroadcastState
from db.models import Broadcast, User
from db.repo import broadcast_deliveries as repo
from db.repo.broadcasts import figures as count_figures
from db.repo.broadcasts import set_progress_message

if TYPE_CHECKING:
    from bot.broadcast.sender import BroadcastRun
    from bot.broadcast.worker import BroadcastWorker

_LOG = logging.getLogger(__name__)

RATE_WINDOW = 15.0  # seconds of history behind the rate shown
HANDOVER_SECONDS = 10.0  # wait this long for the confirm handler's progress message


class ProgressReporter:
    def __init__(self, worker: BroadcastWorker, broadcast: Broadcast, bot: Bot) -> None:
        self.worker = worker
        self.bot = bot
        self.broadcast_id = broadcast.id
        self.created_by = broadcast.created_by
        self.chat_id = broadcast.progress_chat_id or broadcast.created_by
        self.message_id = broadcast.progress_message_id
        self.started = time.monotonic()
        self.samples: deque[tuple[float, int]] = deque()
        self._task: asyncio.Task[None] | None = None
        self._run: BroadcastRun | None = None
        self._last_text: str | None = None

    def start(self, run: BroadcastRun) -> None:
        self._run = run
        self._task = asyncio.create_task(self._loop(), name="broadcast-progress")

    async def close(self) -> None:
        """Stop the ticks and show the final figures."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.tick(final=True)

    async def _loop(self) -> None:
        while True:
            try:  # a transient database error skips one tick, never the rest
                await self.tick()
            except Exception:
                _LOG.exception("progress of broadcast %s failed", self.broadcast_id)
            await asyncio.sleep(self.worker.progress_seconds)

    async def tick(self, *, final: bool = False) -> None:
        worker = self.worker
        now = utcnow()
        async with worker.write_lock, worker.services.transaction() as session:
            await repo.touch_sender(session, worker.sender_id, now)
            state = await repo.state_of(session, self.broadcast_id)
            counts = (await count_figures(session, [self.broadcast_id]))[self.broadcast_id]
            stale = now - timedelta(seconds=3 * worker.progress_seconds)
            mine = await repo.take_progress(
                session, self.broadcast_id, worker.sender_id, now, stale
            )
            broadcast = await session.get(Broadcast, self.broadcast_id)
            creator = await session.get(User, self.created_by)
        worker.seen()
        if not final:
            await worker.recover_dead_peers()
        if state is None or broadcast is None:
            return
        if state is not BroadcastState.SENDING and self._run is not None and not final:
            self._run.end(cancelled=state is BroadcastState.CANCELLED)
        if not (mine or final):
            return
        if self.message_id is None:
            self.message_id = broadcast.progress_message_id
        if self.message_id is None and broadcast.progress_chat_id is not None:
            # The admin's confirm handler is storing its progress message: use that one.
            confirmed = broadcast.confirmed_at or now
            if (now - confirmed).total_seconds() < HANDOVER_SECONDS and not final:
                return
        figures = Figures(counts)
        rate = self._rate(figures.done)
        language = (
            creator.language if creator else None
        ) or worker.services.settings.default_language
        t = worker.services.i18n.get(language)
        elapsed = None
        if broadcast.started_at is not None and broadcast.finished_at is not None:
            elapsed = (broadcast.finished_at - broadcast.started_at).total_seconds()
        text = render(
            t,
            number=self.broadcast_id,
            state=state,
            figures=figures,
            rate=rate,
            elapsed=elapsed,
            finished_at=broadcast.finished_at,
        )
        markup = stop_keyboard(t, self.broadcast_id) if state is BroadcastState.SENDING else None
        await self._show(text, markup)

    def _rate(self, done: int) -> float:
        now = time.monotonic()
        samples = self.samples
        samples.append((now, done))
        while len(samples) > 2 and samples[0][0] < now - RATE_WINDOW:
            samples.popleft()
        first_t, first_done = samples[0]
        if now - first_t < 0.5:
            return 0.0
        return max(0.0, (done - first_done) / (now - first_t))

    async def _show(self, text: str, markup: InlineKeyboardMarkup | None) -> None:
        if text == self._last_text:
            return
        try:
            if self.message_id is not None:
                await self.bot.edit_message_text(
                    text, chat_id=self.chat_id, message_id=self.message_id, reply_markup=markup
                )
            else:
                if self._run is not None:  # a new message counts toward Telegram's limit too
                    loop = asyncio.get_running_loop()
                    slot = self._run.pacer.reserve(loop.time())
                    await asyncio.sleep(max(0.0, slot - loop.time()))
                    self._run.pacer.sent(loop.time())
                message = await self.bot.send_message(self.chat_id, text, reply_markup=markup)
                self.message_id = message.message_id
                async with self.worker.services.transaction() as session:
                    await set_progress_message(
                        session, self.broadcast_id, self.chat_id, message.message_id
                    )
            self._last_text = text
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                self._last_text = text
            else:
                _LOG.warning("progress of broadcast %s: %s", self.broadcast_id, exc)
        except TelegramError as exc:
            _LOG.warning("progress of broadcast %s: %s", self.broadcast_id, exc)
