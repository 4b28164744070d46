"""An ExtBot that records every message it shows a user in the message log, in one place."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.retries import ReplyRetryPolicy, interactive
from bot.transcript import LOGGED_METHODS, outbound_entry
from db.models import MessageLog

_LOG = logging.getLogger(__name__)

OutboundSink = Callable[[list[MessageLog]], Awaitable[None]]


class TranscribingBot(ExtBot[None]):
    """Every sendMessage/sendPhoto/edit... goes through `_do_post`; we log its result there.

    Handlers, services and the broadcast sender all send through this bot, so a transcript is
    complete without any handler remembering to log.
    """

    def __init__(self, *args: Any, outbound_sink: OutboundSink | None = None, **kwargs: Any):
        self._outbound_sink = outbound_sink
        self._retry_policy = ReplyRetryPolicy()
        super().__init__(*args, **kwargs)

    def set_outbound_sink(self, sink: OutboundSink) -> None:
        with self._unfrozen():
            self._outbound_sink = sink

    async def _do_post(self, endpoint: str, data: Any, **kwargs: Any) -> Any:
        result = await self._post_with_retries(endpoint, data, **kwargs)
        if endpoint in LOGGED_METHODS and self._outbound_sink is not None:
            entry = outbound_entry(endpoint, dict(data), result)
            if entry is not None:
                try:
                    await self._outbound_sink([entry])
                except Exception:  # the message went out; a log failure must not resend it
                    _LOG.exception("could not log an outbound message to chat %s", entry.chat_id)
        return result

    async def _post_with_retries(self, endpoint: str, data: Any, **kwargs: Any) -> Any:
        """While answering a family, ride out 429s, 5xx and lost connections (bot/retries.py)."""
        attempt = 1
        while True:
            try:
                return await super()._do_post(endpoint, data, **kwargs)
            except TelegramError as error:
                delay = self._retry_policy.delay(error, attempt) if interactive.get() else None
                if delay is None or endpoint == "getUpdates":
                    raise
                _LOG.warning(
                    "%s failed (%s); retry %d in %.1fs", endpoint, error, attempt, delay
                )
                await asyncio.sleep(delay)
                attempt += 1
