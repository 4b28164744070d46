"""Long polling that never loses an update, and never lets a slow one hold up the others.

PTB's Updater confirms a getUpdates batch (offset = last id + 1) with its next poll, usually
while the batch's handlers are still running: a kill -9 then loses those updates for good.

Here each batch is first stored in the database (table update_inbox, one commit per poll) and
only then confirmed, by the next poll's offset. An update's row is deleted once its handler
has finished (in batches, a moment later). The next process hands over the rows a dead one
left; one that had been applied is recognised by its update_id (`handlers/redelivery.py`) and
not applied twice. An update that was handed over at `max_attempts` starts in a row (one that
kills the process, say) is given up and logged, so that it cannot stop every restart.

Why not simply confirm an update once it finished? That was the first design: the offset
stayed at the oldest unfinished update, and getUpdates returns at most 100 updates from the
offset on, so one update slower than the last 100 (a plan's PDF, a caseworker's export) held
up every family, and each poll downloaded the unfinished updates again. Now a poll is a true
long poll: it returns as soon as something new arrives. Updates go to PTB's update processor
(per-chat order, bot/update_processor.py), exactly as PTB's own fetcher would hand them over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from db.repo.inbox import forget_updates, store_updates, take_over_updates

_LOG = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")
BATCH_LIMIT = 100  # Telegram's maximum for getUpdates
READ_SLACK = 10.0  # seconds beyond the long-poll timeout before a poll counts as timed out
MAX_BACKOFF = 30.0
MAX_ATTEMPTS = 3  # starts that handed an update over before it is given up
FORGET_DELAY = 0.2  # seconds: finished updates are deleted from the inbox in batches

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
T = TypeVar("T")
MAX_CHATS_REMEMBERED = 50_000  # chat -> last update id handed over (for redelivery.py)

# The running poller of each application (by id): handlers ask it about the backlog.
_POLLERS: dict[int, ConfirmingPoller] = {}


async def backlog_fetched(app: AnyApplication, timeout: float) -> None:
    """Wait until the poller has seen every update that was pending at Telegram when it
    started (getUpdates returns at most 100 at a time), or `timeout` seconds. No poller
    (webhook mode): at once."""
    poller = _POLLERS.get(id(app))
    if poller is None:
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(poller.backlog_fetched.wait(), timeout)


def newer_update_seen(app: AnyApplication, chat_id: int, update_id: int) -> bool:
    """Whether a later update of this chat than `update_id` has been received."""
    poller = _POLLERS.get(id(app))
    return poller is not None and poller.latest_of_chat(chat_id) > update_id


class UpdateLedger:
    """Which updates this process has taken, which are running, and which finished ones the
    inbox still holds. Pure bookkeeping (no I/O), so the rules can be tested on their own."""

    def __init__(self) -> None:
        self.offset: int | None = None  # every update below it is stored (None: none seen yet)
        self._running: set[int] = set()
        self._finished: list[int] = []  # finished; their inbox rows are still to be deleted

    @property
    def running(self) -> int:
        return len(self._running)

    def is_new(self, update_id: int) -> bool:
        """Not taken by this process before (a failed store is polled again, for one)."""
        below = self.offset is not None and update_id < self.offset
        return not below and update_id not in self._running

    def taken(self, update_ids: Iterable[int]) -> None:
        """These updates are stored: they run now, and the next poll confirms them."""
        for update_id in update_ids:
            self._running.add(update_id)
            if self.offset is None or update_id >= self.offset:
                self.offset = update_id + 1

    def finish(self, update_id: int) -> None:
        if update_id in self._running:
            self._running.discard(update_id)
            self._finished.append(update_id)

    def take_finished(self) -> list[int]:
        """The finished updates whose inbox rows are to be deleted now."""
        finished, self._finished = self._finished, []
        return finished

    def put_back(self, update_ids: list[int]) -> None:
        """Deleting their rows failed: try again later."""
        self._finished.extend(update_ids)

    @property
    def has_finished(self) -> bool:
        return bool(self._finished)


class ConfirmingPoller:
    """Fetches updates with getUpdates; stores each batch before Telegram may forget it."""

    def __init__(
        self,
        app: AnyApplication,
        *,
        timeout: float = 10.0,
        allowed_updates: Sequence[str] = ALLOWED_UPDATES,
        limit: int = BATCH_LIMIT,
        max_attempts: int = MAX_ATTEMPTS,
        forget_delay: float = FORGET_DELAY,
    ) -> None:
        self.app = app
        self.timeout = timeout
        self.allowed_updates = list(allowed_updates)
        self.limit = limit
        self.max_attempts = max_attempts
        self.forget_delay = forget_delay
        self.ledger = UpdateLedger()
        self._stopping = asyncio.Event()
        self._finished = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._forgetter: asyncio.Task[None] | None = None
        self.polls = 0  # successful getUpdates calls (tests and diagnostics)
        # Set once every update that was waiting at Telegram when we started has been seen:
        # a poll returned less than a full batch, or a message written after our start came
        # (update ids grow in arrival order, so all earlier ones came before it).
        self.backlog_fetched = asyncio.Event()
        self._started_at = time.time()
        self._latest: OrderedDict[int, int] = OrderedDict()  # chat id -> last update id

    @property
    def services(self) -> Any:
        return self.app.bot_data.services

    def latest_of_chat(self, chat_id: int) -> int:
        """The last update id of this chat handed over by this poller (0: none)."""
        return self._latest.get(chat_id, 0)

    def _remember(self, update: Update) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        self._latest[chat.id] = update.update_id
        self._latest.move_to_end(chat.id)
        if len(self._latest) > MAX_CHATS_REMEMBERED:
            self._latest.popitem(last=False)

    @property
    def task(self) -> asyncio.Task[None]:
        assert self._task is not None, "poller not started"
        return self._task

    async def start(self) -> None:
        """Remove a webhook if one is set (getUpdates would conflict), hand over what a dead
        process left in the inbox, then poll."""
        await self.app.bot.delete_webhook()
        _POLLERS[id(self.app)] = self
        await self._take_over()
        self._task = asyncio.create_task(self._loop(), name="ConfirmingPoller")
        self._forgetter = asyncio.create_task(self._forget_loop(), name="ConfirmingPoller:forget")

    async def stop(self) -> None:
        """Stop fetching; updates already handed over keep running (Application.stop waits)."""
        self._stopping.set()
        self.backlog_fetched.set()  # nobody waits for a backlog that will not come
        if self._task is not None:
            with contextlib.suppress(Exception):  # a failed poller was already logged
                await self._task
        if _POLLERS.get(id(self.app)) is self:
            del _POLLERS[id(self.app)]

    async def confirm_finished(self) -> None:
        """After the updates in flight have finished: delete their inbox rows, and tell
        Telegram about the last batch without a long poll."""
        if self._forgetter is not None:
            self._forgetter.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._forgetter
        await self._forget()
        offset = self.ledger.offset
        if offset is None:
            return
        try:
            await self._get_updates(offset, timeout=0.0, limit=1)
        except TelegramError as exc:
            _LOG.warning(
                "could not confirm updates below %s at shutdown (%s); Telegram will send them "
                "again and they will be recognised as already processed",
                offset,
                exc,
            )

    # -- the inbox --------------------------------------------------------------------------------

    async def _take_over(self) -> None:
        async with self.services.engine.begin() as connection:
            pending, given_up = await take_over_updates(connection, self.max_attempts)
        for update_id in given_up:
            _LOG.critical(
                "update %s was handed over at %d starts without finishing; giving it up",
                update_id,
                self.max_attempts,
            )
        if pending:
            _LOG.warning("handing over %d updates an earlier process did not finish", len(pending))
            self._hand_over(pending, taken_over=True)

    async def _store(self, fresh: list[dict[str, Any]]) -> None:
        async with self.services.engine.begin() as connection:
            await store_updates(connection, fresh)

    async def _forget_loop(self) -> None:
        while True:
            await self._finished.wait()
            await asyncio.sleep(self.forget_delay)  # let a batch gather: one commit for many
            if not await self._forget():
                await asyncio.sleep(1.0)

    async def _forget(self) -> bool:
        """Delete the finished updates' inbox rows; False if the database failed (kept)."""
        self._finished.clear()
        finished = self.ledger.take_finished()
        if not finished:
            return True
        try:
            async with self.services.engine.begin() as connection:
                await forget_updates(connection, finished)
        except Exception:
            # Harmless meanwhile: a restart would hand them over and they would be skipped.
            _LOG.exception("could not delete %d finished updates from the inbox", len(finished))
            self.ledger.put_back(finished)
            self._finished.set()
            return False
        return True

    # -- the loop ---------------------------------------------------------------------------------

    async def _loop(self) -> None:
        backoff = 0.0
        while not self._stopping.is_set():
            offset = self.ledger.offset
            delay = 0.0
            try:
                batch = await self._unless_stopped(self._get_updates(offset, self.timeout))
                if batch is None:  # stopping
                    return
                fresh = self._fresh(batch)
                if fresh:
                    await self._store(fresh)  # before the next poll's offset confirms them
            except RetryAfter as exc:
                retry_after = exc.retry_after
                seconds = (
                    retry_after if isinstance(retry_after, int | float)
                    else retry_after.total_seconds()
                )
                _LOG.warning("getUpdates: flood control, waiting %.1f s", seconds)
                delay = float(seconds) + 0.5
            except TimedOut:
                _LOG.debug("getUpdates timed out; polling again")
            except InvalidToken:
                _LOG.critical("getUpdates: the bot token was rejected; polling stops")
                raise
            except TelegramError as exc:
                backoff = 1.0 if backoff == 0 else min(MAX_BACKOFF, backoff * 1.5)
                delay = backoff
                _LOG.error("getUpdates failed (%s); trying again in %.1f s", exc, delay)
            except Exception:
                # The inbox could not be written, most likely: the offset stays, so Telegram
                # keeps the batch and the next poll returns it again.
                backoff = 1.0 if backoff == 0 else min(MAX_BACKOFF, backoff * 1.5)
                delay = backoff
                _LOG.exception("polling failed unexpectedly; trying again in %.1f s", delay)
            else:
                backoff = 0.0
                self.polls += 1
                self._hand_over(fresh, taken_over=False)
                if len(batch) < self.limit:
                    self.backlog_fetched.set()
            if delay:
                await self._sleep(delay)

    def _fresh(self, batch: list[Any]) -> list[dict[str, Any]]:
        """The updates of a batch this process has not taken yet."""
        return [
            data
            for data in batch
            if isinstance(data, dict)
            and isinstance(data.get("update_id"), int)
            and self.ledger.is_new(data["update_id"])
        ]

    def _hand_over(self, fresh: list[dict[str, Any]], *, taken_over: bool) -> None:
        """Give stored updates to PTB's update processor, in order (`taken_over`: left by a
        dead process, not fetched now, so they say nothing about Telegram's backlog)."""
        bot = self.app.bot
        self.ledger.taken(data["update_id"] for data in fresh)
        for data in fresh:
            update_id = data["update_id"]
            try:
                update = Update.de_json(data, bot)
                bot.insert_callback_data(update)
            except Exception:
                _LOG.critical("update %s could not be parsed; skipping it", update_id)
                self._done(update_id)
                continue
            self._remember(update)
            if not taken_over:
                self._note_backlog(update)
            self._process(update)

    def _done(self, update_id: int) -> None:
        self.ledger.finish(update_id)
        self._finished.set()

    def _note_backlog(self, update: Update) -> None:
        if self.backlog_fetched.is_set():
            return
        message = update.message
        # Telegram's clock and ours may differ a little: one second of margin.
        if message is not None and message.date.timestamp() >= self._started_at + 1.0:
            self.backlog_fetched.set()

    def _process(self, update: Update) -> None:
        # What PTB's update fetcher does with concurrent updates, plus the completion callback.
        app = self.app
        update_id = update.update_id
        task = app.create_task(
            app.update_processor.process_update(update, app.process_update(update)),
            update=update,
            name=f"ConfirmingPoller:update:{update_id}",
        )
        task.add_done_callback(lambda _task: self._done(update_id))

    async def _get_updates(
        self, offset: int | None, timeout: float, limit: int | None = None
    ) -> list[Any]:
        # Bot._post gives the raw JSON: the inbox stores it as received, and an update polled
        # again after a failed store is skipped before it is parsed.
        data: dict[str, Any] = {
            "timeout": timeout,
            "limit": limit or self.limit,
            "allowed_updates": self.allowed_updates,
        }
        if offset is not None:
            data["offset"] = offset
        result = await self.app.bot._post(
            "getUpdates", data, read_timeout=timeout + READ_SLACK
        )
        return result if isinstance(result, list) else []

    async def _unless_stopped(self, coroutine: Awaitable[T]) -> T | None:
        """The coroutine's result, or None if stop() was called first (then it is cancelled)."""
        work = asyncio.ensure_future(coroutine)
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({work, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if work.done():
            return work.result()
        work.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await work
        return None

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)


@asynccontextmanager
async def polling(
    app: AnyApplication, *, poll_timeout: float = 10.0, **options: Any
) -> AsyncIterator[ConfirmingPoller]:
    """Run the application with confirming long polling inside a running event loop.

    Start: initialize, post_init, start, poll. Exit: stop polling, let the updates in flight
    finish (Application.stop), confirm them to Telegram, post_stop, shutdown, post_shutdown.
    """
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()
    poller = ConfirmingPoller(app, timeout=poll_timeout, **options)
    try:
        await poller.start()
        yield poller
    finally:
        await poller.stop()
        await app.stop()
        await poller.confirm_finished()
        if app.post_stop is not None:
            await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


def run_polling(app: AnyApplication, *, poll_timeout: float = 10.0) -> None:
    """`python -m bot`: poll until SIGINT or SIGTERM, then stop gracefully."""
    asyncio.run(_serve(app, poll_timeout))


async def _serve(app: AnyApplication, poll_timeout: float) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGABRT):
        loop.add_signal_handler(signum, stop.set)
    async with polling(app, poll_timeout=poll_timeout) as poller:
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({stopping, poller.task}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if poller.task.done() and not poller.task.cancelled():
            poller.task.result()  # the token was rejected: stop, and say why
    _LOG.info("stopped")
