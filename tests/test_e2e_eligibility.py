"""End to end: the eligibility check through the fake Bot API server, in Kyrgyz and Russian.

Each test asserts what the family saw and what was stored.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.eligibility.program import DEFAULT_RULESET
from bot.flood import FloodGuard
from db.models import Application, EligibilityCheck
from db.models.forms import FormRun, RunStatus
from tests.fakebot import BotMessage, FakeUser
from tests.harness import BotHarness

# What the family presses or types, per language.
WORDS: dict[str, dict[str, str]] = {
    "ky": {
        "language": "✓ Кыргызча",
        "check": "✅ Укукту текшерүү",
        "chui": "Чүй облусу",
        "alamudun": "Аламүдүн району",
        "osh_region": "Ош облусу",
        "benefit": "«Үй-бүлөгө көмөк» алабыз",
        "passport": "Социалдык паспортубуз бар",
        "neither": "Экөө тең жок",
        "yes": "Ооба",
        "no": "Жок",
        "plan": "📝 Бизнес-планды баштоо",
        "eligible": "✅ Үй-бүлөңүз социалдык келишимге арыз бере алат.",
        "not_eligible": "❌ Үй-бүлөңүз азыр социалдык келишимге арыз бере албайт.",
        "ask_office": "⚠️ Үй-бүлөңүз арыз бере алабы, муну райондук башкармалык чечет.",
        "invalid_button": "Бул баскыч эми жарактуу эмес.",
    },
    "ru": {
        "language": "✓ Русский",
        "check": "✅ Проверить право",
        "chui": "Чуйская область",
        "alamudun": "Аламудунский район",
        "osh_region": "Ошская область",
        "benefit": "Получаем «үй-бүлөгө көмөк»",
        "passport": "Есть социальный паспорт",
        "neither": "Ни то, ни другое",
        "yes": "Да",
        "no": "Нет",
        "plan": "📝 Начать бизнес-план",
        "eligible": "✅ Ваша семья может подать заявку на социальный контракт.",
        "not_eligible": "❌ Сейчас ваша семья не может подать заявку на социальный контракт.",
        "ask_office": "⚠️ Может ли ваша семья подать заявку, решит районное управление.",
        "invalid_button": "Эта кнопка больше не действует.",
    },
}


def relax_flood(harness: BotHarness) -> None:
    """A family answering as fast as a test does is not a flood; that guard is tested elsewhere."""
    harness.services.flood = FloodGuard(rate=1000.0, burst=1000.0)


async def restart(harness: BotHarness) -> None:
    await harness.restart()
    relax_flood(harness)


async def family(harness: BotHarness, user_id: int, language: str) -> FakeUser:
    """A family that has chosen its language and sees the main menu."""
    relax_flood(harness)
    user = harness.user(user_id, language_code=language)
    await user.send("/start")
    await user.expect_one()
    await user.press(WORDS[language]["language"])
    await user.expect_one()
    return user


async def step(user: FakeUser, action: str, *, typed: bool = False) -> BotMessage:
    """Press a button (or type text) and return the bot's next message."""
    if typed:
        await user.send(action)
    else:
        await user.press(action)
    return await user.expect_one()


def inline(message: BotMessage) -> list[str]:
    return [text for row in message.inline_buttons for text, _ in row]


async def checks_of(harness: BotHarness, user_id: int) -> list[EligibilityCheck]:
    async with harness.db() as db:
        rows = await db.scalars(
            select(EligibilityCheck)
            .where(EligibilityCheck.user_id == user_id)
            .order_by(EligibilityCheck.id)
        )
        return list(rows)


async def run_of(harness: BotHarness, user_id: int, form_id: str) -> FormRun | None:
    async with harness.db() as db:
        return await db.scalar(
            select(FormRun)
            .where(FormRun.user_id == user_id, FormRun.form_id == form_id)
            .order_by(FormRun.id.desc())
            .limit(1)
        )


