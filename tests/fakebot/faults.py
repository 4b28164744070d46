"""Fault injection for send/edit/answer requests (and optionally getUpdates).

Effects, chosen to mirror what a bot sees from the real Bot API:

* ``"5xx"``   500 or 502 JSON error; the message is NOT delivered.
* ``"429"``   Too Many Requests with ``retry_after``; NOT delivered.
* ``"drop"``  the TCP connection is aborted without an answer; NOT delivered.
* ``"timeout"`` the request IS processed (message delivered), then the answer is held for
  ``timeout_s`` (longer than the client's read timeout), so the client times out. This is
  the dangerous real-world case: the bot believes the send failed although the user got the
  message, and a naive retry produces a duplicate.
* ``"slow"``  the answer is delayed by ``slow_ms``, then the request is processed normally.

Draws come from ``random.Random(seed)`` in request-arrival order, so a fixed seed and a
deterministic request order give the same faults every run. ``force()`` queues one-shot
faults for precise tests ("the next sendMessage gets a 502").
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass

FAULT_KINDS: tuple[str, ...] = ("5xx", "timeout", "drop", "429", "slow")
_FAULTABLE_PREFIXES = ("send", "edit", "answer", "copy", "forward")


@dataclass(frozen=True, slots=True)
class FaultConfig:
    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    seed: int | None = None
    slow_ms: float = 300.0
    timeout_s: float = 6.0  # PTB's default read timeout is 5 s
    retry_after: int = 1
    include_get_updates: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {FAULT_KINDS}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("rate must be within [0, 1]")
        if self.rate > 0 and not self.kinds:
            raise ValueError("kinds must not be empty when rate > 0")


@dataclass(frozen=True, slots=True)
class Fault:
    kind: str
    status: int = 0  # for "5xx": 500 or 502


def is_faultable(method: str, include_get_updates: bool) -> bool:
    if method == "getUpdates":
        return include_get_updates
    return method.startswith(_FAULTABLE_PREFIXES)


class FaultInjector:
    def __init__(self, config: FaultConfig | None = None) -> None:
        self.config = config or FaultConfig()
        self._rng = random.Random(self.config.seed)
        self._forced: deque[tuple[str, str | None]] = deque()

    def force(self, kind: str, *, method: str | None = None, count: int = 1) -> None:
        """Queue ``count`` faults of ``kind`` for the next matching faultable requests."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {FAULT_KINDS}")
        self._forced.extend([(kind, method)] * count)

    def draw(self, method: str) -> Fault | None:
        config = self.config
        forced = self._take_forced(method)
        if forced is not None:
            return self._make(forced)
        if config.rate <= 0 or not is_faultable(method, config.include_get_updates):
            return None
        if self._rng.random() >= config.rate:
            return None
        return self._make(self._rng.choice(config.kinds))

    def _take_forced(self, method: str) -> str | None:
        if not self._forced:
            return None
        kind, wanted = self._forced[0]
        if wanted is not None and wanted.lower() != method.lower():
            return None
        if wanted is None and not is_faultable(method, self.config.include_get_updates):
            return None
        self._forced.popleft()
        return kind

    def _make(self, kind: str) -> Fault:
        if kind == "5xx":
            return Fault(kind, status=self._rng.choice((500, 502)))
        return Fault(kind)
