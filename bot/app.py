"""build_application(settings): the one place python-telegram-bot is assembled."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from telegram import BotCommand, BotCommandScopeDefault
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from bot.aiohttp_request import AiohttpRequest
from bot.broadcast.service import start_broadcasts, stop_broadcasts
from bot.commands import COMMANDS
from bot.config import Settings
from bot.context import BotContext
from bot.eligibility.loader import load_ruleset
from bot.eligibility.program import DEFAULT_RULESET
from bot.flood import FloodGuard
from bot.i18n import LANGUAGES, I18n
from bot.logging_bot import TranscribingBot
from bot.polling import polling
from bot.services import BotData, Services
from bot.update_processor import PerChatUpdateProcessor
from db.engine import create_engine, create_session_factory
from db.repo.messages import newest_update_id

_LOG = logging.getLogger(__name__)

BotApplication = Application[TranscribingBot, BotContext, Any, Any, BotData, Any]


def build_services(settings: Settings) -> Services:
    """Database, catalogs and program facts; raises RulesetError for a broken ruleset."""
    ruleset = load_ruleset(
        Path(settings.ruleset_path) if settings.ruleset_path else DEFAULT_RULESET
    )
    engine = create_engine(settings.database_url)
    return Services(
        settings=settings,
        engine=engine,
        sessions=create_session_factory(engine),
        i18n=I18n(),
        program=ruleset.program,
        ruleset=ruleset,
        flood=FloodGuard(rate=settings.flood_rate, burst=settings.flood_burst),
    )


def build_application(settings: Settings, services: Services | None = None) -> BotApplication:
    """The whole bot, ready for run_polling/run_webhook or for tests (`async with app`)."""
    from handlers import register  # handlers depend on bot/, never the other way at import

    services = services or build_services(settings)
    bot = TranscribingBot(
        settings.bot_token,
        base_url=settings.telegram_api_url,
        base_file_url=settings.telegram_file_url,
        # aiohttp, not httpx: far less CPU per request (see bot/aiohttp_request.py).
        request=AiohttpRequest(
            # Handlers and the broadcast sender share the pool: room for both at their peak.
            connection_pool_size=settings.max_concurrent_updates
            + settings.broadcast_max_in_flight
            + 8
        ),
        get_updates_request=AiohttpRequest(connection_pool_size=2, read_timeout=30.0),
        outbound_sink=services.log_outbound,
    )
    app: BotApplication = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        .concurrent_updates(PerChatUpdateProcessor(settings.max_concurrent_updates))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .build()
    )
    app.bot_data.services = services
    register(app)
    return app


async def _post_init(app: BotApplication) -> None:
    await register_commands(app)
    await set_redelivery_floor(app.bot_data.services)
    await start_broadcasts(app)


async def set_redelivery_floor(services: Services) -> None:
    """Long polling: only updates up to the newest one logged so far can come again.

    Checking every update for a redelivery cost a transaction each; after a restart only the
    few that an earlier process saw need it. Webhooks: Telegram may retry any update, on any
    instance, so every update is checked.
    """
    if services.settings.webhook_url:
        return
    async with services.transaction() as session:
        services.redelivery_floor = await newest_update_id(session)


async def _post_stop(app: BotApplication) -> None:
    # Before shutdown closes the bot's HTTP session: broadcast sends in flight finish first.
    await stop_broadcasts(app)


async def register_commands(app: BotApplication) -> None:
    """setMyCommands in Kyrgyz and Russian (and Kyrgyz as the default for other clients)."""
    i18n = app.bot_data.services.i18n
    default = app.bot_data.services.settings.default_language
    for language in (*LANGUAGES, None):
        t = i18n.get(language or default)
        commands = [BotCommand(name, t.gettext(description)) for name, description in COMMANDS]
        await app.bot.set_my_commands(
            commands, scope=BotCommandScopeDefault(), language_code=language
        )


async def _post_shutdown(app: BotApplication) -> None:
    await stop_broadcasts(app)  # no-op after post_stop; covers a run that never reached stop
    await app.bot_data.services.engine.dispose()


@asynccontextmanager
async def running(app: BotApplication, *, poll_timeout: float = 10.0) -> AsyncIterator[None]:
    """Run the bot with long polling inside an existing event loop (tests, benchmarks).

    Does what `python -m bot` does, minus signal handling and owning the loop: post_init,
    polling that stores each update before confirming it (bot/polling.py), then on exit a
    graceful stop (in-flight updates finish and are confirmed) and post_shutdown.
    """
    async with polling(app, poll_timeout=poll_timeout):
        yield
