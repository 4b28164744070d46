"""The fake Bot API server, driven by a real PTB Bot and a tiny real PTB Application."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from tests.fakebot import FakeTelegramServer, FaultConfig

pytestmark = pytest.mark.asyncio

USER_ID = 1001
ONE_SECOND = timedelta(seconds=1)  # PTB 22 gives RetryAfter.retry_after as int or timedelta


@pytest_asyncio.fixture
async def server() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer() as srv:
        yield srv


def make_bot(server: FakeTelegramServer, read_timeout: float = 2.0) -> Bot:
    return Bot(
        server.token,
        base_url=server.base_url,
        base_file_url=server.file_url,
        request=HTTPXRequest(read_timeout=read_timeout, connect_timeout=2.0),
    )


@pytest_asyncio.fixture
async def bot(server: FakeTelegramServer) -> AsyncIterator[Bot]:
    async with make_bot(server) as b:
        yield b


# -- a tiny echo bot on a real PTB Application ----------------------------------------------------

LANG_KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Кыргызча", callback_data="lang:ky"),
            InlineKeyboardButton("Русский", callback_data="lang:ru"),
        ]
    ]
)


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    payload = " ".join(context.args or [])
    await update.message.reply_text(
        f"Тилди тандаңыз {payload}".strip(), reply_markup=LANG_KEYBOARD
    )


async def on_keyboard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    keyboard = ReplyKeyboardMarkup(
        [["Hello"], [KeyboardButton("Share phone", request_contact=True)]],
        resize_keyboard=True,
    )
    await update.message.reply_text("Choose", reply_markup=keyboard)


async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    if not query.data.startswith("lang:"):
        await query.answer("Invalid button", show_alert=True)
        return
    await query.answer(f"ok {query.data}")
    await query.edit_message_text(f"Language: {query.data[5:]}")


async def on_contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.contact is not None
    await update.message.reply_text(
        f"Phone {update.message.contact.phone_number}", reply_markup=ReplyKeyboardRemove()
    )


async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    file = await update.message.photo[-1].get_file()
    data = await file.download_as_bytearray()
    await update.message.reply_text(f"photo {len(data)} bytes {bytes(data[:4])!r}")


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.document is not None
    file = await update.message.document.get_file()
    data = await file.download_as_bytearray()
    # Send it back: exercises a multipart upload from the bot.
    await update.message.reply_document(
        bytes(data), filename="echo.pdf", caption=f"doc {update.message.document.file_name}"
    )


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(f"echo: {update.message.text}")


@pytest_asyncio.fixture
async def app(
    server: FakeTelegramServer,
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    application = (
        ApplicationBuilder()
        .token(server.token)
        .base_url(server.base_url)
        .base_file_url(server.file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", on_start))
    application.add_handler(CommandHandler("kb", on_keyboard))
    application.add_handler(CallbackQueryHandler(on_callback))
    application.add_handler(MessageHandler(filters.CONTACT, on_contact))
    application.add_handler(MessageHandler(filters.PHOTO, on_photo))
    application.add_handler(MessageHandler(filters.Document.ALL, on_document))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        yield application
        await application.updater.stop()
        await application.stop()


# -- protocol basics ------------------------------------------------------------------------------


async def test_get_me_and_error_shapes(server: FakeTelegramServer, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username, me.first_name) == (
        123456,
        True,
        "fake_sc_bot",
        "SC Bot",
    )
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.base_url}999:wrong/getMe") as resp:
            assert resp.status == 401
            assert await resp.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with http.post(f"{server.base_url}{server.token}/noSuchMethod") as resp:
            assert resp.status == 404
            assert await resp.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }
        # Case-insensitive method names, JSON bodies and string ids are all accepted.
        server.user(USER_ID)
        async with http.post(
            f"{server.base_url}{server.token}/SENDMESSAGE",
            json={"chat_id": str(USER_ID), "text": "hi"},
        ) as resp:
            body = await resp.json()
            assert body["ok"] and body["result"]["chat"]["id"] == USER_ID
        async with http.get(f"{server.base_url}{server.token}/getMe?x=1") as resp:
            assert (await resp.json())["result"]["id"] == 123456
    assert server.stats.methods["sendMessage"] == 1


async def test_send_edit_delete_and_history(server: FakeTelegramServer, bot: Bot) -> None:
    user = server.user(USER_ID, "Айгүл", language_code="ky")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    sent = await bot.send_message(
        USER_ID, "<b>Салам</b> &amp; <i>бар</i>", parse_mode="HTML", reply_markup=keyboard
    )
    assert sent.text == "Салам & бар"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 5),
        ("italic", 8, 3),
    ]
    assert sent.reply_markup == keyboard
    bm = user.last
    assert bm.raw_text == "<b>Салам</b> &amp; <i>бар</i>" and bm.parse_mode == "HTML"
    assert bm.inline_buttons == [[("A", "a")]]

    edited = await bot.edit_message_text(
        "new", chat_id=USER_ID, message_id=sent.message_id, reply_markup=keyboard
    )
    assert isinstance(edited, Message) and edited.text == "new"
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "new", chat_id=USER_ID, message_id=sent.message_id, reply_markup=keyboard
        )
    # Without reply_markup Telegram drops the inline keyboard.
    await bot.edit_message_text("newer", chat_id=USER_ID, message_id=sent.message_id)
    assert bm.text == "newer" and bm.reply_markup is None
    assert [v.text for v in bm.history] == ["Салам & бар", "new"]
    await bot.edit_message_reply_markup(USER_ID, sent.message_id, reply_markup=keyboard)
    assert bm.inline_buttons == [[("A", "a")]]
    assert len(user.messages) == 1 and await user.expect_edit() is bm

    assert await bot.delete_message(USER_ID, sent.message_id)
    assert bm.deleted
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(USER_ID, sent.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER_ID, message_id=999)

    assert await bot.send_chat_action(USER_ID, "typing")
    assert user.actions == ["typing"]
    chat = await bot.get_chat(USER_ID)
    assert chat.first_name == "Айгүл"
    assert await bot.set_my_description("desc", language_code="ky")
    assert server.description("description", "ky") == "desc"


async def test_validation_errors(server: FakeTelegramServer, bot: Bot) -> None:
    server.user(USER_ID)
    cases: list[tuple[Any, str]] = [
        (bot.send_message(USER_ID, " "), "Message text is empty"),
        (bot.send_message(USER_ID, "x" * 4097), "Message is too long"),
        (bot.send_message(777, "hi"), "Chat not found"),
        (bot.send_message(USER_ID, "<b>open", parse_mode="HTML"), "Can't parse entities"),
        (bot.send_message(USER_ID, "<div>x</div>", parse_mode="HTML"), "(?i)unsupported"),
        (bot.send_message(USER_ID, "1 < 2", parse_mode="HTML"), "Can't parse entities"),
        (bot.send_message(USER_ID, "<b>x</i>", parse_mode="HTML"), "(?i)unmatched end tag"),
        (bot.send_message(USER_ID, "Done.", parse_mode="MarkdownV2"), "(?i)reserved"),
        (
            bot.send_message(
                USER_ID,
                "x",
                reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton("b", callback_data="d" * 65)]]
                ),
            ),
            "Button_data_invalid",
        ),
        (bot.send_photo(USER_ID, b"\x89PNG", caption="c" * 1025), "Message caption is too long"),
    ]
    for call, message in cases:
        with pytest.raises(BadRequest, match=message):
            await call
    assert server.received_by_chat == {}
    ok = await bot.send_message(USER_ID, r"*bold* Done\.", parse_mode="MarkdownV2")
    assert ok.text == "bold Done." and ok.entities[0].type == "bold"
    assert (await bot.send_message(USER_ID, "x" * 4096)).text == "x" * 4096


async def test_copy_and_forward(server: FakeTelegramServer, bot: Bot) -> None:
    user = server.user(USER_ID)
    admins = server.group(-100200, "Admins", chat_type="supergroup")
    update = await user.send_document(
        b"%PDF-1.4 data", file_name="x.pdf", mime_type="application/pdf", caption="my doc"
    )
    source_id = update.payload["message"]["message_id"]
    copied = await bot.copy_message(admins.chat_id, USER_ID, source_id)
    forwarded = await bot.forward_message(admins.chat_id, USER_ID, source_id)
    first, second = admins.messages
    assert first.message_id == copied.message_id and first.caption == "my doc"
    assert first.document is not None and first.document.file_bytes == b"%PDF-1.4 data"
    assert forwarded.forward_origin is not None and second.document is first.document
    assert server.delivery_mismatches(expected=2, chat_ids=[admins.chat_id]) == {}
    with pytest.raises(BadRequest, match="Message to copy not found"):
        await bot.copy_message(admins.chat_id, USER_ID, 9999)


async def test_bot_uploads_and_downloads(server: FakeTelegramServer, bot: Bot) -> None:
    user = server.user(USER_ID)
    sent = await bot.send_photo(
        USER_ID, b"\x89PNG fake", caption="<b>Сүрөт</b>", parse_mode="HTML"
    )
    assert sent.caption == "Сүрөт" and sent.caption_entities[0].type == "bold"
    photo = user.last.photo
    assert photo is not None and photo.file_bytes == b"\x89PNG fake"
    file = await bot.get_file(sent.photo[-1].file_id)
    assert file.file_path is not None and file.file_path.startswith(server.file_url)
    assert bytes(await file.download_as_bytearray()) == b"\x89PNG fake"
    # Re-sending by file_id reuses the stored file; unknown ids are rejected.
    again = await bot.send_document(USER_ID, photo.file_id)
    assert again.document is not None and user.last.document is photo
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_photo(USER_ID, "no-such-file-id")
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("no-such-file-id")
    album = await bot.send_media_group(
        USER_ID, [InputMediaPhoto(b"one", caption="1"), InputMediaPhoto(b"two")]
    )
    assert [m.caption for m in album] == ["1", None]
    assert [m.photo.file_bytes for m in user.messages[-2:] if m.photo] == [b"one", b"two"]


# -- the driver against a real Application --------------------------------------------------------


async def test_inline_buttons_round_trip(server: FakeTelegramServer, app: Application) -> None:
    user = server.user(USER_ID, "Айгүл", language_code="ky")
    update = await user.send("/start ref42")
    assert update.payload["message"]["entities"] == [
        {"type": "bot_command", "offset": 0, "length": 6}
    ]
    (menu,) = await user.expect(1)
    assert menu.text == "Тилди тандаңыз ref42"
    assert menu.button_texts == ["Кыргызча", "Русский"]

    await user.press("Русский")
    answer = await user.expect_answer()
    assert answer.text == "ok lang:ru" and not answer.show_alert
    assert (await user.expect_edit()) is menu and menu.text == "Language: ru"

    await user.press_data("admin:delete_all")  # forged data: refused with an alert
    refused = await user.expect_answer()
    assert refused.show_alert and refused.text == "Invalid button"
    assert server.callback_answers[-1] == refused
    await user.expect_silence(0.1)
    with pytest.raises(AssertionError, match="no button 'Missing'"):
        await user.press("Missing")


async def test_reply_keyboard_and_contact(server: FakeTelegramServer, app: Application) -> None:
    user = server.user(USER_ID, phone="+996700123456")
    await user.send("/kb")
    choose = await user.expect_one()
    assert choose.reply_buttons == [["Hello"], ["Share phone"]]
    await user.press("Hello")
    assert (await user.expect_one()).text == "echo: Hello"
    await user.press("Share phone")  # request_contact button: shares the user's own contact
    reply = await user.expect_one()
    assert reply.text == "Phone +996700123456" and reply.removes_keyboard
    await user.share_contact("996555000111")
    assert (await user.expect_one()).text == "Phone 996555000111"
    with pytest.raises(AssertionError, match="timed out"):
        await user.expect(1, timeout=0.2)


async def test_files_round_trip(server: FakeTelegramServer, app: Application) -> None:
    user = server.user(USER_ID)
    await user.send_photo(b"\xff\xd8\xff\xe0 fake jpeg", caption="my face")
    assert (await user.expect_one()).text == "photo 14 bytes b'\\xff\\xd8\\xff\\xe0'"
    await user.send_document(
        b"%PDF-1.7 contract", file_name="contract.pdf", mime_type="application/pdf"
    )
    echoed = await user.expect_one()
    assert echoed.caption == "doc contract.pdf" and echoed.document is not None
    assert echoed.document.file_bytes == b"%PDF-1.7 contract"
    assert echoed.document.file_name == "echo.pdf"
    assert echoed.document.file_path.startswith("documents/file_")
    await user.send_sticker()
    await user.send_voice()
    await server.wait_idle(timeout=3)
    assert server.stats.methods["getFile"] == 2


async def test_latency_bookkeeping(server: FakeTelegramServer, app: Application) -> None:
    users = [server.user(2000 + i) for i in range(5)]
    updates = [await u.send(f"hi {i}") for i, u in enumerate(users)]
    for u in users:
        await u.expect_one()
    await server.wait_idle(timeout=3)
    latencies = server.reply_latencies()
    assert len(latencies) == 5 and all(0 <= lat < 2 for lat in latencies)
    for update in updates:
        assert update.delivered_at is not None and update.confirmed_at is not None
        replied = server.first_reply_at(update)
        assert replied is not None and replied >= update.available_at
    assert server.delivery_mismatches(chat_ids=[u.chat_id for u in users]) == {}


async def test_set_my_commands_per_language(server: FakeTelegramServer, bot: Bot) -> None:
    server.user(USER_ID)
    await bot.set_my_commands([BotCommand("start", "Баштоо")], language_code="ky")
    await bot.set_my_commands(
        [BotCommand("start", "Начать"), BotCommand("help", "Помощь")], language_code="ru"
    )
    await bot.set_my_commands([BotCommand("admin", "Admin")], scope=BotCommandScopeChat(USER_ID))
    assert server.commands("ky") == [{"command": "start", "description": "Баштоо"}]
    assert [c["command"] for c in server.commands("ru")] == ["start", "help"]
    assert server.commands() == []
    assert server.commands(scope={"type": "chat", "chat_id": USER_ID})[0]["command"] == "admin"
    assert [c.command for c in await bot.get_my_commands(language_code="ru")] == ["start", "help"]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "bad")])
    await bot.delete_my_commands(language_code="ru")
    assert server.commands("ru") == []


# -- getUpdates semantics -------------------------------------------------------------------------


async def test_long_polling_and_redelivery(server: FakeTelegramServer, bot: Bot) -> None:
    user = server.user(USER_ID)
    first = await user.send("one")
    second = await user.send("two")
    assert (first.update_id, second.update_id) == (1, 2)
    got = await bot.get_updates(timeout=0)
    assert [u.message.text for u in got if u.message] == ["one", "two"]
    # Not confirmed: delivered again.
    again = await bot.get_updates(offset=1, timeout=0)
    assert [u.update_id for u in again] == [1, 2]
    assert [u.update_id for u in await bot.get_updates(offset=2, limit=5)] == [2]
    assert await bot.get_updates(offset=3, timeout=0) == ()
    assert first.confirmed_at is not None and server.pending_updates == 0

    # Long poll returns as soon as an update is queued.
    async def later() -> None:
        await asyncio.sleep(0.15)
        await user.send("three")

    started = time.monotonic()
    task = asyncio.create_task(later())
    got = await bot.get_updates(offset=3, timeout=5)
    await task
    assert 0.1 < time.monotonic() - started < 1.5
    assert [u.update_id for u in got] == [3]
    # An empty long poll waits for the timeout.
    started = time.monotonic()
    assert await bot.get_updates(offset=4, timeout=timedelta(seconds=0.3)) == ()
    assert time.monotonic() - started >= 0.29
    await server.wait_idle(timeout=1, settle=0.01)

    # A second poller terminates the waiting one, like two bot instances would.
    waiting = asyncio.create_task(bot.get_updates(offset=4, timeout=3))
    await asyncio.sleep(0.1)
    async with make_bot(server) as other:
        assert await other.get_updates(offset=4, timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates"):
        await waiting


async def test_rtt_delay(bot: Bot, server: FakeTelegramServer) -> None:
    server.rtt_ms = 100
    started = time.monotonic()
    await bot.get_me()
    assert time.monotonic() - started >= 0.1


# -- limits, blocking, faults ---------------------------------------------------------------------


async def test_global_rate_limit(server: FakeTelegramServer, bot: Bot) -> None:
    server.rate_limit = 5
    server.user(USER_ID)
    server.user(USER_ID + 1)
    results = await asyncio.gather(
        *[bot.send_message(USER_ID + i % 2, f"m{i}") for i in range(8)], return_exceptions=True
    )
    limited = [r for r in results if isinstance(r, RetryAfter)]
    assert len(limited) == 3 and all(r.retry_after in (1, ONE_SECOND) for r in limited)
    assert server.count_429 == 3 and sum(server.received_by_chat.values()) == 5
    # Not counted: chat actions and callback answers / edits.
    assert await bot.send_chat_action(USER_ID, "typing")
    await asyncio.sleep(1.0)
    assert (await bot.send_message(USER_ID, "after window")).text == "after window"


async def test_per_chat_limit(server: FakeTelegramServer, bot: Bot) -> None:
    server.per_chat_limit = True
    user, other = server.user(USER_ID), server.user(USER_ID + 1)
    await bot.send_message(USER_ID, "first")
    with pytest.raises(RetryAfter):
        await bot.send_message(USER_ID, "second")
    await bot.send_message(other.chat_id, "other chat is fine")
    assert [m.text for m in user.messages] == ["first"]
    assert server.count_429 == 1


async def test_blocked_user_gets_403(server: FakeTelegramServer, bot: Bot) -> None:
    user = server.user(USER_ID)
    server.block(USER_ID, notify=True)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER_ID, "hi")
    (update,) = await bot.get_updates()
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"
    server.unblock(USER_ID)
    await bot.send_message(USER_ID, "hi again")
    assert user.last.text == "hi again"
    async with aiohttp.ClientSession() as http:
        user.block()
        async with http.post(
            f"{server.base_url}{server.token}/sendMessage", data={"chat_id": USER_ID, "text": "x"}
        ) as resp:
            assert resp.status == 403
            assert await resp.json() == {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }


@pytest.mark.parametrize(
    ("kind", "error", "delivered"),
    [
        ("5xx", NetworkError, False),
        ("429", RetryAfter, False),
        ("drop", NetworkError, False),
        ("timeout", TimedOut, True),  # processed, answer lost: the user DID get it
        ("slow", None, True),
    ],
)
async def test_fault_kinds(
    server: FakeTelegramServer, kind: str, error: type[Exception] | None, delivered: bool
) -> None:
    user = server.user(USER_ID)
    server.faults = FaultConfig(rate=1.0, kinds=(kind,), seed=7, slow_ms=150, timeout_s=0.6)
    async with make_bot(server, read_timeout=0.3) as bot:
        started = time.monotonic()
        if error is None:
            await bot.send_message(USER_ID, "hello")
            assert time.monotonic() - started >= 0.15
        else:
            with pytest.raises(error):
                await bot.send_message(USER_ID, "hello")
        assert len(user.messages) == (1 if delivered else 0)
        assert server.stats.faults[kind] == 1
        # getUpdates is not faulted unless include_get_updates is set.
        assert await bot.get_updates(timeout=0) == ()


async def test_faults_are_deterministic_per_seed() -> None:
    async def outcomes() -> list[str]:
        config = FaultConfig(rate=0.5, kinds=("5xx", "429"), seed=1234)
        async with FakeTelegramServer(faults=config) as srv:
            srv.user(USER_ID)
            async with make_bot(srv) as b:
                results = []
                for i in range(12):
                    try:
                        await b.send_message(USER_ID, f"m{i}")
                        results.append("ok")
                    except TelegramErrorTypes as exc:
                        results.append(type(exc).__name__)
                return results

    first, second = await outcomes(), await outcomes()
    assert first == second and "ok" in first and len(set(first)) > 1


TelegramErrorTypes = (NetworkError, RetryAfter)


async def test_forced_fault_and_get_updates_faults(server: FakeTelegramServer, bot: Bot) -> None:
    user = server.user(USER_ID)
    server.fail_next("5xx", method="sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(USER_ID, "lost")
    await bot.send_message(USER_ID, "kept")
    assert [m.text for m in user.messages] == ["kept"]
    server.faults = FaultConfig(rate=1.0, kinds=("429",), include_get_updates=True)
    with pytest.raises(RetryAfter):
        await bot.get_updates(timeout=0)


# -- webhook --------------------------------------------------------------------------------------


async def test_webhook_push(server: FakeTelegramServer, bot: Bot) -> None:
    received: list[tuple[dict[str, Any], str | None]] = []
    fail_first = 2

    async def hook(request: web.Request) -> web.Response:
        nonlocal fail_first
        if fail_first > 0:
            fail_first -= 1
            return web.Response(status=500)
        received.append(
            (await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        )
        return web.Response(text="ok")

    receiver = web.Application()
    receiver.router.add_post("/hook", hook)
    runner = web.AppRunner(receiver, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        user = server.user(USER_ID)
        await user.send("queued before webhook")
        assert await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cr3t")
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates(timeout=0)
        await user.send("second")
        await user.send("third")
        await server.wait_idle(timeout=3, settle=0.01)
        texts = [body["message"]["text"] for body, _ in received]
        assert texts == ["queued before webhook", "second", "third"]  # order kept per chat
        assert {secret for _, secret in received} == {"s3cr3t"}
        assert Update.de_json(received[0][0], bot).message is not None
        info = await bot.get_webhook_info()
        assert info.url.endswith("/hook") and info.pending_update_count == 0
        assert info.last_error_message is not None and "500" in info.last_error_message
        assert server.stats.webhook_failures == 2 and server.stats.webhook_deliveries == 3

        assert await bot.delete_webhook()
        await user.send("polling again")
        (update,) = await bot.get_updates(timeout=0)
        assert update.message is not None and update.message.text == "polling again"
    finally:
        await runner.cleanup()
