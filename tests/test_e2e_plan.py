"""End to end: the business plan in Kyrgyz and Russian, through submission and the PDF.

The helpers here (Family, fill_plan, ...) are reused by the other test_e2e_plan_* modules.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from pypdf import PdfReader
from sqlalchemy import select

from bot.flood import FloodGuard
from db.base import utcnow
from db.enums import Role, Status
from db.models import Application, Document, EligibilityCheck, FormRun, RunStatus, StatusChange
from tests.fakebot import BotMessage, FakeUser
from tests.harness import BotHarness

LABELS = {
    "ky": {
        "language": "Кыргызча",
        "apply": "📝 Арыз берүү",
        "yes": "Ооба",
        "no": "Жок",
        "region": "Ысык-Көл облусу",
        "district": "Жети-Өгүз району",
        "dairy": "Сүт азыктары",
        "bazaar": "▫️ Базар",
        "shops": "▫️ Дүкөндөр жана кафелер",
        "done": "Даяр ✔️",
        "add": "➕ Сап кошуу",
        "finish": "✅ Даяр, кийинки суроо",
        "skip": "Өткөрүп жиберүү",
        "back": "⬅️ Артка",
        "keep": "↩️ Бул жоопту калтыруу",
        "submit": "✅ Арызды жөнөтүү",
        "edit": "✏️ Жоопту өзгөртүү",
        "cancel": "🗑 Жокко чыгаруу",
        "confirm_delete": "Ооба, өчүрүү",
    },
    "ru": {
        "language": "Русский",
        "apply": "📝 Подать заявку",
        "yes": "Да",
        "no": "Нет",
        "region": "Иссык-Кульская область",
        "district": "Джети-Огузский район",
        "dairy": "Молочные продукты",
        "bazaar": "▫️ Базар",
        "shops": "▫️ Магазины и кафе",
        "done": "Готово ✔️",
        "add": "➕ Добавить строку",
        "finish": "✅ Готово, следующий вопрос",
        "skip": "Пропустить",
        "back": "⬅️ Назад",
        "keep": "↩️ Оставить этот ответ",
        "submit": "✅ Отправить заявку",
        "edit": "✏️ Изменить ответ",
        "cancel": "🗑 Отменить и удалить",
        "confirm_delete": "Да, удалить",
    },
}
START_DATE = (date.today() + timedelta(days=40)).strftime("%d.%m.%Y")


def relax_flood(harness: BotHarness) -> None:
    """Tests type much faster than a person; the flood guard is tested in test_flood.py."""
    harness.services.flood = FloodGuard(rate=10_000.0, burst=10_000.0)


def inline(message: BotMessage) -> list[str]:
    return [text for row in message.inline_buttons for text, _ in row]


@dataclass
class Family:
    """A family member driving the bot in one language."""

    harness: BotHarness
    user: FakeUser
    language: str
    seen: list[BotMessage] = field(default_factory=list)

    @property
    def label(self) -> dict[str, str]:
        return LABELS[self.language]

    async def start(self) -> None:
        relax_flood(self.harness)
        await self.user.send("/start")
        await self.user.expect_one()
        await self.user.press_data(f"lang:{self.language}")
        await self.user.expect_one()

    async def apply(self) -> list[BotMessage]:
        await self.user.press(self.label["apply"])
        return await self.user.expect(2)

    async def say(self, text: str) -> BotMessage:
        await self.user.send(text)
        return await self.user.expect_one()

    async def press(self, text: str, replies: int = 1) -> list[BotMessage]:
        await self.user.press(text)
        return await self.user.expect(replies) if replies else []

    async def choose(self, key: str, replies: int = 1) -> BotMessage:
        """Press a button named in LABELS (or given as is) and take the next message."""
        return (await self.press(self.label.get(key, key), replies))[-1]

    async def press_in_place(self, text: str) -> BotMessage:
        """Press a button that changes the pressed message itself (edit menus, toggles)."""
        self.user.mark_read()
        await self.user.press(text)
        return await self.user.expect_edit()

    async def contact(self, phone: str = "996555123456") -> BotMessage:
        await self.user.share_contact(phone)
        return (await self.user.expect(2))[-1]

    async def photo(self) -> BotMessage:
        await self.user.send_photo(b"\xff\xd8\xff\xe0" + b"jpeg" * 100)
        return await self.user.expect_one()

    async def review(self) -> list[BotMessage]:
        """Wait for the summary (one or more messages; the last has the Submit button)."""
        messages: list[BotMessage] = []
        while not messages or self.label["submit"] not in inline(messages[-1]):
            messages.append(await self.user.expect_one())
        return messages


ANSWERS = {
    "ky": {
        "full_name": "Өмүрбекова Гүлнара Үсөновна",
        "village": "Ичке-Жергез айылы, Ак-Суу айыл өкмөтү",
        "description": "Үйдө сүт азыктарын өндүрөбүз: каймак, сары май, курут.",
        "resources": "Үч уй, жайыт жана сарай бар.",
        "skills": "Он жылдык тажрыйба, сүт азыктары боюнча курс.",
        "workers": "Мен, күйөөм жана улуу кызым.",
        "market": "Коңшуларга жана Каракол базарына, каймак 300 сом.",
        "item1": "Саан уй",
        "item2": "Сүт бөлгүч",
        "risks": "Малдын оорусу, кургакчылык.",
        "risk_plan": "Ветеринарга кайрылабыз, тоют сактайбыз.",
    },
    "ru": {
        "full_name": "Иванова Мария Петровна",
        "village": "село Тепке, Тепкинский айыл окмоту",
        "description": "Домашнее производство молочных продуктов: сметана, масло, курут.",
        "resources": "Три коровы, пастбище и сарай.",
        "skills": "Десять лет опыта, курсы по переработке молока.",
        "workers": "Я, муж и старшая дочь.",
        "market": "Соседям и на рынок в Караколе, сметана по 300 сом.",
        "item1": "Дойная корова",
        "item2": "Сепаратор",
        "risks": "Болезни скота, засуха.",
        "risk_plan": "Обратимся к ветеринару, запасём корм.",
    },
}


async def fill_plan(
    family: Family,
    *,
    pin: str = "21503198512345",
    disability: bool = True,
    prefilled: bool = False,
) -> list[BotMessage]:
    """Answer every question (uploads included) up to the summary; returns the summary."""
    a = ANSWERS[family.language]
    await family.say(a["full_name"])
    await family.say(pin)
    await family.contact()
    if not prefilled:
        await family.choose("region")
        await family.choose("district")
    await family.say(a["village"])
    if not prefilled:
        await family.say("6")
        await family.say("3")
        await family.say("2")
        await family.choose("yes" if disability else "no")
    await family.choose("dairy")
    if not prefilled:
        await family.choose("no")  # a new business
    await family.choose("yes")  # OVOP
    await family.say(a["description"])
    await family.say(a["resources"])
    await family.say(a["skills"])
    await family.say(a["workers"])
    await family.say(a["market"])
    await family.press(family.label["bazaar"], replies=0)
    await family.user.expect_edit()
    await family.press(family.label["shops"], replies=0)
    await family.user.expect_edit()
    await family.choose("done")
    await family.say(a["item1"])
    await family.say("2")
    await family.say("50 000")
    await family.choose("add")
    await family.say(a["item2"])
    await family.say("1")
    await family.say("30000")
    await family.choose("finish")
    await family.say("20 000")
    await family.choose("skip")  # what the family contributes: optional
    await family.say("40000")
    await family.say("15 000")
    await family.say(START_DATE)
    await family.say("3")
    await family.say(a["risks"])
    await family.user.send(a["risk_plan"])
    await family.user.expect_one()  # the ID card question
    await family.user.send_photo(b"\xff\xd8\xff\xe0" + b"jpeg" * 100)
    await family.user.expect_one()
    if disability:
        await family.user.send_document(
            b"%PDF-1.4 certificate", file_name="certificate.pdf", mime_type="application/pdf"
        )
        await family.user.expect_one()
    await family.user.press(family.label["skip"])  # other documents: optional
    return await family.review()


async def submit(family: Family) -> tuple[BotMessage, BotMessage]:
    """Press Submit; returns the confirmation and the PDF message."""
    await family.user.press(family.label["submit"])
    done, pdf = await family.user.expect(2)
    return done, pdf


def pdf_text(message: BotMessage) -> str:
    assert message.document is not None
    reader = PdfReader(io.BytesIO(message.document.data))
    return "\n".join(page.extract_text() for page in reader.pages)


async def application_of(harness: BotHarness, user_id: int) -> Application:
    async with harness.db() as db:
        row = await db.scalar(
            select(Application)
            .where(Application.user_id == user_id)
            .order_by(Application.id.desc())
        )
        assert row is not None
        return row


async def test_full_application_in_kyrgyz_with_uploads_and_pdf(harness: BotHarness) -> None:
    family = Family(harness, harness.user(4001, language_code="ky"), "ky")
    await family.start()
    intro, first = await family.apply()
    assert "150\xa0000 сом" in intro.text and "3 жыл бою" in intro.text  # obligation said plainly
    assert "«үй-бүлөгө көмөк»" in intro.text and "3 ай кийин" in intro.text
    assert "Бөлүк 1/6: Арыз берүүчү" in first.text and "аты-жөнү" in first.text

    review = await fill_plan(family)
    summary = "\n".join(m.text or "" for m in review)
    for expected in (
        "Өмүрбекова Гүлнара Үсөновна",
        "21503198512345",
        "+996 555 123 456",
        "Ысык-Көл облусу",
        "Жети-Өгүз району",
        "Майыптыгы бар адам: Ооба",
        "Базар, Дүкөндөр жана кафелер",
        "1. Саан уй — 2 × 50\xa0000 сом = 100\xa0000 сом",
        "Бюджеттин жалпы суммасы (гранттан): 130\xa0000 сом",
        "Долбоордун толук баасы: 150\xa0000 сом",
        "Күтүлгөн айлык пайда: 25\xa0000 сом",
        "Өзүн актоо мөөнөтү: 6 ай",
        "ID-карта: сүрөт алынды",
        "файл алынды: certificate.pdf",
    ):
        assert expected in summary, expected

    done, pdf = await submit(family)
    application = await application_of(harness, 4001)
    ref = application.ref
    assert ref is not None and ref.startswith("SC-") and ref.endswith(f"{application.id:06d}")
    assert ref in done.text and "Арызыңыз берилди" in done.text
    assert pdf.document is not None and pdf.document.file_name == f"{ref}.pdf"
    text = pdf_text(pdf)
    for expected in (
        "Бизнес-план",
        "Өмүрбекова Гүлнара Үсөновна",
        "Жети-Өгүз району",
        ANSWERS["ky"]["description"],
        "Ичке-Жергез айылы",
        ref,
    ):
        assert expected in text, expected

    assert application.status is Status.SUBMITTED and application.language == "ky"
    assert application.pin == "21503198512345" and application.phone == "+996555123456"
    assert application.region == "KG-Y" and application.district == "Жети-Өгүз району"
    assert application.full_name == "Өмүрбекова Гүлнара Үсөновна"
    assert application.answers["budget_total"] == 130_000
    assert application.answers["payback_months"] == 6
    assert application.answers["sales_channels"] == ["bazaar", "shops"]
    assert application.submitted_at is not None
    async with harness.db() as db:
        changes = list(
            await db.scalars(
                select(StatusChange)
                .where(StatusChange.application_id == application.id)
                .order_by(StatusChange.id)
            )
        )
        assert [(c.from_status, c.to_status) for c in changes] == [
            (None, Status.DRAFT),
            (Status.DRAFT, Status.SUBMITTED),
        ]
        assert all(c.actor_role is Role.APPLICANT and c.actor_id == 4001 for c in changes)
        documents = {
            d.kind: d
            for d in await db.scalars(
                select(Document).where(Document.application_id == application.id)
            )
        }
        assert set(documents) == {"id_card", "disability_certificate", "business_plan_pdf"}
        assert documents["id_card"].telegram_file_id
        assert documents["disability_certificate"].file_name == "certificate.pdf"
        stored_pdf = documents["business_plan_pdf"].content
        assert stored_pdf is not None and stored_pdf == pdf.document.data
        run = await db.scalar(select(FormRun).where(FormRun.user_id == 4001))
        assert run is not None and run.status is RunStatus.COMPLETED

    # A family has one open application: Apply now shows it instead of a new draft.
    await family.user.press(family.label["apply"])
    again = await family.user.expect_one()
    assert ref in again.text


async def test_full_application_in_russian_reuses_the_eligibility_answers(
    harness: BotHarness,
) -> None:
    family = Family(harness, harness.user(4002, language_code="ru"), "ru")
    await family.start()
    async with harness.db() as db:
        db.add(
            EligibilityCheck(
                user_id=4002,
                ruleset_version="2026.1",
                answers={
                    "region": "KG-Y",
                    "district": "Жети-Өгүз району",
                    "support": "benefit",
                    "household_size": 5,
                    "children_under_16": 3,
                    "able_to_work_adults": 2,
                    "disability": False,
                    "existing_business": True,
                },
                outcome="eligible",
                priority_score=2,
                finished_at=utcnow(),
            )
        )
        await db.commit()
    intro, first = await family.apply()
    assert "150\xa0000 сом" in intro.text and "на 3 года" in intro.text
    assert "ФИО заявителя" in first.text

    review = await fill_plan(family, disability=False, prefilled=True)
    summary = "\n".join(m.text or "" for m in review)
    prefilled_mark = "(из ваших прежних ответов)"
    assert "Область: Иссык-Кульская область " + prefilled_mark in summary
    assert "Район или город: Джети-Огузский район " + prefilled_mark in summary
    assert "Членов семьи: 5 " + prefilled_mark in summary
    assert "Действующий бизнес: Да " + prefilled_mark in summary
    assert "Справка об инвалидности" not in summary  # not relevant: no disability

    done, pdf = await submit(family)
    assert "Ваша заявка подана" in done.text
    text = pdf_text(pdf)
    assert "Иванова Мария Петровна" in text and "Джети-Огузский район" in text
    application = await application_of(harness, 4002)
    assert application.status is Status.SUBMITTED and application.language == "ru"
    assert application.priority_score == 2 and application.eligibility_check_id is not None
    assert application.answers["household_size"] == 5
    assert application.answers["existing_business"] is True
