"""Flood control: a token bucket per user, so one family cannot monopolise the bot.

A person taps and types a few times a second at most; a script or a stuck client sends dozens.
Beyond the bucket, updates are dropped (after at most one polite notice per quiet period).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float
    warned_at: float


class FloodGuard:
    """`allow(user_id)` is False once a user exceeds `burst` updates plus `rate` per second."""

    def __init__(
        self,
        rate: float = 3.0,
        burst: float = 20.0,
        notice_every: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        max_users: int = 100_000,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.notice_every = notice_every
        self._clock = clock
        self._buckets: dict[int, _Bucket] = {}
        self._max_users = max_users

    def allow(self, user_id: int) -> bool:
        now = self._clock()
        bucket = self._buckets.get(user_id)
        if bucket is None:
            if len(self._buckets) >= self._max_users:
                self._buckets.clear()  # bounded memory; a reset only forgives
            bucket = self._buckets[user_id] = _Bucket(self.burst, now, -self.notice_every)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return True
        return False

    def should_notify(self, user_id: int) -> bool:
        """True once per quiet period for a flooding user: tell them, then stay silent."""
        bucket = self._buckets.get(user_id)
        if bucket is None:
            return False
        now = self._clock()
        if now - bucket.warned_at >= self.notice_every:
            bucket.warned_at = now
            return True
        return False
