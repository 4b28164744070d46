"""End to end: first contact, languages, menu, the message log, input the bot does not know."""

from __future__ import annotations

from sqlalchemy import select

from db.models import Direction, MessageLog, Role, User
from tests.conftest import ADMIN_ID
from tests.fakebot import BotMessage
from tests.harness import BotHarness, eventually

KY_MENU = [
    "✅ Укукту текшерүү",
    "📝 Арыз берүү",
    "📄 Менин арызым",
    "ℹ️ Программа жөнүндө",
    "🌐 Тил",
    "❓ Жардам",
]
RU_MENU = [
    "✅ Проверить право",
    "📝 Подать заявку",
    "📄 Моя заявка",
    "ℹ️ О программе",
    "🌐 Язык",
    "❓ Помощь",
]


def flat(rows: list[list[str]]) -> list[str]:
    return [text for row in rows for text in row]


def inline(message: BotMessage) -> list[str]:
    return [text for row in message.inline_buttons for text, _ in row]


async def test_first_start_in_kyrgyz(harness: BotHarness) -> None:
    user = harness.user(1001, language_code="ky")
    await user.send("/start")
    ask = await user.expect_one()
    assert "Тилди тандаңыз" in ask.text
    assert inline(ask) == ["✓ Кыргызча", "Русский"]  # ky pre-selected
    await user.press("✓ Кыргызча")
    welcome = await user.expect_one()
    assert welcome.text.startswith("Кош келиңиз!")
    assert flat(welcome.reply_buttons) == KY_MENU
    async with harness.db() as db:
        row = await db.get(User, 1001)
        assert row is not None and row.language == "ky" and row.role is Role.APPLICANT


async def test_first_start_in_russian_choosing_russian(harness: BotHarness) -> None:
    user = harness.user(1002, language_code="ru-RU")
    await user.send("/start")
    ask = await user.expect_one()
    assert "Выберите язык" in ask.text
    assert inline(ask) == ["Кыргызча", "✓ Русский"]
    await user.press("✓ Русский")
    welcome = await user.expect_one()
    assert welcome.text.startswith("Добро пожаловать!")
    assert flat(welcome.reply_buttons) == RU_MENU


async def test_unknown_language_code_gets_default_and_can_choose(harness: BotHarness) -> None:
    user = harness.user(1003, language_code="en")
    await user.send("/start")
    ask = await user.expect_one()
    assert "Тилди тандаңыз" in ask.text  # DEFAULT_LANGUAGE is ky
    await user.press("Русский")
    assert (await user.expect_one()).text.startswith("Добро пожаловать!")


async def test_language_switch_and_memory_across_restart(harness: BotHarness) -> None:
    user = harness.user(1004, language_code="ky")
    await user.send("/start")
    await user.expect_one()
    await user.press("✓ Кыргызча")
    assert (await user.expect_edit()).text == "Тил: Кыргызча"
    await user.expect_one()
    await user.press("🌐 Тил")  # the menu button
    picker = await user.expect_one()
    await user.press_data("lang:ru", message=picker)
    edited = await user.expect_edit()
    assert edited.text == "Язык: Русский"
    assert flat((await user.expect_one()).reply_buttons) == RU_MENU

    await harness.restart()
    await user.send("/start")
    welcome = await user.expect_one()  # no language question again
    assert welcome.text.startswith("Добро пожаловать!")

    await user.send("/language")
    await user.expect_one()
    await user.press("Кыргызча")
    await user.expect_edit()
    assert (await user.expect_one()).text.startswith("Кош келиңиз!")


async def test_saved_choice_beats_telegram_hint(harness: BotHarness) -> None:
    user = harness.user(1005, language_code="ky")
    await user.send("/start")
    await user.expect_one()
    await user.press("Русский")
    await user.expect_one()
    await user.send("абракадабра")
    reply = await user.expect_one()
    assert reply.text.startswith("Извините, я не понял")


