"""Turning a failed send into a Verdict: did the message certainly not arrive, or maybe arrive?

The distinction decides between "retry" and "never resend". Telegram answered with an error
(429, 403, 400, 5xx): it did not deliver. Our request never left (no connection, no free
connection in the pool): it did not deliver. The request left but no answer came back (read
timeout, connection lost mid-way): it may have been delivered; resending could give the
family the announcement twice, so the delivery is recorded as UNKNOWN instead.
"""

from __future__ import annotations

from datetime import timedelta

import aiohttp
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.broadcast.retry import Attempt, Verdict

# aiohttp errors raised before a single byte of the request was sent.
_NEVER_SENT: tuple[type[BaseException], ...] = (
    aiohttp.ClientConnectorError,  # refused, DNS, TLS handshake
    aiohttp.ConnectionTimeoutError,  # connect timeout, or no free connection in the pool
)


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text[:256]


def classify(exc: BaseException) -> Attempt:
    """The Verdict for an exception raised by a send."""
    error = _describe(exc)
    if isinstance(exc, RetryAfter):
        return Attempt(Verdict.FLOOD, error, retry_after=_seconds(exc.retry_after))
    if isinstance(exc, Forbidden):
        return Attempt(Verdict.BLOCKED, error)
    if isinstance(exc, BadRequest | ChatMigrated):
        return Attempt(Verdict.FAILED, error)
    if isinstance(exc, InvalidToken):
        return Attempt(Verdict.RETRY, error)  # an operator error; fails after the retries
    if isinstance(exc, NetworkError):  # TimedOut is a NetworkError too
        cause = exc.__cause__
        if cause is None and not isinstance(exc, TimedOut):
            return Attempt(Verdict.RETRY, error)  # Telegram answered 5xx: not delivered
        if isinstance(cause, _NEVER_SENT):
            return Attempt(Verdict.RETRY, error)
        return Attempt(Verdict.UNKNOWN, error)
    if isinstance(exc, TelegramError):
        return Attempt(Verdict.FAILED, error)
    return Attempt(Verdict.UNKNOWN, error)  # a bug mid-send: it may have gone out