async def answer_all(user: FakeUser, language: str, answers: list[tuple[str, bool]]) -> BotMessage:
    """Give answers in order (text, typed?); the last reply is returned."""
    words = WORDS[language]
    reply: BotMessage | None = None
    for action, typed in answers:
        reply = await step(user, words.get(action, action), typed=typed)
    assert reply is not None
    return reply


# -- an eligible priority family ------------------------------------------------------------


async def test_eligible_priority_family_in_kyrgyz(harness: BotHarness) -> None:
    user = await family(harness, 3001, "ky")
    await user.press(WORDS["ky"]["check"])
    intro, region = await user.expect(2)
    assert "эки мүнөт" in intro.content
    # The obligation, with the ruleset's numbers, before any question.
    assert "3 ай өткөндөн кийин" in intro.content and "3 жыл бою" in intro.content
    assert "Чүй облусу" in inline(region) and "Бишкек шаары" in inline(region)
    district = await step(user, "Чүй облусу")
    assert "Аламүдүн району" in inline(district)
    result = await answer_all(
        user,
        "ky",
        [
            ("alamudun", False),
            ("benefit", False),
            ("6", True),  # household
            ("4", True),  # children under 16: priority
            ("2", True),  # able-to-work adults
            ("yes", False),  # disability: priority
            ("no", False),  # had a contract before
            ("yes", False),  # accepts the suspension
            ("yes", False),  # ready for the training
            ("no", False),  # existing business
            ("yes", False),  # OVOP: priority
            ("no", False),  # green
        ],
    )
    text = result.content
    assert text.startswith(WORDS["ky"]["eligible"])
    assert text.count("✅") == 6  # the headline and the five rules
    assert "«үй-бүлөгө көмөк» жөлөкпулу 3 жыл бою токтотулушуна макулсуз" in text
    assert "⭐ Артыкчылык: 16 жашка чейинки 3 же андан көп бала" in text
    assert "үй-бүлөдө майыптыгы бар адам жана «Бир айыл – бир продукт» продуктусу" in text
    assert "150\xa0000 сом" in text
    assert inline(result) == [WORDS["ky"]["plan"]]

    [check] = await checks_of(harness, 3001)
    assert check.outcome == "eligible" and check.ruleset_version == "2026.1"
    assert check.language == "ky"
    assert check.answers == {
        "region": "KG-C",
        "district": "Аламүдүн району",
        "support": "benefit",
        "household_size": 6,
        "children_under_16": 4,
        "able_to_work_adults": 2,
        "disability": True,
        "had_contract_before": False,
        "accepts_suspension": True,
        "ready_for_training": True,
        "existing_business": False,
        "ovop_product": True,
        "green_project": False,
    }
    assert check.verdicts is not None
    assert {v["rule"]: v["verdict"] for v in check.verdicts} == {
        "low_income_support": "pass",
        "able_to_work": "pass",
        "first_contract": "pass",
        "accepts_suspension": "pass",
        "training": "pass",
    }
    assert next(v for v in check.verdicts if v["rule"] == "first_contract")["source"].startswith(
        "assumed"
    )
    assert check.priority_flags == ["many_children", "disability", "ovop"]
    assert check.priority_score == 5
    assert check.finished_at is not None and check.started_at <= check.finished_at

    # The next step: the business plan starts, reusing the check's answers.
    await user.press(WORDS["ky"]["plan"])
    assert (await user.expect_answer()).text is None
    await user.expect(2)  # the plan's introduction and its first question
    async with harness.db() as db:
        draft = await db.scalar(select(Application).where(Application.user_id == 3001))
    assert draft is not None and draft.eligibility_check_id == check.id
    assert draft.priority_score == 5
    plan_run = await run_of(harness, 3001, "plan")
    assert plan_run is not None
    assert {"region", "district", "household_size", "disability"} <= set(plan_run.prefilled)


