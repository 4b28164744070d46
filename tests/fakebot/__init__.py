"""A fake Telegram Bot API server and a user driver for end-to-end tests and benchmarks.

Self-contained: imports nothing from the bot's own code.

    async with FakeTelegramServer() as server:
        app = (ApplicationBuilder().token(server.token).base_url(server.base_url)
               .base_file_url(server.file_url).build())
        user = server.user(1001, "Айгүл", language_code="ky")
        await user.send("/start")
        reply = await user.expect_one()
"""

from .driver import DEFAULT_TIMEOUT, FakeChat, FakeUser
from .errors import ApiError
from .faults import FAULT_KINDS, FaultConfig
from .models import (
    BotMessage,
    CallbackAnswer,
    MessageVersion,
    ServerStats,
    StoredFile,
    UpdateRecord,
)
from .server import DEFAULT_TOKEN, FakeTelegramServer

__all__ = [
    "DEFAULT_TIMEOUT",
    "DEFAULT_TOKEN",
    "FAULT_KINDS",
    "ApiError",
    "BotMessage",
    "CallbackAnswer",
    "FakeChat",
    "FakeTelegramServer",
    "FakeUser",
    "FaultConfig",
    "MessageVersion",
    "ServerStats",
    "StoredFile",
    "UpdateRecord",
]
