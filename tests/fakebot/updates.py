"""The update queue with Telegram's getUpdates semantics.

* update ids start at 1 and increase by one;
* ``offset`` confirms (drops) every update with ``update_id < offset``; a negative offset keeps
  only the last ``-offset`` updates;
* unconfirmed updates are returned again by the next call (redelivery);
* long polling waits up to ``timeout`` seconds and returns as soon as one update is queued;
* a new getUpdates call terminates a still-waiting one with 409, exactly like Telegram does
  when two bot instances poll the same token.

When a webhook is active, pushed updates go to ``sink`` (the webhook pusher) instead.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Iterable

from .errors import ApiError
from .models import JSON, UpdateRecord

MAX_LIMIT = 100


class UpdateQueue:
    def __init__(self) -> None:
        self._next_id = 1
        self._pending: deque[UpdateRecord] = deque()
        self._wakeup = asyncio.Event()
        self._poll_generation = 0
        self._closed = False
        # Every update ever queued, in order; benchmarks derive latencies from it.
        self.log: list[UpdateRecord] = []
        self.last_confirmed_at = 0.0  # lets wait_idle see the bot is still consuming
        self.sink: Callable[[UpdateRecord], None] | None = None

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    def push(
        self, kind: str, body: JSON, chat_id: int | None, callback_query_id: str | None = None
    ) -> UpdateRecord:
        update_id = self._next_id
        self._next_id += 1
        payload: JSON = {"update_id": update_id, kind: body}
        record = UpdateRecord(
            update_id=update_id,
            kind=kind,
            chat_id=chat_id,
            payload=payload,
            available_at=time.monotonic(),
            callback_query_id=callback_query_id,
        )
        self.log.append(record)
        if self.sink is not None:
            self.sink(record)
        else:
            self._pending.append(record)
            self._wake()
        return record

    def _wake(self) -> None:
        # Replace the event so each waiter generation is woken once (O(1), no polling).
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    def drain(self) -> list[UpdateRecord]:
        """Remove and return every unconfirmed update (webhook activation takes them)."""
        records = list(self._pending)
        self._pending.clear()
        return records

    def requeue(self, records: Iterable[UpdateRecord]) -> None:
        """Put updates back (webhook deactivation), keeping update_id order."""
        merged = sorted([*self._pending, *records], key=lambda r: r.update_id)
        self._pending = deque(merged)
        if merged:
            self._wake()

    def clear(self) -> int:
        dropped = len(self._pending)
        self._pending.clear()
        return dropped

    def close(self) -> None:
        """Release waiting long polls (server shutdown)."""
        self._closed = True
        self._wake()

    def confirm(self, offset: int) -> None:
        now = time.monotonic()
        pending = self._pending
        before = len(pending)
        if offset > 0:
            while pending and pending[0].update_id < offset:
                pending.popleft().confirmed_at = now
        elif offset < 0:
            while len(pending) > -offset:
                pending.popleft().confirmed_at = now
        if len(pending) != before:
            self.last_confirmed_at = now

    async def get_updates(self, offset: int, limit: int, timeout: float) -> list[JSON]:
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()  # a previous long poll (if any) must now answer 409
        limit = min(max(limit, 1), MAX_LIMIT)
        self.confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._pending and not self._closed:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            event = self._wakeup
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                break
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
        now = time.monotonic()
        batch: list[JSON] = []
        for record in self._pending:
            if len(batch) >= limit:
                break
            if record.delivered_at is None:
                record.delivered_at = now
            batch.append(record.payload)
        return batch
