"""Concurrency across families, strict order within one family."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.retries import interactive


class _Slot:
    """One update's place among those processed at once."""

    def __init__(self, slots: asyncio.BoundedSemaphore) -> None:
        self._slots = slots
        self.held = False

    async def take(self) -> None:
        await self._slots.acquire()
        self.held = True  # only once acquired: a cancelled wait holds nothing to give back

    def give_back(self) -> None:
        if self.held:
            self.held = False
            self._slots.release()


# The slot of the update this task is processing (None outside PerChatUpdateProcessor).
_current_slot: ContextVar[_Slot | None] = ContextVar("update_slot", default=None)


@asynccontextmanager
async def slot_released() -> AsyncIterator[None]:
    """Lend this update's slot to other families while it waits for work that has its own
    queue (a Submit waiting for its PDF from the worker), and take a slot again after.

    The family's own lock stays held, so its updates keep their order. Without this, a wave of
    Submits waiting for PDFs held every slot and stopped all the other families for seconds.
    """
    slot = _current_slot.get()
    if slot is None or not slot.held:
        yield
        return
    slot.give_back()
    try:
        yield
    finally:
        await slot.take()


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Runs updates of different chats concurrently, and each chat's updates one at a time.

    PTB's `concurrent_updates` alone would let a family's second answer overtake its first.
    Locks are FIFO in asyncio, and PTB starts tasks in arrival order, so order is kept.

    The chat's lock is taken BEFORE a slot of the global limit: a family that floods the bot
    queues behind its own lock and holds at most one slot, so it cannot starve the others.
    """

    # PTB's own semaphore (taken before do_process_update, and final) must not be the limit:
    # a flooding chat would hold its slots while waiting for its own lock.
    _UNLIMITED = 1 << 20

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(self._UNLIMITED)
        self.limit = max_concurrent_updates
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiters: dict[int, int] = {}
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)

    @staticmethod
    def _key(update: object) -> int:
        if isinstance(update, Update):
            if update.effective_chat is not None:
                return update.effective_chat.id
            if update.effective_user is not None:
                return update.effective_user.id
        return 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self._key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiters[key] = self._waiters.get(key, 0) + 1
        try:
            async with lock:
                slot = _Slot(self._slots)
                await slot.take()
                # PTB awaits the handlers in this very task, so they see this slot.
                _current_slot.set(slot)
                try:
                    interactive.set(True)  # replies to this update retry on transient errors
                    await coroutine
                finally:
                    slot.give_back()
        finally:
            self._waiters[key] -= 1
            if self._waiters[key] == 0:  # forget idle chats so memory stays flat
                del self._waiters[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
