"""Outbound message-log rows, committed by group commit: one transaction for many replies.

Every message the bot shows a family is logged (bot/logging_bot.py). One transaction per
message was a third of the database work of an update. Here each caller still waits until its
rows are committed, so nothing changes for it: a reply is logged before the handler goes on,
and before the update counts as processed. But while one batch is being written, the rows of
all the other updates that replied in the meantime gather into the next batch. Under light load
every batch holds one message, as before; under heavy load one commit carries dozens.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import MessageLog
from db.repo.messages import insert_entries

_LOG = logging.getLogger(__name__)

Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]
# A batch this large is written at once rather than growing further.
MAX_BATCH = 500


class TranscriptWriter:
    """`await writer(rows)` returns once `rows` are committed, or raises what the commit raised."""

    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction
        self._waiting: deque[tuple[list[MessageLog], asyncio.Future[None]]] = deque()
        self._flusher: asyncio.Task[None] | None = None

    async def __call__(self, entries: list[MessageLog]) -> None:
        if not entries:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((entries, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_all(), name="transcript-writer")
        # If the caller is cancelled its rows are still written: they are in the batch.
        await future

    async def close(self) -> None:
        """Wait for the rows already handed over (graceful shutdown)."""
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)

    async def _flush_all(self) -> None:
        while self._waiting:
            batch = self._take_batch()
            rows = [row for entries, _ in batch for row in entries]
            try:
                async with self._transaction() as session:
                    await insert_entries(session, rows)
            except Exception as error:  # each waiter logs it; the messages themselves went out
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for _, future in batch:
                if not future.done():
                    future.set_result(None)

    def _take_batch(self) -> list[tuple[list[MessageLog], asyncio.Future[None]]]:
        batch: list[tuple[list[MessageLog], asyncio.Future[None]]] = []
        count = 0
        while self._waiting and count < MAX_BATCH:
            item = self._waiting.popleft()
            batch.append(item)
            count += len(item[0])
        return batch
