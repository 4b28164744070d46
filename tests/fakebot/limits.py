"""Flood limits: a global sliding 1-second window and an optional 1 msg/s per-chat limit.

Only message-producing methods are counted (see methods.COUNTED_METHODS). ``check`` and
``record`` are split so that a request rejected for another reason (400/403) does not use
up a slot; both run synchronously inside one request, so nothing can interleave.
"""

from __future__ import annotations

from collections import deque

from .errors import too_many_requests

WINDOW_S = 1.0
RETRY_AFTER_S = 1  # Telegram sends an int


class RateLimiter:
    def __init__(self, per_second: int = 0, per_chat: bool = False) -> None:
        self.per_second = per_second
        self.per_chat = per_chat
        self._window: deque[float] = deque()
        self._last_by_chat: dict[int | str, float] = {}

    @property
    def enabled(self) -> bool:
        return self.per_second > 0 or self.per_chat

    def check(self, chat_key: int | str, now: float) -> None:
        """Raise the 429 ApiError if one more message now would exceed a limit."""
        if self.per_second > 0:
            window = self._window
            while window and window[0] <= now - WINDOW_S:
                window.popleft()
            if len(window) >= self.per_second:
                raise too_many_requests(RETRY_AFTER_S)
        if self.per_chat:
            last = self._last_by_chat.get(chat_key)
            if last is not None and now - last < WINDOW_S:
                raise too_many_requests(RETRY_AFTER_S)

    def record(self, chat_key: int | str, now: float) -> None:
        if self.per_second > 0:
            self._window.append(now)
        if self.per_chat:
            self._last_by_chat[chat_key] = now