async def test_eligible_family_in_russian_with_a_typed_district(harness: BotHarness) -> None:
    user = await family(harness, 3002, "ru")
    await user.send("/check")
    intro, _ = await user.expect(2)
    assert "через 3 месяца" in intro.content and "на 3 года" in intro.content
    result = await answer_all(
        user,
        "ru",
        [
            ("osh_region", False),
            ("Кара-Кулжа району, Ылай-Талаа айылы", True),  # not on the buttons: typed
            ("passport", False),
            ("5", True),
            ("3", True),
            ("2", True),
            ("no", False),
            ("no", False),
            ("yes", False),
            ("yes", False),
            ("yes", False),  # existing business
            ("no", False),
            ("yes", False),  # green
        ],
    )
    text = result.content
    assert text.startswith(WORDS["ru"]["eligible"])
    assert "прекращается на 3 года" in text
    assert "⭐ Приоритет: 3 и более детей до 16 лет и зелёный проект." in text
    assert not any(ch in text.replace("«үй-бүлөгө көмөк»", "") for ch in "ңөү")
    assert inline(result) == [WORDS["ru"]["plan"]]
    [check] = await checks_of(harness, 3002)
    assert check.outcome == "eligible" and check.language == "ru"
    assert check.answers["district"] == "Кара-Кулжа району, Ылай-Талаа айылы"
    assert check.answers["support"] == "social_passport"
    assert check.priority_flags == ["many_children", "green"] and check.priority_score == 3


# -- families that cannot apply -------------------------------------------------------------


async def test_neither_benefit_nor_social_passport(harness: BotHarness) -> None:
    for user_id, language in ((3003, "ky"), (3004, "ru")):
        words = WORDS[language]
        user = await family(harness, user_id, language)
        await user.press(words["check"])
        await user.expect(2)
        result = await answer_all(
            user, language, [("chui", False), ("alamudun", False), ("neither", False)]
        )
        text = result.content
        assert text.startswith(words["not_eligible"])
        assert text.count("❌") == 2  # the headline and the one rule that decides
        if language == "ky":
            assert "айыл өкмөтүңүздөн сураңыз" in text
            assert "Калган шарттар текшерилген жок" in text
            assert "Аламүдүн району, Чүй облусу" in text  # where to go, in the family's words
        else:
            assert "Спросите в айыл окмоту" in text
            assert "Остальные условия не проверялись" in text
            assert "Аламудунский район, Чуйская область" in text
        assert "⭐" not in text  # priority does not matter for a family that cannot apply
        assert result.inline_buttons == []  # no plan button; the main menu instead
        assert words["check"] in [b for row in result.reply_buttons for b in row]
        await user.expect_silence()  # nothing more is asked

        [check] = await checks_of(harness, user_id)
        assert check.outcome == "not_eligible"
        assert check.answers == {
            "region": "KG-C",
            "district": "Аламүдүн району",
            "support": "neither",
        }
        assert check.verdicts is not None
        verdicts = {v["rule"]: v["verdict"] for v in check.verdicts}
        assert verdicts["low_income_support"] == "fail"
        assert set(verdicts.values()) == {"fail", "unknown"}
        assert check.priority_score == 0 and check.priority_flags == []


async def test_family_refusing_the_benefit_suspension(harness: BotHarness) -> None:
    for user_id, language in ((3005, "ru"), (3006, "ky")):
        words = WORDS[language]
        user = await family(harness, user_id, language)
        await user.press(words["check"])
        await user.expect(2)
        result = await answer_all(
            user,
            language,
            [
                ("chui", False),
                ("alamudun", False),
                ("benefit", False),
                ("4", True),
                ("1", True),
                ("2", True),
                ("no", False),
                ("no", False),
                ("no", False),  # refuses that the benefit stops
            ],
        )
        text = result.content
        assert text.startswith(words["not_eligible"])
        if language == "ru":
            assert "перестаёт получать «үй-бүлөгө көмөк» на 3 года" in text
        else:
            assert "«үй-бүлөгө көмөк» жөлөкпулун 3 жыл бою албай калат" in text
        assert result.inline_buttons == []
        [check] = await checks_of(harness, user_id)
        assert check.outcome == "not_eligible"
        assert check.answers["accepts_suspension"] is False
        assert "ready_for_training" not in check.answers  # not asked after the refusal
        assert check.verdicts is not None
        verdicts = {v["rule"]: v["verdict"] for v in check.verdicts}
        assert verdicts["accepts_suspension"] == "fail" and verdicts["training"] == "unknown"


