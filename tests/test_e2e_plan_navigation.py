"""End to end: back, keep, skip, edit from the summary, restart in the middle, cancel."""

from __future__ import annotations

from sqlalchemy import select

from db.base import utcnow
from db.enums import Status
from db.models import Application, EligibilityCheck, FormRun, RunStatus, StatusChange
from tests.harness import BotHarness
from tests.test_e2e_plan import (
    START_DATE,
    Family,
    application_of,
    fill_plan,
    inline,
    relax_flood,
    submit,
)


async def test_back_keep_skip_and_edit_from_the_summary(harness: BotHarness) -> None:
    family = Family(harness, harness.user(4101, language_code="ru"), "ru")
    await family.start()
    await family.apply()
    await family.say("Иванова Мария")
    await family.say("21503198512345")
    region = await family.contact()
    assert "В какой области" in region.text

    # /back from the region goes to the phone question, which shows its answer.
    await family.user.send("/back")
    phone = await family.user.expect_one()
    assert "Номер телефона" in phone.text and "+996 555 123 456" in phone.text
    await family.user.send("0700 123 456")  # a new number typed instead
    saved, region = await family.user.expect(2)
    assert saved.text == "Сохранено." and "📝 Подать заявку" in saved.button_texts
    assert "В какой области" in region.text
    await family.user.send("/back")
    await family.user.expect_one()
    await family.user.send("/back")
    pin = await family.user.expect_one()
    assert "Текущий ответ: 21503198512345" in pin.text
    keep = await family.choose("keep")  # keeping the PIN jumps to the first open question
    assert "В какой области" in keep.text
    await family.choose("region")
    district = await family.choose("district")
    assert "Какое село" in district.text or "Село" in district.text

    # The inline Back button does the same as /back; the district answer is kept.
    back = await family.choose("back")
    assert "Какой район или город" in back.text and "✓ Джети-Огузский район" in inline(back)
    await family.choose("keep")

    async with harness.db() as db:
        run = await db.scalar(select(FormRun).where(FormRun.user_id == 4101))
        assert run is not None and run.current == "village"
        assert run.answers["phone"] == "+996700123456"
        assert run.answers["pin"] == "21503198512345"

    review = await _finish_from_village(family)
    summary = "\n".join(m.text or "" for m in review)
    assert "+996 700 123 456" in summary
    assert "Что вносит семья: —" in summary  # skipped

    # Edit: section, then question, then the new answer, then back to the summary.
    await family.press_in_place(family.label["edit"])
    await family.press_in_place("Бизнес")
    await family.user.press("Вид бизнеса")
    question = await family.user.expect_one()
    assert "✓ Молочные продукты" in inline(question)
    other = await family.choose("Другое")
    assert "назовите бизнес" in other.text  # made relevant by the change
    await family.user.send("Ремонт телефонов")
    review = await family.review()
    summary = "\n".join(m.text or "" for m in review)
    assert "Вид бизнеса: Другое" in summary and "Бизнес: Ремонт телефонов" in summary
    assert "Иванова Мария" in summary and "Сепаратор" in summary  # nothing else lost

    # Edit the budget: remove a line, add one, done.
    await family.press_in_place(family.label["edit"])
    sections = await family.press_in_place("Бюджет")
    assert "Собственный вклад" in inline(sections)
    await family.user.press("Покупки за счёт гранта")
    listing = await family.user.expect_one()
    assert "Итого: 130\xa0000 сом" in listing.text
    await family.user.press("🗑 2")
    after_remove = await family.user.expect_one()
    assert "Итого: 100\xa0000 сом" in after_remove.text
    await family.choose("add")
    await family.say("Бидон")
    await family.say("4")
    listing = await family.say("2 500")
    assert "Итого: 110\xa0000 сом" in listing.text
    await family.user.press(family.label["finish"])
    summary = "\n".join(m.text or "" for m in await family.review())
    assert "2. Бидон — 4 × 2\xa0500 сом = 10\xa0000 сом" in summary
    assert "Итого бюджет (из гранта): 110\xa0000 сом" in summary

    done, _ = await submit(family)
    assert "Ваша заявка подана" in done.text
    application = await application_of(harness, 4101)
    assert application.answers["business_other"] == "Ремонт телефонов"
    assert application.answers["own_contribution_note"] is None


