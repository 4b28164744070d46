"""Webhook delivery: POST each update to the bot's URL, in order per chat.

Like Telegram, up to ``max_connections`` requests run in parallel, but updates of the same
chat are delivered one at a time in update_id order (the next one is only sent after the
previous one was answered with 2xx). Failed deliveries (non-2xx, connection error, timeout)
are retried with exponential backoff; unlike Telegram, which keeps retrying for hours, we
give up after ``max_attempts`` so tests terminate, and count the update as dropped.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Hashable

import aiohttp

from .models import JSON, ServerStats, UpdateRecord
from .updates import UpdateQueue

log = logging.getLogger(__name__)


class WebhookPusher:
    def __init__(
        self,
        queue: UpdateQueue,
        stats: ServerStats,
        *,
        max_attempts: int = 5,
        retry_delay: float = 0.05,
        request_timeout: float = 10.0,
    ) -> None:
        self._queue = queue
        self._stats = stats
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.request_timeout = request_timeout
        self.url = ""
        self.secret_token: str | None = None
        self.max_connections = 40
        self.allowed_updates: list[str] | None = None
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.dropped: list[UpdateRecord] = []
        self._by_key: dict[Hashable, deque[UpdateRecord]] = {}
        self._ready: asyncio.Queue[Hashable] = asyncio.Queue()
        self._count = 0
        self._workers: list[asyncio.Task[None]] = []
        self._session: aiohttp.ClientSession | None = None

    @property
    def active(self) -> bool:
        return bool(self.url)

    @property
    def pending_count(self) -> int:
        """Updates not yet acknowledged by the webhook (including ones being POSTed)."""
        return self._count

    def activate(
        self,
        url: str,
        secret_token: str | None,
        max_connections: int,
        allowed_updates: list[str] | None,
    ) -> None:
        self.deactivate(drop_pending=False)
        self.url = url
        self.secret_token = secret_token
        self.max_connections = max_connections
        self.allowed_updates = allowed_updates
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.request_timeout)
            )
        for record in self._queue.drain():
            self._enqueue(record)
        self._queue.sink = self._enqueue
        self._workers = [
            asyncio.create_task(self._worker(), name=f"fakebot-webhook-{i}")
            for i in range(max_connections)
        ]

    def deactivate(self, *, drop_pending: bool) -> None:
        """Stop pushing; undelivered updates go back to the getUpdates queue unless dropped."""
        for task in self._workers:
            task.cancel()
        self._workers = []
        self._queue.sink = None
        undelivered = [record for records in self._by_key.values() for record in records]
        self._by_key.clear()
        self._ready = asyncio.Queue()
        self._count = 0
        self.url = ""
        self.secret_token = None
        if not drop_pending:
            self._queue.requeue(undelivered)

    async def aclose(self) -> None:
        self.deactivate(drop_pending=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _enqueue(self, record: UpdateRecord) -> None:
        # Updates without a chat have no ordering constraint: give each its own lane.
        key: Hashable = record.chat_id if record.chat_id is not None else ("u", record.update_id)
        self._count += 1
        lane = self._by_key.get(key)
        if lane is None:
            self._by_key[key] = deque([record])
            self._ready.put_nowait(key)
        else:
            lane.append(record)  # the worker owning this lane re-schedules it when done

    async def _worker(self) -> None:
        ready = self._ready
        while True:
            key = await ready.get()
            lane = self._by_key[key]
            await self._deliver(lane[0])
            lane.popleft()
            self._count -= 1
            if lane:
                ready.put_nowait(key)
            else:
                del self._by_key[key]

    async def _deliver(self, record: UpdateRecord) -> None:
        assert self._session is not None
        headers = {}
        if self.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.secret_token
        for attempt in range(self.max_attempts):
            if record.delivered_at is None:
                record.delivered_at = time.monotonic()
            error = await self._post(record.payload, headers)
            if error is None:
                record.confirmed_at = time.monotonic()
                self._stats.webhook_deliveries += 1
                return
            self._stats.webhook_failures += 1
            self.last_error_date = int(time.time())
            self.last_error_message = error
            log.debug("webhook delivery of update %s failed: %s", record.update_id, error)
            if attempt + 1 < self.max_attempts:
                await asyncio.sleep(min(self.retry_delay * 2**attempt, 1.0))
        self._stats.webhook_dropped += 1
        self.dropped.append(record)

    async def _post(self, payload: JSON, headers: dict[str, str]) -> str | None:
        """POST one update; None on 2xx, else Telegram-style last_error_message."""
        assert self._session is not None
        try:
            async with self._session.post(self.url, json=payload, headers=headers) as resp:
                await resp.read()
                if 200 <= resp.status < 300:
                    return None
                return f"Wrong response from the webhook: {resp.status} {resp.reason}"
        except TimeoutError:
            return "Connection timed out"
        except aiohttp.ClientError as exc:
            return f"Connection error: {exc.__class__.__name__}"