async def test_contract_before_sends_the_family_to_the_district_office(
    harness: BotHarness,
) -> None:
    user = await family(harness, 3007, "ky")
    await user.send("/check")
    await user.expect(2)
    result = await answer_all(
        user,
        "ky",
        [
            ("chui", False),
            ("alamudun", False),
            ("passport", False),
            ("3", True),
            ("0", True),
            ("2", True),
            ("no", False),
            ("yes", False),  # had a social contract before: an assumption, the office decides
            ("yes", False),
            ("yes", False),
            ("no", False),
            ("no", False),
            ("no", False),
        ],
    )
    assert result.content.startswith(WORDS["ky"]["ask_office"])
    assert "⚠️ Үй-бүлөңүз мурда социалдык келишим түзгөн" in result.content
    assert "⭐ Артыкчылык: артыкчылык критерийлеринин бири да туура келбейт" in result.content
    assert inline(result) == [WORDS["ky"]["plan"]]  # may prepare the plan meanwhile
    [check] = await checks_of(harness, 3007)
    assert check.outcome == "ask_district_office"


# -- bad input ------------------------------------------------------------------------------


async def test_bad_input_at_each_question_type_in_kyrgyz(harness: BotHarness) -> None:
    user = await family(harness, 3008, "ky")
    await user.send("/check")
    await user.expect(2)

    # A choice question (region): typed nonsense, a sticker.
    reply = await step(user, "Марс", typed=True)
    assert "суроонун астындагы баскычтардын бирин тандаңыз" in reply.content
    assert "Чүй облусу" in inline(reply)  # the same question again
    await user.send_sticker()
    reply = await user.expect_one()
    assert "баскычтардын бирин тандаңыз" in reply.content and "Чүй облусу" in inline(reply)

    await step(user, "Чүй облусу")
    reply = await step(user, "x" * 150, typed=True)  # a district may be typed, not an essay
    assert "150" in reply.content and "Аламүдүн району" in inline(reply)
    await step(user, "Аламүдүн району")
    await step(user, WORDS["ky"]["benefit"])

    # Numbers: text, negative, zero people, absurd, more children than members.
    expected = [
        ("алты", "цифралар менен"),
        ("-3", "Адамдардын саны терс боло албайт. 1 – 30 аралыгындагы санды жөнөтүңүз."),
        ("0", "1 – 30 аралыгындагы санды жөнөтүңүз."),
        ("250", "Бир үй-бүлө үчүн бул өтө көп."),
        ("1.5", "бөлчөк"),
    ]
    for typed, fragment in expected:
        reply = await step(user, typed, typed=True)
        assert fragment in reply.content, (typed, reply.content)
        assert "өзүңүздү кошо алганда канча адам" in reply.content  # asked again
    await step(user, "5", typed=True)
    reply = await step(user, "5", typed=True)  # five children in a household of five
    assert "Үй-бүлөдө 5 адам бар, демек 16 жашка чейинки балдар эң көп дегенде 4" in reply.content
    reply = await step(user, "7", typed=True)
    assert "эң көп дегенде 4" in reply.content
    await step(user, "3", typed=True)
    reply = await step(user, "3", typed=True)  # 3 children + 3 adults > 5
    assert (
        "алардын 3 – 16 жашка чейинки балдар" in reply.content
        and "эң көп дегенде 2" in reply.content
    )
    reply = await step(user, "2", typed=True)

    # A yes/no question: a photo, then a typed answer matching the button.
    await user.send_photo(b"\xff\xd8\xff\xe0fakejpeg")
    reply = await user.expect_one()
    assert "майыптыгы бар адам барбы" in reply.content
    reply = await step(user, "ооба", typed=True)
    assert "социалдык келишим түзгөнбү" in reply.content

    # A button of an answered question, and forged data: refused politely.
    await user.press_data("f:999999:c:disability:1")
    assert (await user.expect_answer()).text == WORDS["ky"]["invalid_button"]
    await user.press_data("el:plan:999999")
    assert (await user.expect_answer()).text == WORDS["ky"]["invalid_button"]
    for forged in ("el:plan:abc:def", "el:plan:²", "el", "el:other:1"):
        await user.press_data(forged)
        assert (await user.expect_answer()).text == WORDS["ky"]["invalid_button"]

    # Nothing entered before was lost.
    run = await run_of(harness, 3008, "eligibility")
    assert run is not None and run.current == "had_contract_before"
    assert run.answers == {
        "region": "KG-C",
        "district": "Аламүдүн району",
        "support": "benefit",
        "household_size": 5,
        "children_under_16": 3,
        "able_to_work_adults": 2,
        "disability": True,
    }


