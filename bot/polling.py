"""Long polling that confirms an update to Telegram only after it has been processed.

PTB's Updater confirms a getUpdates batch (offset = last id + 1) with its next poll, usually
while the batch's handlers are still running: a kill -9 then loses those updates for good.

Here the offset sent to Telegram is the smallest update_id whose processing has not finished
(or the last id + 1 when nothing is running). Telegram therefore keeps every unfinished update
and delivers it again after a crash; one that had been applied is recognised by its update_id
(`handlers/redelivery.py`) and not applied twice. Updates already running or finished are
skipped when a poll returns them again; new ones go to PTB's update processor (per-chat order,
bot/update_processor.py), exactly as PTB's own fetcher would hand them over.

The guarantee: an update is confirmed only after its handler returned (or raised), or after it
has been running for `max_hold` seconds (a hung handler must not hold up every family, since a
poll returns at most `limit` updates from the offset on). A graceful stop finishes the updates
in flight and then confirms them.

Costs: while anything is running, a poll returns at once (the unfinished updates are still
pending at Telegram), so polls come every `busy_interval` seconds instead of one long poll;
already-known updates are skipped before they are parsed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

_LOG = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")
BATCH_LIMIT = 100  # Telegram's maximum for getUpdates
READ_SLACK = 10.0  # seconds beyond the long-poll timeout before a poll counts as timed out
MAX_BACKOFF = 30.0

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


class OffsetWindow:
    """Which updates are running or finished, and the offset that is safe to confirm.

    Pure bookkeeping (no I/O), so the rule can be tested on its own.
    """

    def __init__(self, max_hold: float = 120.0) -> None:
        self.max_hold = max_hold
        self._running: dict[int, float] = {}  # update_id -> when it was handed over
        self._finished: set[int] = set()  # finished, not yet confirmed
        self._next_id: int | None = None  # last update_id seen + 1
        self._confirmed = 0  # the last offset Telegram accepted
        self._given_up: set[int] = set()

    @property
    def running(self) -> int:
        return len(self._running)

    def take(self, update_id: int, now: float) -> bool:
        """True if the update is new (now running); False if seen before in this process."""
        if (
            update_id < self._confirmed
            or update_id in self._running
            or update_id in self._finished
        ):
            return False
        self._running[update_id] = now
        if self._next_id is None or update_id >= self._next_id:
            self._next_id = update_id + 1
        return True

    def finish(self, update_id: int) -> None:
        if self._running.pop(update_id, None) is not None:
            self._given_up.discard(update_id)
            if update_id >= self._confirmed:
                self._finished.add(update_id)

    def holding(self, now: float) -> list[int]:
        """Running updates that still hold the offset back (not yet past max_hold)."""
        held = []
        for update_id, since in self._running.items():
            if now - since < self.max_hold:
                held.append(update_id)
            elif update_id not in self._given_up:
                self._given_up.add(update_id)
                _LOG.warning(
                    "update %s is still running after %.0f s; confirming it anyway so that "
                    "later updates are not held up",
                    update_id,
                    self.max_hold,
                )
        return held

    def offset(self, now: float) -> int | None:
        """The getUpdates offset: everything below it has finished (None: nothing seen yet)."""
        held = self.holding(now)
        if held:
            return max(min(held), self._confirmed)
        if self._next_id is None:
            return None
        return max(self._next_id, self._confirmed)

    def confirmed(self, offset: int | None) -> None:
        """Telegram accepted `offset`: forget finished updates below it."""
        if offset is None or offset <= self._confirmed:
            return
        self._confirmed = offset
        self._finished = {u for u in self._finished if u >= offset}


class ConfirmingPoller:
    """Fetches updates with getUpdates and confirms each one only once it was processed."""

    def __init__(
        self,
        app: AnyApplication,
        *,
        timeout: float = 10.0,
        allowed_updates: Sequence[str] = ALLOWED_UPDATES,
        busy_interval: float = 0.05,
        max_hold: float = 120.0,
        limit: int = BATCH_LIMIT,
    ) -> None:
        self.app = app
        self.timeout = timeout
        self.allowed_updates = list(allowed_updates)
        self.busy_interval = busy_interval
        self.limit = limit
        self.window = OffsetWindow(max_hold)
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.polls = 0  # successful getUpdates calls (tests and diagnostics)
        # Set once every update that was waiting at Telegram when we started has been seen:
        # a poll returned less than a full batch, or a message written after our start came
        # (update ids grow in arrival order, so all earlier ones came before it).
        self.backlog_fetched = asyncio.Event()
        self._started_at = time.time()
        self._latest: OrderedDict[int, int] = OrderedDict()  # chat id -> last update id

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
        """Remove a webhook if one is set (getUpdates would conflict), then poll."""
        await self.app.bot.delete_webhook()
        _POLLERS[id(self.app)] = self
        self._task = asyncio.create_task(self._loop(), name="ConfirmingPoller")

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
        """After the updates in flight have finished: tell Telegram, without a long poll."""
        offset = self.window.offset(asyncio.get_running_loop().time())
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
        else:
            self.window.confirmed(offset)

    # -- the loop ---------------------------------------------------------------------------------

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        backoff = 0.0
        while not self._stopping.is_set():
            offset = self.window.offset(loop.time())
            delay = 0.0
            try:
                batch = await self._unless_stopped(self._get_updates(offset, self.timeout))
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
                backoff = 1.0 if backoff == 0 else min(MAX_BACKOFF, backoff * 1.5)
                delay = backoff
                _LOG.exception("getUpdates failed unexpectedly; trying again in %.1f s", delay)
            else:
                if batch is None:  # stopping
                    return
                backoff = 0.0
                self.polls += 1
                self.window.confirmed(offset)
                fresh = self._hand_over(batch, loop.time())
                if len(batch) < self.limit:
                    self.backlog_fetched.set()
                if fresh < len(batch):
                    # Updates still running came back: Telegram answers such a poll at once,
                    # and each poll downloads and decodes them all again (that was a tenth of
                    # the CPU at 100 families in flight). Wait a little instead of spinning;
                    # a batch of only new updates (a backlog) is followed by a poll at once.
                    delay = self.busy_interval
            if delay:
                await self._sleep(delay)

    def _hand_over(self, batch: list[Any], now: float) -> int:
        """Give the new updates of a batch to PTB's update processor; return how many."""
        bot = self.app.bot
        fresh = 0
        for data in batch:
            update_id = data.get("update_id") if isinstance(data, dict) else None
            if not isinstance(update_id, int) or not self.window.take(update_id, now):
                continue
            fresh += 1
            try:
                update = Update.de_json(data, bot)
                bot.insert_callback_data(update)
            except Exception:
                _LOG.critical("update %s could not be parsed; skipping it", update_id)
                self.window.finish(update_id)
                continue
            self._remember(update)
            self._note_backlog(update)
            self._process(update)
        return fresh

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
        task.add_done_callback(lambda _task: self.window.finish(update_id))

    async def _get_updates(
        self, offset: int | None, timeout: float, limit: int | None = None
    ) -> list[Any]:
        # Bot._post gives the raw JSON: updates still running come back in every poll, and
        # parsing them again just to skip them would cost ~0.2 ms each.
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