async def _finish_from_village(family: Family) -> list:  # type: ignore[type-arg]
    """The rest of a Russian plan after the district (quick answers)."""
    await family.say("село Тепке")
    for answer in ("5", "2", "2"):
        await family.say(answer)
    await family.choose("no")
    await family.choose("dairy")
    await family.choose("no")
    await family.choose("yes")
    for text in (
        "Молочные продукты из своего молока.",
        "Коровы",
        "Опыт",
        "Я и муж",
        "Соседи, рынок",
    ):
        await family.say(text)
    await family.press(family.label["bazaar"], replies=0)
    await family.user.expect_edit()
    await family.choose("done")
    for text in ("Корова", "2", "50000"):
        await family.say(text)
    await family.choose("add")
    for text in ("Сепаратор", "1", "30000"):
        await family.say(text)
    await family.choose("finish")
    await family.say("5000")
    skipped = await family.choose("skip")
    assert "Ожидаемый доход" in skipped.text
    for text in ("40000", "15000", "01.01.2099"):
        await family.say(text)  # the date is refused (too late) ...
    for text in (START_DATE, "2", "Падёж", "Прививки"):
        await family.say(text)
    await family.user.send_photo(b"\xff\xd8\xff\xe0" + b"x" * 50)
    await family.user.expect_one()
    await family.user.press(family.label["skip"])
    return await family.review()


async def test_restart_in_the_middle_resumes_at_the_same_question(harness: BotHarness) -> None:
    family = Family(harness, harness.user(4102, language_code="ky"), "ky")
    await family.start()
    await family.apply()
    await family.say("Асанова Айгүл Бакытовна")
    await family.say("12202199012345")
    await family.contact("+996777123456")
    region = await family.choose("region")
    assert "район" in region.text.lower()

    await harness.restart()
    relax_flood(harness)
    # An old button of the current question still works after the restart ...
    village = await family.choose("district")
    assert "Айыл" in village.text
    # ... and typed answers go on where they stopped.
    await harness.restart()
    relax_flood(harness)
    size = await family.say("Ак-Суу айылы")
    assert "канча адам жашайт" in size.text

    # Apply again (days later): the same draft, the same question, nothing asked twice.
    await harness.restart()
    relax_flood(harness)
    await family.user.press(family.label["apply"])
    welcome, question = await family.user.expect(2)
    assert "Кайра кош келиңиз" in welcome.text and "канча адам жашайт" in question.text
    async with harness.db() as db:
        runs = list(await db.scalars(select(FormRun).where(FormRun.user_id == 4102)))
        assert len(runs) == 1 and runs[0].status is RunStatus.ACTIVE
        assert runs[0].answers["village"] == "Ак-Суу айылы"
        assert runs[0].answers["phone"] == "+996777123456"
        drafts = list(await db.scalars(select(Application).where(Application.user_id == 4102)))
        assert len(drafts) == 1 and drafts[0].status is Status.DRAFT


async def test_cancel_asks_then_withdraws_the_draft(harness: BotHarness) -> None:
    family = Family(harness, harness.user(4103, language_code="ky"), "ky")
    await family.start()
    await family.apply()
    await family.say("Асанова Айгүл")
    await family.user.send("/cancel")
    confirm = await family.user.expect_one()
    assert "долбоорун өчүрөсүзбү" in confirm.text
    await family.user.press("Жок, улантуу")
    again = await family.user.expect_one()
    assert "ПИН" in again.text  # nothing lost
    await family.user.send("/cancel")
    await family.user.expect_one()
    await family.user.press(family.label["confirm_delete"])
    bye = await family.user.expect_one()
    assert "Долбоор өчүрүлдү" in bye.text and "📝 Арыз берүү" in bye.text
    # Typed text is no longer an answer.
    await family.user.send("21503198512345")
    assert "түшүнгөн жокмун" in (await family.user.expect_one()).text
    await family.user.send("/back")
    assert "анкета толтуруп жаткан жоксуз" in (await family.user.expect_one()).text

    application = await application_of(harness, 4103)
    assert application.status is Status.WITHDRAWN
    async with harness.db() as db:
        changes = list(
            await db.scalars(
                select(StatusChange.to_status).where(StatusChange.application_id == application.id)
            )
        )
        assert changes == [Status.DRAFT, Status.WITHDRAWN]
        run = await db.scalar(select(FormRun).where(FormRun.user_id == 4103))
        assert run is not None and run.status is RunStatus.CANCELLED

    # A new application starts from the first question, with a new draft.
    _, first = await family.apply()
    assert "аты-жөнү" in first.text
    latest = await application_of(harness, 4103)
    assert latest.id != application.id and latest.status is Status.DRAFT