async def test_bad_numbers_in_russian(harness: BotHarness) -> None:
    user = await family(harness, 3009, "ru")
    await user.send("/check")
    await user.expect(2)
    await answer_all(user, "ru", [("chui", False), ("alamudun", False), ("benefit", False)])
    reply = await step(user, "шесть", typed=True)
    assert "цифрами" in reply.content
    reply = await step(user, "-1", typed=True)
    assert "Число людей не может быть отрицательным. Отправьте число от 1 до 30." in reply.content
    reply = await step(user, "31", typed=True)
    assert "Для одной семьи это слишком много" in reply.content
    await step(user, "2", typed=True)
    reply = await step(user, "3", typed=True)
    assert "В семье 2 чел., поэтому детей до 16 лет может быть не больше 1" in reply.content
    await step(user, "1", typed=True)
    reply = await step(user, "2", typed=True)
    assert "трудоспособных взрослых может быть не больше 1" in reply.content
    reply = await step(user, "1", typed=True)
    assert "Есть ли в семье лицо с инвалидностью?" in reply.content
    run = await run_of(harness, 3009, "eligibility")
    assert run is not None
    assert run.answers["household_size"] == 2 and run.answers["children_under_16"] == 1


# -- restart, resume, history, a changed ruleset ----------------------------------------------


async def test_restart_in_the_middle_resumes_at_the_same_question(harness: BotHarness) -> None:
    user = await family(harness, 3010, "ky")
    await user.send("/check")
    await user.expect(2)
    await answer_all(
        user, "ky", [("chui", False), ("alamudun", False), ("benefit", False), ("4", True)]
    )
    await restart(harness)

    # The next answer goes to the same question, as if nothing happened.
    reply = await step(user, "2", typed=True)
    assert "эмгекке жөндөмдүү" in reply.content
    await restart(harness)

    # /check again: welcome back, the same question, nothing asked twice.
    await user.send("/check")
    back, question = await user.expect(2)
    assert back.content.startswith("Кайра кош келиңиз!")
    assert "эмгекке жөндөмдүү" in question.content
    result = await answer_all(
        user,
        "ky",
        [
            ("1", True),
            ("no", False),
            ("no", False),
            ("yes", False),
            ("yes", False),
            ("no", False),
            ("no", False),
            ("no", False),
        ],
    )
    assert result.content.startswith(WORDS["ky"]["eligible"])
    [check] = await checks_of(harness, 3010)
    assert check.answers["household_size"] == 4 and check.answers["children_under_16"] == 2
    run = await run_of(harness, 3010, "eligibility")
    assert run is not None and run.status is RunStatus.COMPLETED


