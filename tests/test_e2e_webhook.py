"""Webhook mode: Telegram pushes updates over HTTP; the secret token is required; /healthz."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.app import build_application
from bot.webhook import SECRET_HEADER, serve_webhook
from db.migrate import upgrade
from tests.fakebot import FakeTelegramServer
from tests.harness import BotHarness

SECRET = "s3cret-token-for-tests-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def webhook_bot(
    server: FakeTelegramServer, database_url: str
) -> AsyncIterator[tuple[str, BotHarness]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/tg/hook"
    harness = BotHarness(
        server, database_url, webhook_url=url, webhook_secret=SECRET, webhook_port=port
    )
    await asyncio.to_thread(upgrade, database_url)
    app = build_application(harness.settings)
    stop = asyncio.Event()
    task = asyncio.create_task(serve_webhook(app, harness.settings, stop))
    for _ in range(200):
        if server.webhook_url == url:
            break
        await asyncio.sleep(0.02)
    assert server.webhook_url == url
    try:
        yield f"http://127.0.0.1:{port}", harness
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def test_updates_arrive_by_webhook_and_are_answered(
    webhook_bot: tuple[str, BotHarness], server: FakeTelegramServer
) -> None:
    _, harness = webhook_bot
    user = harness.user(3001, language_code="ru")
    await user.send("/start")
    ask = await user.expect_one()
    assert "Выберите язык" in ask.text
    await user.press("✓ Русский")
    await user.expect_edit()
    assert (await user.expect_one()).text.startswith("Добро пожаловать!")
    await server.wait_idle()  # the 200 comes after the reply: processing precedes the answer
    assert server.stats.webhook_deliveries == 2


@pytest.mark.parametrize("header", [None, "wrong-secret-wrong-secret"])
async def test_request_without_the_secret_is_refused_and_logged(
    webhook_bot: tuple[str, BotHarness], header: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    base, _ = webhook_bot
    headers = {SECRET_HEADER: header} if header else {}
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "/start",
                                          "chat": {"id": 5, "type": "private"}}}
    with caplog.at_level(logging.WARNING, logger="bot.webhook"):
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{base}/tg/hook", json=update, headers=headers) as response,
        ):
            assert response.status == 403
    assert any("refused a webhook request" in r.getMessage() for r in caplog.records)
    assert server_chat_untouched(webhook_bot[1].server, 5)


def server_chat_untouched(server: FakeTelegramServer, chat_id: int) -> bool:
    return server.received_by_chat.get(chat_id, 0) == 0


async def test_healthz_checks_the_database(webhook_bot: tuple[str, BotHarness]) -> None:
    base, _ = webhook_bot
    async with aiohttp.ClientSession() as http, http.get(f"{base}/healthz") as response:
        assert response.status == 200
        assert await response.json() == {"ok": True, "database": "ok"}
