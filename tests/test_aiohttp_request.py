"""The aiohttp request backend speaks the Bot API like PTB's default, errors included."""

from __future__ import annotations

import pytest
from telegram import Bot, InputFile
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot.aiohttp_request import AiohttpRequest
from tests.fakebot import FakeTelegramServer


def make_bot(server: FakeTelegramServer, read_timeout: float = 5.0) -> Bot:
    return Bot(
        server.token,
        base_url=server.base_url,
        base_file_url=server.file_url,
        request=AiohttpRequest(read_timeout=read_timeout),
        get_updates_request=AiohttpRequest(),
    )


async def test_messages_files_and_downloads(server: FakeTelegramServer) -> None:
    user = server.user(77, language_code="ky")
    async with make_bot(server) as bot:
        me = await bot.get_me()
        assert me.is_bot
        await bot.send_message(77, "Саламатсызбы, ңөү")
        sent = await bot.send_document(
            77, InputFile(b"%PDF-1.4 fake", filename="план.pdf"), caption="бизнес-план"
        )
        assert sent.document is not None and sent.document.file_name == "план.pdf"
        file = await bot.get_file(sent.document.file_id)
        assert bytes(await file.download_as_bytearray()) == b"%PDF-1.4 fake"
    assert [m.text or m.caption for m in user.messages] == ["Саламатсызбы, ңөү", "бизнес-план"]


@pytest.mark.parametrize(
    ("kind", "error"), [("timeout", TimedOut), ("drop", NetworkError), ("429", RetryAfter)]
)
async def test_faults_map_to_ptb_errors(
    server: FakeTelegramServer, kind: str, error: type[Exception]
) -> None:
    server.user(78)
    server.fail_next(kind, method="sendMessage")
    async with make_bot(server, read_timeout=0.5) as bot:
        with pytest.raises(error):
            await bot.send_message(78, "x")
        await bot.send_message(78, "after the fault")  # the session is still usable