async def test_a_verdict_that_never_arrived_is_shown_when_the_family_comes_back(
    harness: BotHarness,
) -> None:
    """The check is stored with the last answer; sending its verdict failed (Telegram down).
    «Check eligibility» then shows that verdict instead of starting a new check."""
    for user_id, language, back_text in (
        (3020, "ky", "Кайра кош келиңиз! Текшерүүңүз бүткөн."),
        (3021, "ru", "С возвращением! Ваша проверка завершена."),
    ):
        words = WORDS[language]
        user = await family(harness, user_id, language)
        await user.press(words["check"])
        await user.expect(2)
        await answer_all(user, language, ONE_ADULT_FAMILY[:-1])
        # Every try of the verdict fails (the bot retries 5xx four times); the apology gets out.
        harness.server.fail_next("5xx", method="sendMessage", count=4)
        await user.press(words["no"])
        apology = await user.expect_one()
        assert not apology.content.startswith(words["eligible"])
        assert len(await checks_of(harness, user_id)) == 1  # stored: the answer was complete

        await user.press(words["check"])
        back, verdict = await user.expect(2)
        assert back.content.startswith(back_text)
        assert verdict.content.startswith(words["eligible"])
        assert inline(verdict) == [words["plan"]]
        [check] = await checks_of(harness, user_id)  # shown, not checked again
        assert verdict.inline_buttons[0][0][1] == f"el:plan:{check.id}"

        # Seen now: the next «Check eligibility» starts a new check.
        await user.press(words["check"])
        _intro, region = await user.expect(2)
        assert words["chui"] in inline(region)


ONE_ADULT_FAMILY: list[tuple[str, bool]] = [
    ("chui", False),
    ("alamudun", False),
    ("benefit", False),
    ("3", True),
    ("1", True),
    ("1", True),  # one adult able to work
    ("no", False),
    ("no", False),
    ("yes", False),
    ("yes", False),
    ("no", False),
    ("no", False),
    ("no", False),
]


async def test_a_ruleset_change_flips_the_verdict_without_code(
    harness: BotHarness, tmp_path: Any
) -> None:
    user = await family(harness, 3011, "ru")
    await user.send("/check")
    await user.expect(2)
    first = await answer_all(user, "ru", ONE_ADULT_FAMILY)
    assert first.content.startswith(WORDS["ru"]["eligible"])

    # An administrator now requires two able-to-work adults, and bumps the version.
    text = DEFAULT_RULESET.read_text(encoding="utf-8")
    changed = text.replace('version = "2026.1"', 'version = "2026.2"').replace(
        'question = "able_to_work_adults"\nvalue = 1',
        'question = "able_to_work_adults"\nvalue = 2',
    )
    assert changed.count("2026.2") == 1 and "value = 2" in changed
    path = tmp_path / "ruleset.toml"
    path.write_text(changed, encoding="utf-8")
    harness.configure(ruleset_path=str(path))
    await restart(harness)

    await user.send("/check")
    intro, _ = await user.expect(2)
    assert not intro.content.startswith("С возвращением")  # a new check, not the old one resumed
    # The check now stops at the number of adults: nothing after it can help.
    second = await answer_all(user, "ru", ONE_ADULT_FAMILY[:6])
    await user.expect_silence()
    assert second.content.startswith(WORDS["ru"]["not_eligible"])
    assert "Для дела нужны трудоспособные взрослые (не меньше 2), а в вашей семье их: 1." in (
        second.content
    )

    # The history is kept: both checks, each with its ruleset version.
    old, new = await checks_of(harness, 3011)
    assert (old.ruleset_version, old.outcome) == ("2026.1", "eligible")
    assert (new.ruleset_version, new.outcome) == ("2026.2", "not_eligible")
    assert new.answers.items() <= old.answers.items()
    assert set(new.answers) == {
        "region",
        "district",
        "support",
        "household_size",
        "children_under_16",
        "able_to_work_adults",
    }

    # The plan button under the old verdict no longer starts the plan.
    await user.press_data(first.inline_buttons[0][0][1] or "", message=first)
    assert (await user.expect_answer()).text == WORDS["ru"]["invalid_button"]
    async with harness.db() as db:
        assert await db.scalar(select(Application).where(Application.user_id == 3011)) is None
