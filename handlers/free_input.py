"""Typed input that is neither a command nor a menu button: offered to each consumer in turn.

A family's message may be an answer to the open questionnaire, a reply to a caseworker's
request for information, and so on. Filters cannot look at the database, so one handler asks
each consumer (in the order given by the routing table) and the first that takes it wins.
Nobody took it: the "not understood" reply.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from telegram import Update

from bot.context import BotContext
from handlers.fallback import not_understood

# Returns True when it handled the update (and replied); False to let the next one try.
Consumer = Callable[[Update, BotContext], Awaitable[bool]]


class FreeInput:
    """The chain of consumers for free input."""

    def __init__(self, consumers: Sequence[Consumer]) -> None:
        self._consumers = tuple(consumers)

    async def handle(self, update: Update, context: BotContext) -> None:
        """Give the input to the first consumer that wants it."""
        for consumer in self._consumers:
            if await consumer(update, context):
                return
        await not_understood(update, context)
