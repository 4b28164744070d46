"""Pacing: evenly spaced sends at the configured rate, and at most one per chat per second.

Telegram counts messages in a sliding one-second window and answers 429 above its limit, so a
token bucket that lets a burst out after a pause (PTB's AIORateLimiter let 55 out in its first
second at 30/s) is wrong here. The Pacer books send slots on an absolute schedule instead:
slot k+1 = slot k + interval. A wake-up a little late keeps the schedule (the next send goes
right away, so the event loop's ~1 ms timer granularity does not slow us down); a wake-up
later than `max_lateness` (a stall: the event loop or the machine was busy) catches up at most
that much of the backlog, then restarts the schedule from now.
A send can still leave later than its slot (the event loop was busy), so the Pacer also keeps
the actual times of the last R sends and never books a slot less than one second (plus a
little for network jitter) after the R-th last one: no window of one second ever holds more
than R of our sends, whatever the delays.
Telegram counts a message when it receives it, not when we sent it. A request that took longer
than the fastest round trip seen lately was held up somewhere (a stall at the server, or ours
before the socket write), so it may have been counted that much later: when its answer comes,
its entry in the window moves to `answer time - fastest round trip` (`answered`). Without
that, the requests bunched up by such a stall meet the next second's sends in Telegram's
window: a storm of 429s.

Pure and clock-agnostic (the caller passes `now`), so it is unit- and property-tested.
"""

from __future__ import annotations

from collections import deque

MARGIN = 0.015  # run 1.5% under the limit: network jitter must not push R+1 into one second
CATCH_UP = 0.02  # seconds of schedule recovered after a stall: a longer catch-up is a burst
# the server stamps one by one over tens of ms, and a second later they meet a 429 storm
CHAT_INTERVAL = 1.05  # seconds between two messages to one chat (Telegram: 1 per second)
FLOOD_BURST = 5  # this many 429s within a second mean we are over the limit, not unlucky
WINDOW_SLACK = 0.02  # seconds added to the one-second window (network jitter) ...
MAX_SLACK = 0.08  # ... growing by SLACK_STEP with each 429 (our jitter is larger than thought)
SLACK_STEP = 0.01
# ... and shrinking back by this much per quiet second: slowly, so on a busy machine (CPU
# stalls bunch our requests up by tens of ms) the sender learns the jitter and stops meeting
# 429s, each of which costs a slot, a second's delay for that family, and risks a pause.
SLACK_DECAY = 0.002


LATENCY_UNKNOWN = float("inf")
LATENCY_PERIOD = 10.0  # the fastest round trip is the least seen in the last 10-20 s


class Pacer:
    """Books send slots at `rate` per second (0: no pacing at all)."""

    def __init__(self, rate: float, *, margin: float = MARGIN) -> None:
        self.rate = rate
        self.interval = 1.0 / (rate * (1.0 - margin)) if rate > 0 else 0.0
        # Late by more than this, and the schedule restarts (no catch-up burst).
        self.max_lateness = CATCH_UP
        self._next: float | None = None
        # [sent at, counted at the latest]: the second moves later when the answer comes late.
        self._window: deque[list[float]] = deque(maxlen=max(int(rate), 1))
        self._fastest = [LATENCY_UNKNOWN, LATENCY_UNKNOWN]  # this period's and the last one's
        self._period_at = 0.0
        self._slack = WINDOW_SLACK
        self._slack_at = 0.0
        self.flood_burst = max(FLOOD_BURST, int(rate / 10))
        self._floods: deque[float] = deque()

    def reserve(self, now: float) -> float:
        """Book the next slot; returns the time (>= now) the send may go out."""
        if self.interval == 0.0:
            return now
        slot = self._next
        if slot is None or now - slot > self.max_lateness:
            slot = now
        window = self._window
        if len(window) == window.maxlen:
            slot = max(slot, window[0][1] + 1.0 + self.slack(now))
        self._next = slot + self.interval
        return max(slot, now)

    def sent(self, at: float) -> list[float] | None:
        """Record when a send actually left (at or after its slot); pass the result to
        `answered` when its answer comes."""
        if not self.interval:
            return None
        entry = [at, at]
        self._window.append(entry)
        return entry

    def answered(self, entry: list[float] | None, at: float) -> None:
        """The answer to a send came at `at`: it was counted `at - fastest round trip` at the
        latest (the later of that and when it left)."""
        if entry is None:
            return
        fastest = self._fastest
        if at - self._period_at > LATENCY_PERIOD:
            fastest[1], fastest[0] = fastest[0], LATENCY_UNKNOWN
            self._period_at = at
        took = at - entry[0]
        if took < fastest[0]:
            fastest[0] = took
        counted = at - min(fastest)
        if counted > entry[1]:
            entry[1] = counted

    def slack(self, now: float) -> float:
        """The margin added to the one-second window now (it decays after the last 429)."""
        decayed = self._slack - SLACK_DECAY * max(0.0, now - self._slack_at)
        return max(WINDOW_SLACK, decayed)

    def flood(self, now: float, retry_after: float) -> None:
        """Telegram answered 429. A few are jitter: only those messages wait, and the window
        margin grows. Many within a second mean the limit is lower than configured, so
        everything waits retry_after."""
        self._slack = min(MAX_SLACK, self.slack(now) + SLACK_STEP)
        self._slack_at = now
        floods = self._floods
        floods.append(now)
        while floods and floods[0] < now - 1.0:
            floods.popleft()
        if len(floods) >= self.flood_burst:
            floods.clear()
            resume = now + retry_after
            if self._next is None or self._next < resume:
                self._next = resume

    def paused_until(self) -> float | None:
        """The next free slot (tests and progress)."""
        return self._next


class ChatSpacing:
    """Remembers when each chat last got a message from the sender (memory stays bounded)."""

    def __init__(self, interval: float = CHAT_INTERVAL) -> None:
        self.interval = interval
        self._last: dict[int, float] = {}
        self._order: deque[tuple[float, int]] = deque()

    def ready_at(self, chat_id: int, now: float) -> float:
        """When a message to this chat may go out (now, or later)."""
        self._forget(now)
        last = self._last.get(chat_id)
        return now if last is None else max(now, last + self.interval)

    def sent(self, chat_id: int, now: float) -> None:
        self._last[chat_id] = now
        self._order.append((now, chat_id))

    def _forget(self, now: float) -> None:
        order, last = self._order, self._last
        while order and order[0][0] <= now - self.interval:
            at, chat_id = order.popleft()
            if last.get(chat_id) == at:
                del last[chat_id]
