"""Retrying Bot API calls made while answering a family, with backoff.

Only calls made inside update processing retry (`interactive` is set by the update processor);
the broadcast sender keeps its own stricter policy, and jobs decide for themselves.

What is retried: 429 (after retry_after), 5xx and lost connections (the message certainly did
not arrive), and timeouts (it may have arrived: a family then sees a question twice, which is
better than never seeing it). Everything else (400, 403...) is final and raised at once.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass

from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

# True while an update is being processed (set in bot/update_processor.py).
interactive: contextvars.ContextVar[bool] = contextvars.ContextVar("interactive", default=False)


@dataclass(frozen=True, slots=True)
class ReplyRetryPolicy:
    """Up to `attempts` tries, waiting base·2ⁿ between them; a 429 waits what Telegram says."""

    attempts: int = 4
    base_delay: float = 0.3
    max_retry_after: float = 15.0  # longer than this, the family is better told to wait

    def delay(self, error: Exception, attempt: int) -> float | None:
        """Seconds to wait before the next try, or None to give up and raise."""
        if attempt >= self.attempts:
            return None
        if isinstance(error, RetryAfter):
            wait = error.retry_after
            seconds = wait if isinstance(wait, int | float) else wait.total_seconds()
            return float(seconds) if seconds <= self.max_retry_after else None
        if isinstance(error, BadRequest):  # a NetworkError in PTB, but final: the request is wrong
            return None
        if isinstance(error, TimedOut | NetworkError):
            return self.base_delay * 2 ** (attempt - 1)
        return None
