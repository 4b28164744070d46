"""Writing send results in batches: delivery states and the message-log rows, together.

One transaction per message would cost ~1 ms of CPU each (DESIGN.md) and cap the sender far
below Telegram's rate, so results are buffered and one task writes whatever accumulated, as
soon as the previous write is done. A delivery's "sent" state and its transcript row commit in
the same transaction: the log never shows a message the delivery table does not, or the
reverse.

The message-log rows come from TranscribingBot: its outbound sink is wrapped so that rows of
sends made inside `capture()` land in the caller's list instead of one transaction each.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar

from bot.services import Services
from db.base import utcnow
from db.enums import DeliveryState
from db.models import MessageLog
from db.repo.broadcast_deliveries import Outcome, record

_LOG = logging.getLogger(__name__)

Sink = Callable[[list[MessageLog]], Awaitable[None]]
_CAPTURE: ContextVar[list[MessageLog] | None] = ContextVar("broadcast_capture", default=None)
RETRY_PAUSE = 0.5  # seconds before retrying a failed write (database busy or restarting)
BATCH_SECONDS = 0.05  # results wait at most this long (the send journal has them meanwhile)
BATCH = 256  # ... or until this many are waiting


@contextmanager
def capture() -> Iterator[list[MessageLog]]:
    """Collect the log rows of the sends made inside the block (in this task only)."""
    rows: list[MessageLog] = []
    token = _CAPTURE.set(rows)
    try:
        yield rows
    finally:
        _CAPTURE.reset(token)


def capturing_sink(previous: Sink | None) -> Sink:
    """A sink that diverts captured rows and passes every other row on unchanged."""

    async def sink(entries: list[MessageLog]) -> None:
        rows = _CAPTURE.get()
        if rows is not None:
            rows.extend(entries)
        elif previous is not None:
            await previous(entries)

    sink.captures = True  # type: ignore[attr-defined]  # so it is never wrapped twice
    return sink


class Outbox:
    """Buffered results of one sender; `flush()` writes everything (at the end, on stop)."""

    def __init__(self, services: Services, write_lock: asyncio.Lock) -> None:
        self._services = services
        self._write_lock = write_lock
        self._outcomes: list[Outcome] = []
        self._logs: list[MessageLog] = []
        self._ready = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self.written = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="broadcast-outbox")

    async def close(self) -> None:
        """Write what is left and stop the writer task."""
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

    def add(self, outcome: Outcome, logs: list[MessageLog]) -> None:
        self._outcomes.append(outcome)
        self._logs.extend(logs)
        self._ready.set()

    @property
    def pending(self) -> int:
        return len(self._outcomes)

    async def _run(self) -> None:
        while True:
            await self._ready.wait()
            # Let results gather: one transaction per ~50 ms instead of one per message.
            if len(self._outcomes) < BATCH:
                await asyncio.sleep(BATCH_SECONDS)
            self._ready.clear()
            if not await self._write_once():
                await asyncio.sleep(RETRY_PAUSE)
                self._ready.set()

    async def flush(self) -> None:
        """Write until the buffer is empty (retrying while the database is unavailable)."""
        while self._outcomes or self._logs:
            if not await self._write_once():
                await asyncio.sleep(RETRY_PAUSE)

    async def _write_once(self) -> bool:
        async with self._lock, self._write_lock:
            outcomes, logs = self._outcomes, self._logs
            if not outcomes and not logs:
                return True
            self._outcomes, self._logs = [], []
            try:
                async with self._services.transaction() as session:
                    await record(session, outcomes, utcnow(), logs)
            except Exception:
                _LOG.exception("could not record %d broadcast results; retrying", len(outcomes))
                self._outcomes[:0] = outcomes
                self._logs[:0] = logs
                return False
        self.written += len(outcomes)
        for outcome in outcomes:
            if outcome.state is DeliveryState.BLOCKED:
                # Forget the cached profile so the next message from them un-blocks them.
                self._services.users.pop(outcome.user_id, None)
        return True
