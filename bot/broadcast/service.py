"""Hooks that start and stop this process's broadcast sender with the application."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.broadcast.worker import BroadcastWorker
from bot.services import BotData


async def start_broadcasts(app: Application[Any, Any, Any, Any, BotData, Any]) -> None:
    """post_init: the sender sends through the application's bot (so the log sees it all)."""
    services = app.bot_data.services
    if services.broadcasts is not None:
        return
    worker = BroadcastWorker(services, app.bot)
    await worker.start()
    services.broadcasts = worker


async def stop_broadcasts(app: Application[Any, Any, Any, Any, BotData, Any]) -> None:
    """post_stop: before the bot's HTTP session closes, so requests in flight can finish."""
    services = app.bot_data.services
    worker = services.broadcasts
    services.broadcasts = None
    if worker is not None:
        await worker.stop()