async def test_each_menu_item_answers(harness: BotHarness) -> None:
    user = harness.user(1006, language_code="ru")
    await user.send("/start")
    await user.expect_one()
    await user.press("✓ Русский")
    await user.expect_one()

    await user.press("ℹ️ О программе")
    about = await user.expect(5)
    joined = "\n".join(m.text for m in about)
    assert "150\xa0000 сом" in joined
    assert "3 года" in joined  # the benefit stops for 3 years, plural from Babel
    assert "«үй-бүлөгө көмөк»" in joined and "социальным паспортом" in joined
    assert all(len(m.text) < 700 for m in about)  # short messages for cheap phones

    await user.press("❓ Помощь")
    assert "/language" in (await user.expect_one()).text

    await user.press("🌐 Язык")
    assert "Выберите язык" in (await user.expect_one()).text

    for label in ("✅ Проверить право", "📝 Подать заявку", "📄 Моя заявка"):
        await user.press(label)
        reply = await user.expect_one()
        assert reply.text  # each answers in Russian, never silence
        assert not any(ch in reply.text for ch in "ңөү") or "«үй-бүлөгө көмөк»" in reply.text


async def test_input_not_understood_never_crashes(harness: BotHarness) -> None:
    user = harness.user(1007, language_code="ky")
    await user.send("/start")
    await user.expect_one()
    await user.press("✓ Кыргызча")
    await user.expect_one()
    for send in (
        lambda: user.send_sticker(),
        lambda: user.send_voice(),
        lambda: user.send("/nosuchcommand"),
        lambda: user.send("🙂 " * 50),
    ):
        await send()
        reply = await user.expect_one()
        assert reply.text.startswith("Кечиресиз, түшүнгөн жокмун")
        assert flat(reply.reply_buttons) == KY_MENU
    await user.press_data("garbage:that:nobody:handles")
    answer = await user.expect_answer()
    assert answer.text == "Бул баскыч эми жарактуу эмес."


async def test_message_log_records_both_directions(harness: BotHarness) -> None:
    user = harness.user(1008, language_code="ky")
    await user.send("/start")
    await user.expect_one()
    await user.press("✓ Кыргызча")
    await user.expect_one()
    await user.send_photo(b"\xff\xd8\xff\xe0fakejpeg", caption="сүрөт")
    await user.expect_one()

    async def logged() -> list[MessageLog]:
        async with harness.db() as db:
            rows = await db.scalars(
                select(MessageLog).where(MessageLog.chat_id == 1008).order_by(MessageLog.id)
            )
            return list(rows)

    async def complete() -> bool:
        return len(await logged()) >= 7

    await eventually(complete, what="seven log rows")
    rows = await logged()
    kinds = [(r.direction, r.kind) for r in rows]
    assert kinds[:2] == [(Direction.IN, "command"), (Direction.OUT, "text")]
    assert (Direction.IN, "callback") in kinds and (Direction.OUT, "edit") in kinds
    photo_in = next(r for r in rows if r.kind == "photo")
    assert photo_in.text == "сүрөт" and photo_in.file_ids
    callback = next(r for r in rows if r.kind == "callback")
    assert callback.callback_data == "lang:ky"
    greeting = next(r for r in rows if r.direction is Direction.OUT and r.buttons)
    assert greeting.buttons is not None
    assert all(r.created_at.tzinfo is not None for r in rows)


async def test_admin_ids_are_admins_and_commands_registered(harness: BotHarness) -> None:
    admin = harness.user(ADMIN_ID, language_code="ru")
    await admin.send("/start")
    await admin.expect_one()
    async with harness.db() as db:
        row = await db.get(User, ADMIN_ID)
        assert row is not None and row.role is Role.ADMIN
    ky = {c["command"]: c["description"] for c in harness.server.commands(language_code="ky")}
    ru = {c["command"]: c["description"] for c in harness.server.commands(language_code="ru")}
    assert ky["language"] == "Тилди өзгөртүү" and ru["language"] == "Сменить язык"
    assert set(ky) == set(ru) and "start" in ky
