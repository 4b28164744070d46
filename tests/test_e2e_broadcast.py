"""End to end: compose, preview, confirm; delivery in each family's language to the right
segment; refusals for non-admins and forged buttons; /broadcasts; scheduling."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from db.enums import BroadcastState, DeliveryState, Role, Status
from db.models import Application, Broadcast, Delivery, EligibilityCheck, MessageLog, User
from tests.broadcast_helpers import (
    KY_TEXT,
    RU_TEXT,
    admin,
    buttons,
    compose,
    copies,
    delivery_states,
    family,
    last_broadcast_id,
    wait_state,
)
from tests.harness import BotHarness, eventually


async def test_compose_preview_confirm_delivers_each_language(harness: BotHarness) -> None:
    ky_families = [await family(harness, uid, "ky") for uid in (2001, 2002, 2003)]
    ru_families = [await family(harness, uid, "ru") for uid in (2004, 2005)]
    blocked = await family(harness, 2006, "ky")
    staff = await family(harness, 2007, "ru")
    async with harness.db() as db:
        await db.execute(update(User).where(User.id == 2006).values(blocked=True))
        await db.execute(update(User).where(User.id == 2007).values(role=Role.CASEWORKER))
        await db.commit()
    boss = await admin(harness)

    await compose(boss, ky="Маанилүү: " + KY_TEXT, ru=RU_TEXT)
    await boss.press("👥 Все семьи")
    assert "Все семьи" in (await boss.expect_edit()).text
    ky_preview, ru_preview, summary = await boss.expect(3)
    assert ky_preview.text == "Маанилүү: " + KY_TEXT
    assert ru_preview.text == RU_TEXT
    assert "Получатели: 5 семей" in summary.text
    assert "На кыргызском: 3 · На русском: 2" in summary.text
    assert "Ничего не будет отправлено" in summary.text
    for user in (*ky_families, *ru_families, blocked, staff):
        assert not user.unread  # nothing goes out before the admin confirms

    await boss.press("📤 Отправить сейчас")
    confirmed = await boss.expect_edit()
    assert "подтверждена: её получат 5 семей" in confirmed.text
    broadcast_id = await last_broadcast_id(harness)
    await wait_state(harness, broadcast_id, BroadcastState.DONE)

    for user in ky_families:
        (got,) = await user.expect(1)
        assert got.text == "Маанилүү: " + KY_TEXT
    for user in ru_families:
        assert (await user.expect_one()).text == RU_TEXT
    await blocked.expect_silence(0.1)
    await staff.expect_silence(0.1)
    assert [copies(harness, uid, "Маанилүү: " + KY_TEXT) for uid in (2001, 2002, 2003)] == [1] * 3
    assert [copies(harness, uid, RU_TEXT) for uid in (2004, 2005)] == [1, 1]

    assert await delivery_states(harness, broadcast_id) == {DeliveryState.SENT: 5}
    async with harness.db() as db:
        rows = list(
            await db.scalars(select(Delivery).where(Delivery.broadcast_id == broadcast_id))
        )
        assert {r.user_id: r.language for r in rows} == {
            2001: "ky",
            2002: "ky",
            2003: "ky",
            2004: "ru",
            2005: "ru",
        }
        assert all(r.message_id for r in rows)
        logged = await db.scalar(
            select(MessageLog).where(MessageLog.chat_id == 2004, MessageLog.text == RU_TEXT)
        )
        assert logged is not None  # every delivery is in the transcript

    async def final_progress() -> bool:
        progress = boss.messages[-1]
        return "завершена" in (progress.text or "")

    await eventually(final_progress, what="final progress edit")
    progress = boss.messages[-1]
    assert "Отправлено: 5 · Ошибки: 0 · Заблокировали: 0" in progress.text
    assert "▓" * 12 in progress.text and "100%" in progress.text
    assert not progress.inline_buttons  # no Stop button once finished


async def test_one_text_with_photo_to_a_region(harness: BotHarness) -> None:
    chui = await family(harness, 2101, "ky")
    osh = await family(harness, 2102, "ru")
    via_application = await family(harness, 2103, "ru")
    via_check = await family(harness, 2104, "ky")
    async with harness.db() as db:
        await db.execute(update(User).where(User.id == 2101).values(region="KG-C"))
        await db.execute(update(User).where(User.id == 2102).values(region="KG-O"))
        db.add(Application(user_id=2103, language="ru", region="KG-C", answers={}))
        db.add(
            EligibilityCheck(
                user_id=2104, ruleset_version="t", answers={"region": "KG-C"}, outcome="eligible"
            )
        )
        await db.commit()
    boss = await admin(harness)
    await compose(boss, one="Обучение в Чуйской области / Чүй облусунда окутуу", skip=False)
    await boss.send_photo(b"\xff\xd8\xff\xe0photo", caption="ignored")
    assert "Кто получит" in (await boss.expect_one()).text
    await boss.press("📍 По области")
    await boss.expect_edit()
    await boss.press("Чуйская область")
    await boss.expect_edit()
    preview, summary = await boss.expect(2)
    assert preview.photo is not None and preview.caption.startswith("Обучение")
    assert "Получатели: 3 семьи" in summary.text and "Чуйская область" in summary.text
    await boss.press("📤 Отправить сейчас")
    await boss.expect_edit()
    await wait_state(harness, await last_broadcast_id(harness), BroadcastState.DONE)
    for user in (chui, via_application, via_check):
        got = await user.expect_one()
        assert got.photo is not None and got.caption == preview.caption
    await osh.expect_silence(0.1)


async def test_status_and_checked_never_applied_segments(harness: BotHarness) -> None:
    approved = await family(harness, 2201, "ky")
    rejected_then_approved = await family(harness, 2202, "ky")
    checked_only = await family(harness, 2203, "ru")
    checked_with_draft = await family(harness, 2204, "ru")
    checked_and_applied = await family(harness, 2205, "ru")
    async with harness.db() as db:
        db.add(Application(user_id=2201, language="ky", status=Status.APPROVED, answers={}))
        db.add(Application(user_id=2202, language="ky", status=Status.REJECTED, answers={}))
        await db.flush()
        db.add(Application(user_id=2202, language="ky", status=Status.APPROVED, answers={}))
        for uid in (2203, 2204, 2205):
            db.add(EligibilityCheck(user_id=uid, ruleset_version="t", answers={}, outcome="ok"))
        db.add(Application(user_id=2204, language="ru", status=Status.DRAFT, answers={}))
        db.add(Application(user_id=2205, language="ru", status=Status.SUBMITTED, answers={}))
        await db.commit()
    boss = await admin(harness)

    await compose(boss)
    await boss.press("📄 По статусу заявки")
    await boss.expect_edit()
    await boss.press("Одобрена")
    await boss.expect_edit()
    summary = (await boss.expect(3))[-1]
    assert "Получатели: 2 семьи" in summary.text  # the latest application counts
    await boss.press("👥 Изменить получателей")
    await boss.expect_edit()
    await boss.press("✅ Проверили право, но не подали заявку")
    await boss.expect_edit()
    summary = (await boss.expect(3))[-1]
    assert "Получатели: 2 семьи" in summary.text
    await boss.press("📤 Отправить сейчас")
    await boss.expect_edit()
    await wait_state(harness, await last_broadcast_id(harness), BroadcastState.DONE)
    assert (await checked_only.expect_one()).text == RU_TEXT
    assert (await checked_with_draft.expect_one()).text == RU_TEXT
    for user in (approved, rejected_then_approved, checked_and_applied):
        await user.expect_silence(0.05)


async def test_non_admins_are_refused(harness: BotHarness) -> None:
    stranger = await family(harness, 2301, "ky")
    await stranger.send("/broadcast")
    assert (await stranger.expect_one()).text.startswith("Кечиресиз, түшүнгөн жокмун")
    await stranger.send("/broadcasts")
    assert (await stranger.expect_one()).text.startswith("Кечиресиз, түшүнгөн жокмун")
    boss = await admin(harness)
    await compose(boss)
    async with harness.db() as db:
        draft_id = await db.scalar(select(Broadcast.id))
    # A forged press of the admin's buttons, and free text while the admin has a draft.
    await stranger.press_data(f"bc:aud:{draft_id}:all")
    assert (await stranger.expect_answer()).text == "Бул баскыч эми жарактуу эмес."
    await stranger.press_data("bc:stop:1")
    assert (await stranger.expect_answer()).text == "Бул баскыч эми жарактуу эмес."
    await boss.press_data(f"bc:val:{draft_id}:region:KG-XX")  # a forged value
    assert (await boss.expect_answer()).text == "Эта кнопка больше не действует."
    async with harness.db() as db:
        draft = await db.get(Broadcast, draft_id)
        assert draft is not None and draft.audience is None


async def test_input_checks_and_discard(harness: BotHarness) -> None:
    boss = await admin(harness)
    await boss.send("/broadcast")
    await boss.expect_one()
    await boss.press("Тексты на кыргызском и русском")
    await boss.expect_edit()
    await boss.send_sticker()
    assert "Сначала отправьте объявление текстом" in (await boss.expect_one()).text
    await boss.send("x" * 1500)
    assert "на русском" in (await boss.expect_one()).text
    await boss.send("y" * 10)
    await boss.expect_one()
    await boss.send_photo(b"\xff\xd8photo")
    refused = await boss.expect_one()
    assert "не более 1024" in refused.text and "1500" in refused.text
    await boss.press("✖ Отмена")
    assert "Ничего не отправлено" in (await boss.expect_edit()).text
    async with harness.db() as db:
        assert await db.scalar(select(Broadcast.id)) is None
    await boss.send("просто текст")
    assert (await boss.expect_one()).text.startswith("Извините, я не понял")


async def test_scheduled_broadcast_waits_for_its_time(harness: BotHarness) -> None:
    reader = await family(harness, 2401, "ru")
    boss = await admin(harness)
    await compose(boss)
    await boss.press("👥 Все семьи")
    await boss.expect_edit()
    await boss.expect(3)
    await boss.press("🕒 Запланировать")
    await boss.expect_edit()
    await boss.send("01.01.2020 10:00")
    assert "уже прошло" in (await boss.expect_one()).text
    when = (harness.services.now() + timedelta(days=2)).astimezone(
        __import__("bot.i18n", fromlist=["BISHKEK"]).BISHKEK
    )
    await boss.send(when.strftime("%d.%m.%Y %H:%M"))
    summary = await boss.expect_one()
    assert "время Бишкека" in summary.text and when.strftime("%d.%m.%Y %H:%M") in summary.text
    assert buttons(summary)[0] == "✅ Подтвердить время"
    await boss.press("✅ Подтвердить время")
    assert "запланирована" in (await boss.expect_edit()).text
    broadcast_id = await last_broadcast_id(harness)

    await boss.send("/broadcasts")
    listing = await boss.expect_one()
    assert f"#{broadcast_id}" in listing.text and "Запланирована на" in listing.text
    assert f"⛔ Остановить №{broadcast_id}" in buttons(listing)
    await reader.expect_silence(1.5)  # the sender polls every second: it must not start it

    later = harness.services.now() + timedelta(days=2, minutes=1)
    harness.services.clock = lambda: later
    await wait_state(harness, broadcast_id, BroadcastState.DONE)
    assert (await reader.expect_one()).text == RU_TEXT
    progress = await boss.expect_one()  # the sender's own progress message
    assert f"Рассылка №{broadcast_id}" in progress.text
