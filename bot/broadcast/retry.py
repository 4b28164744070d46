"""What to do after a send attempt: the retry policy, free of Telegram types.

bot/broadcast/errors.py turns an exception into a Verdict; `decide` turns a Verdict into the
delivery's next state. Telegram has no idempotency key, so the one rule that keeps a family
from getting an announcement twice is: retry only what certainly did not arrive.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from db.enums import DeliveryState


class Verdict(enum.StrEnum):
    SENT = "sent"
    FLOOD = "flood"  # 429: refused, not delivered; wait retry_after
    BLOCKED = "blocked"  # 403: the family blocked the bot (or deleted the account)
    FAILED = "failed"  # a permanent refusal (400 chat not found, bad file...): not delivered
    RETRY = "retry"  # a transient error that certainly did not deliver (5xx, no connection)
    UNKNOWN = "unknown"  # the request may have arrived (timeout, connection lost mid-way)


@dataclass(frozen=True, slots=True)
class Attempt:
    verdict: Verdict
    error: str | None = None
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    state: DeliveryState  # PENDING: try again after `delay` seconds
    delay: float = 0.0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 5  # transient errors: then the delivery fails
    max_floods: int = 12  # 429s for one delivery before we give up on it
    base_delay: float = 1.0
    max_delay: float = 60.0

    def backoff(self, attempts: int, jitter: float) -> float:
        """Exponential, capped, with +-25% jitter (jitter in [0, 1)) so retries spread out."""
        raw = min(self.max_delay, self.base_delay * 2 ** max(attempts - 1, 0))
        return raw * (0.75 + jitter / 2)

    def decide(self, attempt: Attempt, attempts: int, jitter: float = 0.5) -> Decision:
        """`attempts`: sends made for this delivery, this one included."""
        verdict = attempt.verdict
        if verdict is Verdict.SENT:
            return Decision(DeliveryState.SENT)
        if verdict is Verdict.BLOCKED:
            return Decision(DeliveryState.BLOCKED, error=attempt.error)
        if verdict is Verdict.UNKNOWN:
            return Decision(DeliveryState.UNKNOWN, error=attempt.error)
        if verdict is Verdict.FAILED:
            return Decision(DeliveryState.FAILED, error=attempt.error)
        if verdict is Verdict.FLOOD:
            if attempts >= self.max_floods:
                return Decision(DeliveryState.FAILED, error=attempt.error)
            # A little over retry_after: Telegram counts whole seconds.
            return Decision(
                DeliveryState.PENDING,
                delay=(attempt.retry_after or 1.0) + 0.05 + jitter * 0.2,
                error=attempt.error,
            )
        if attempts >= self.max_attempts:
            return Decision(DeliveryState.FAILED, error=attempt.error)
        return Decision(
            DeliveryState.PENDING, delay=self.backoff(attempts, jitter), error=attempt.error
        )
