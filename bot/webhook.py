"""Webhook mode: an aiohttp server that takes Telegram's POSTs, plus /healthz.

Each update is processed before we answer 200, so a process that dies mid-update gets the update
again from Telegram's retry (nothing lost). Updates of one chat stay in order through the same
per-chat update processor that polling uses. The secret-token header is required: a request
without it, or with a wrong one, gets 403 and a log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import signal
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy import text
from telegram import Update

from bot.app import BotApplication
from bot.config import Settings

_LOG = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


def webhook_path(settings: Settings) -> str:
    """The path part of WEBHOOK_URL (a reverse proxy forwards it unchanged)."""
    return urlsplit(settings.webhook_url).path or "/"


def build_web_app(app: BotApplication, settings: Settings) -> web.Application:
    """The HTTP routes: the webhook and the health check."""
    web_app = web.Application(client_max_size=2 * 1024 * 1024)

    async def receive_update(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), settings.webhook_secret.encode()):
            _LOG.warning(
                "refused a webhook request from %s: %s secret token",
                request.remote,
                "missing" if not given else "wrong",
            )
            return web.Response(status=403, text="forbidden")
        try:
            payload = await request.json()
            update = Update.de_json(payload, app.bot)
        except Exception:  # malformed JSON is the sender's problem, not a crash
            _LOG.warning("refused a malformed webhook body from %s", request.remote)
            return web.Response(status=400, text="bad request")
        await app.update_processor.process_update(update, app.process_update(update))
        return web.Response(text="ok")

    async def health(_request: web.Request) -> web.Response:
        try:
            async with app.bot_data.services.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:
            _LOG.error("health check: database unreachable: %s", exc)
            return web.json_response({"ok": False, "database": "unreachable"}, status=503)
        return web.json_response({"ok": True, "database": "ok"})

    web_app.router.add_post(webhook_path(settings), receive_update)
    web_app.router.add_get("/healthz", health)
    return web_app


async def serve_webhook(
    app: BotApplication, settings: Settings, stop: asyncio.Event | None = None
) -> None:
    """Run until SIGTERM/SIGINT (or `stop` is set), then shut down gracefully.

    Order on shutdown: stop accepting requests and let the ones in flight finish (aiohttp waits
    for running handlers), then stop the application and dispose of the database.
    """
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        # Only the main thread may install signal handlers; tests stop us through `stop`.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()
    runner = web.AppRunner(build_web_app(app, settings), shutdown_timeout=30.0)
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_listen, settings.webhook_port)
    await site.start()
    await app.bot.set_webhook(
        settings.webhook_url,
        secret_token=settings.webhook_secret,
        allowed_updates=ALLOWED_UPDATES,
        max_connections=40,
    )
    _LOG.info("webhook server listening on %s:%s", settings.webhook_listen, settings.webhook_port)
    try:
        await stop.wait()
    finally:
        _LOG.info("shutting down: finishing updates in flight")
        await runner.cleanup()
        await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