async def test_forged_and_stale_buttons_are_refused_politely(harness: BotHarness) -> None:
    family = Family(harness, harness.user(4104, language_code="ru"), "ru")
    other = Family(harness, harness.user(4105, language_code="ru"), "ru")
    await family.start()
    await other.start()
    await family.apply()
    await other.apply()
    async with harness.db() as db:
        run_id = await db.scalar(select(FormRun.id).where(FormRun.user_id == 4105))
    # Someone else's run, a made-up action, garbage.
    forged = (f"f:{run_id}:c:region:0", "f:999999:b:pin", "f:x", "f:1:zz:full_name", "f:¹:b:pin")
    for data in forged:
        await family.user.press_data(data)
        answer = await family.user.expect_answer()
        assert answer.text == "Эта кнопка больше не действует."
    await family.say("Петрова Анна")
    await family.say("21503198512345")
    await family.contact()
    await family.choose("region")
    # The region button again, after it was answered: refused, no new message.
    await family.user.press_data(f"f:{run_id + 0}:c:region:0")
    await family.user.expect_answer()
    async with harness.db() as db:
        mine = await db.scalar(select(FormRun).where(FormRun.user_id == 4104))
        theirs = await db.scalar(select(FormRun).where(FormRun.user_id == 4105))
        assert mine is not None and mine.current == "district"
        assert theirs is not None and theirs.current == "full_name" and theirs.answers == {}


async def test_summary_buttons_and_completion(harness: BotHarness) -> None:
    """The summary offers Edit, Submit and Cancel; Submit twice never submits twice."""
    family = Family(harness, harness.user(4106, language_code="ky"), "ky")
    await family.start()
    await family.apply()
    review = await fill_plan(family, disability=False)
    assert inline(review[-1]) == [
        family.label["edit"],
        family.label["submit"],
        family.label["cancel"],
    ]
    submit_data = dict(review[-1].inline_buttons[1])[family.label["submit"]]
    assert submit_data is not None
    await family.user.press(family.label["submit"])
    await family.user.expect(2)
    assert review[-1].inline_buttons == []  # the summary's buttons are gone
    await family.user.press_data(submit_data, message=review[-1])
    answer = await family.user.expect_answer()
    assert answer.text == "Бул баскыч эми жарактуу эмес."
    async with harness.db() as db:
        count = len(list(await db.scalars(select(Application).where(Application.user_id == 4106))))
        assert count == 1


async def test_a_check_finished_later_fills_the_open_questions(harness: BotHarness) -> None:
    family = Family(harness, harness.user(4107, language_code="ky"), "ky")
    await family.start()
    await family.apply()
    await family.say("Асанова Айгүл")
    await family.say("21503198512345")
    region = await family.contact()
    assert "облуста" in region.text
    async with harness.db() as db:
        db.add(
            EligibilityCheck(
                user_id=4107,
                ruleset_version="2026.1",
                answers={"region": "KG-C", "district": "Кант", "household_size": 4},
                outcome="eligible",
                priority_score=1,
                finished_at=utcnow(),
            )
        )
        await db.commit()
    await family.user.press(family.label["apply"])
    welcome, village = await family.user.expect(2)
    assert "Кайра кош келиңиз" in welcome.text and "Айыл (же шаарча)" in village.text
    children = await family.say("Кант шаары")
    assert "16 жашка чейинки" in children.text  # household size came from the check
    draft = await application_of(harness, 4107)
    assert draft.eligibility_check_id is not None and draft.priority_score == 1
