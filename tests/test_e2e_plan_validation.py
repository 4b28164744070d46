"""End to end: one open application per PIN, and bad input at every question type."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.enums import Status
from db.models import Application, FormRun
from tests.harness import BotHarness
from tests.test_e2e_plan import START_DATE, Family, application_of, fill_plan, submit

PIN = "21503198512345"


async def test_duplicate_pin_is_refused_at_the_question_and_at_submission(
    harness: BotHarness,
) -> None:
    first = Family(harness, harness.user(4201, language_code="ky"), "ky")
    second = Family(harness, harness.user(4202, language_code="ru"), "ru")
    await first.start()
    await second.start()
    await first.apply()
    await second.apply()

    # The second family types the same PIN while the first has not submitted: no conflict yet
    # (a draft claims nothing), so both reach the summary.
    await fill_plan(first, pin=PIN)
    await fill_plan(second, pin=PIN, disability=False)
    done, _ = await submit(first)
    ref = (await application_of(harness, 4201)).ref
    assert ref is not None and ref in done.text

    # Now the second family's Submit is refused with a clear message; it stays at the summary.
    await second.user.press(second.label["submit"])
    refused = await second.user.expect_one()
    assert "нельзя отправить" in refused.text and ref in refused.text
    review = await second.review()
    assert second.label["submit"] in [t for row in review[-1].inline_buttons for t, _ in row]
    draft = await application_of(harness, 4202)
    assert draft.status is Status.DRAFT and draft.pin is None and draft.ref is None

    # Editing the PIN: the same PIN is refused at once, at the question.
    await second.press_in_place(second.label["edit"])
    await second.press_in_place("Заявитель")
    await second.user.press("ПИН")
    await second.user.expect_one()
    again = await second.say(PIN)
    assert "Заявка с этим ПИН уже открыта" in again.text and ref in again.text
    assert "ПИН заявителя" in again.text  # the same question again
    await second.user.send("11203199012345")  # the right PIN this time
    await second.review()
    done2, _ = await submit(second)
    assert "Ваша заявка подана" in done2.text
    async with harness.db() as db:
        rows = list(await db.scalars(select(Application).order_by(Application.id)))
        assert [(r.user_id, r.status, r.pin) for r in rows] == [
            (4201, Status.SUBMITTED, PIN),
            (4202, Status.SUBMITTED, "11203199012345"),
        ]


async def test_the_same_family_cannot_open_a_second_application(harness: BotHarness) -> None:
    family = Family(harness, harness.user(4203, language_code="ky"), "ky")
    await family.start()
    await family.apply()
    await fill_plan(family, disability=False)
    await submit(family)
    await family.user.send("/apply")
    answer = await family.user.expect_one()
    assert "ачык арыз бар" in answer.text
    async with harness.db() as db:
        count = len(list(await db.scalars(select(Application).where(Application.user_id == 4203))))
        assert count == 1


# (language, what is typed, the message expected, in order) for each question type.
BAD_INPUT = {
    "ky": {
        "text_short": ("Ай", "кеминде 5 белги"),
        "text_words": ("Айгүл", "кеминде эки сөз"),
        "text_long": ("Ы" * 121, "эң көп 120 белги, сиз 121 белги"),
        "pin_short": ("215031985123", "ПИН 14 цифрадан турат; сиз 12 цифра жөнөттүңүз."),
        "pin_letters": ("ПИН жок", "ПИН цифралардан гана турат"),
        "pin_first": ("31503198512345", "сиздики 3 менен башталат"),
        "phone_prefix": ("0312 123 456", "312 — Кыргызстандын мобилдик операторунун коду эмес"),
        "phone_length": ("0555 123 45", "сиз 8 цифра жөнөттүңүз"),
        "phone_country": ("+7 912 345 67 89", "+996 менен башталат"),
        "choice": ("Москва", "баскычтардын бирин тандаңыз"),
        "integer": ("беш", "бүтүн санды цифралар менен"),
        "integer_min": ("0", "1 же андан көп"),
        "children": ("6", "баары 6 адам"),
        "yes_no": ("балким", "баскычтардын бирин тандаңыз"),
        "long_text": ("Ы" * 1501, "эң көп 1\xa0500 белги, сиз 1\xa0501 белги"),
        "multi": (None, "кеминде 1 вариант тандап"),
        "money": ("12,50", "тыйынсыз"),
        "money_words": ("жүз миң", "сумманы сом менен"),
        "money_max": ("200 000", "150\xa0000 сом же андан аз"),
        "budget_over": (None, "гранттан (150\xa0000 сом) көп"),
        "date_format": ("2027-01-01", "кк.аа.жжжж түрүндө"),
        "date_invalid": ("31.02.2027", "Мындай күн жок"),
        "date_past": ("01.01.2020", "эрте боло албайт"),
        "upload_text": ("Сүрөт кийин", "текст эмес, сүрөт же файл"),
        "upload_type": (None, "кабыл алынбайт"),
        "upload_big": (None, "Файл өтө чоң (11.0 МБ). Чеги — 10 МБ"),
        "sticker": (None, "текст билдирүү менен жооп бериңиз"),
    },
    "ru": {
        "text_short": ("Ан", "хотя бы 5 символов"),
        "text_words": ("Анна-Мария", "хотя бы два слова"),
        "text_long": ("Ы" * 121, "не больше 120 символов, вы отправили 121"),
        "pin_short": ("215031985123", "В ПИН 14 цифр; вы отправили 12."),
        "pin_letters": ("нет ПИН", "ПИН состоит только из цифр"),
        "pin_first": ("31503198512345", "ваш начинается с 3"),
        "phone_prefix": ("0312 123 456", "312 — это не код мобильного оператора"),
        "phone_length": ("0555 123 45", "вы отправили 8"),
        "phone_country": ("+7 912 345 67 89", "начинается с +996"),
        "choice": ("Москва", "выберите одну из кнопок"),
        "integer": ("пять", "целое число цифрами"),
        "integer_min": ("0", "не меньше 1"),
        "children": ("6", "всего 6 чел."),
        "yes_no": ("может быть", "выберите одну из кнопок"),
        "long_text": ("Ы" * 1501, "не больше 1\xa0500 символов, вы отправили 1\xa0501"),
        "multi": (None, "хотя бы 1 вариант"),
        "money": ("12,50", "без тыйынов"),
        "money_words": ("сто тысяч", "сумму в сомах цифрами"),
        "money_max": ("200 000", "не больше 150\xa0000 сом"),
        "budget_over": (None, "больше гранта (150\xa0000 сом)"),
        "date_format": ("2027-01-01", "в виде дд.мм.гггг"),
        "date_invalid": ("31.02.2027", "Такой даты нет"),
        "date_past": ("01.01.2020", "не может быть раньше"),
        "upload_text": ("фото потом", "фото или файл, а не текст"),
        "upload_type": (None, "не принимается"),
        "upload_big": (None, "Файл слишком большой (11.0 МБ). Предел — 10 МБ"),
        "sticker": (None, "ответьте текстовым сообщением"),
    },
}


@pytest.mark.parametrize("language", ["ky", "ru"])
async def test_bad_input_at_every_question_type_is_refused_and_asked_again(
    harness: BotHarness, language: str
) -> None:
    user_id = 4300 if language == "ky" else 4301
    family = Family(harness, harness.user(user_id, language_code=language), language)
    bad = BAD_INPUT[language]
    await family.start()
    _, question = await family.apply()

    async def refused(key: str, *, send: object = None) -> None:
        """Send the bad input; expect the specific message and the same question again."""
        nonlocal question
        text, expected = bad[key]
        if send is not None:
            await send  # type: ignore[misc]
        else:
            await family.user.send(str(text))
        reply = await family.user.expect_one()
        assert expected in reply.text, (key, reply.text)
        assert reply.text.startswith("⚠️"), key
        # The question repeated: the same label as before the bad input.
        asked = question.text.split("\n")[1]
        assert asked in reply.text, (key, asked)
        question = reply

    async def answer(text: str) -> None:
        nonlocal question
        question = await family.say(text)

    for key in ("text_short", "text_words", "text_long"):
        await refused(key)
    await refused("sticker", send=family.user.send_sticker())
    await answer("Асанова Айгүл" if language == "ky" else "Петрова Анна")
    for key in ("pin_short", "pin_letters", "pin_first"):
        await refused(key)
    await answer(PIN)
    for key in ("phone_prefix", "phone_length", "phone_country"):
        await refused(key)
    await family.user.send("+996 555 123 456")
    question = (await family.user.expect(2))[-1]
    await refused("choice")
    question = await family.choose("region")
    await family.user.send("Тепке")  # district: typed, not on the buttons
    question = await family.user.expect_one()
    assert question.text.split("\n")[1].startswith(("Айыл", "Село"))
    await answer("Тепке")
    for key in ("integer", "integer_min"):
        await refused(key)
    await answer("6")
    await refused("children")
    await answer("3")
    await answer("2")
    await refused("yes_no")
    question = await family.choose("no")
    question = await family.choose("dairy")
    question = await family.choose("no")
    question = await family.choose("yes")
    await refused("long_text")
    for text in (
        "Сүт азыктары, каймак жана сары май.",
        "Уйлар",
        "Тажрыйба",
        "Биз",
        "Базарда сатабыз",
    ):
        await answer(text)
    await family.user.press(family.label["done"])
    await refused("multi", send=_noop())
    await family.press_in_place(family.label["bazaar"])
    question = await family.choose("done")
    await answer("Уй")
    await answer("2")
    await refused("money")
    await refused("money_words")
    await refused("money_max")
    question = await family.say("80000")  # 160 000 in all: over the grant
    await family.user.press(family.label["finish"])
    await refused("budget_over", send=_noop())
    await family.user.press("🗑 1")
    question = await family.user.expect_one()
    await family.choose("add")
    await answer("Уй")
    await answer("1")
    question = await family.say("80000")
    question = await family.choose("finish")
    await answer("0")  # own contribution (0: the note is not asked)
    await answer("40000")
    await answer("10000")
    for key in ("date_format", "date_invalid", "date_past"):
        await refused(key)
    await answer(START_DATE)
    await answer("2")
    await answer("Оору")
    await answer("Ветеринар")
    await refused("upload_text")
    await refused(
        "upload_type",
        send=family.user.send_document(
            b"PK\x03\x04docx",
            file_name="plan.docx",
            mime_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    )
    await refused(
        "upload_big",
        send=family.user.send_document(
            b"%PDF" + bytes(11 * 1024 * 1024), file_name="scan.pdf", mime_type="application/pdf"
        ),
    )
    await family.user.send_photo(b"\xff\xd8\xff\xe0" + b"x" * 10)
    await family.user.expect_one()
    await family.user.press(family.label["skip"])
    review = await family.review()
    summary = "\n".join(m.text or "" for m in review)
    assert "Тепке" in summary and "80\xa0000 сом" in summary
    async with harness.db() as db:
        run = await db.scalar(select(FormRun).where(FormRun.user_id == user_id))
        assert run is not None and run.current == "__review__"
        # Nothing refused was stored, nothing answered was lost.
        assert run.answers["full_name"] in ("Асанова Айгүл", "Петрова Анна")
        assert run.answers["pin"] == PIN and run.answers["phone"] == "+996555123456"
        assert run.answers["district"] == "Тепке" and run.answers["children_under_16"] == 3
        assert run.answers["budget"] == [{"item": "Уй", "quantity": 1, "unit_price": 80_000}]
        assert run.answers["id_card"]["kind"] == "photo"


async def _noop() -> None:
    """The action was already taken (a button press); only its reply is checked."""
