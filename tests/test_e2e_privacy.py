"""End to end: /mydata and /deleteme, in Kyrgyz and Russian, checked against every table.

The families here apply for real (tests/test_e2e_plan.py's helpers), so the rows are the ones
the flows write; what no flow here writes (a check, an announcement) is seeded in the database.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from db.enums import Role, Status
from db.models import Application, Document, PrivacyRequest, StatusChange, User
from tests.conftest import ADMIN_ID
from tests.fakebot import BotMessage
from tests.harness import BotHarness
from tests.privacy_helpers import family_rows, parse_export, seed_check_and_broadcast
from tests.test_e2e_eligibility import inline
from tests.test_e2e_plan import ANSWERS, Family, application_of, fill_plan, submit

ANNOUNCER = 8999  # an admin who wrote an announcement (not in ADMIN_IDS: no escalations)
WORDS = {
    "ky": {
        "confirm": "🗑 Ооба, маалыматтарымды өчүрүү",
        "cancel": "Жокко чыгаруу, маалыматтарым калсын",
        "pdf": "📄 Бизнес-пландын PDF-файлын кайра жөнөтүү",
        "picker": "Тилди тандаңыз",
    },
    "ru": {
        "confirm": "🗑 Да, удалить мои данные",
        "cancel": "Отмена, оставить мои данные",
        "pdf": "📄 Прислать PDF бизнес-плана ещё раз",
        "picker": "Выберите язык",
    },
}


async def applied(harness: BotHarness, user_id: int, language: str) -> tuple[Family, Application]:
    """A family that filled in the whole business plan and submitted it."""
    harness.user(ADMIN_ID, language_code="ru")  # no caseworker serves the region: escalated
    family = Family(harness, harness.user(user_id, language_code=language), language)
    await family.start()
    await family.apply()
    await fill_plan(family)
    await submit(family)
    await harness.settle()  # the staff notice goes out after the submission's reply
    return family, await application_of(harness, user_id)


async def audit_rows(harness: BotHarness, user_id: int) -> list[PrivacyRequest]:
    async with harness.db() as db:
        rows = await db.scalars(
            select(PrivacyRequest)
            .where(PrivacyRequest.user_id == user_id)
            .order_by(PrivacyRequest.id)
        )
        return list(rows)


def assert_no_personal_data(request: PrivacyRequest, *secrets: str) -> None:
    text = json.dumps([request.kind, request.outcome, request.counts, request.kept])
    for secret in secrets:
        assert secret not in text


async def ask_and_confirm(family: Family) -> tuple[BotMessage, BotMessage]:
    """/deleteme, then the confirmation button; returns the question and the final message."""
    await family.user.send("/deleteme")
    question = await family.user.expect_one()
    words = WORDS[family.language]
    assert inline(question) == [words["confirm"], words["cancel"]]
    await family.user.press(WORDS[family.language]["confirm"])
    done = await family.user.expect_one()
    await family.harness.settle()
    return question, done


async def test_mydata_after_a_full_application_in_kyrgyz(harness: BotHarness) -> None:
    family, application = await applied(harness, 8101, "ky")
    ref = application.ref
    assert ref is not None

    await family.user.send("/mydata")
    file, *summary = await family.user.expect(2)
    await harness.settle()
    summary += family.user.unread
    family.user.mark_read()

    export = parse_export(file)
    assert file.document is not None and file.document.file_name == "my-data-8101.json"
    assert file.document.data.decode("utf-8").startswith("{\n  ")  # pretty-printed UTF-8
    tables = export["tables"]
    (stored,) = tables["applications"]
    assert stored["ref"] == ref and stored["status"] == "submitted"
    assert stored["full_name"] == ANSWERS["ky"]["full_name"]  # Cyrillic, not \u escapes
    assert stored["pin"] == "21503198512345" and stored["phone"] == "+996555123456"
    assert stored["answers"]["description"] == ANSWERS["ky"]["description"]
    assert stored["answers"]["budget_total"] == 130_000
    kinds = {d["kind"] for d in tables["documents"]}
    assert kinds == {"id_card", "disability_certificate", "business_plan_pdf"}
    pdf_row = next(d for d in tables["documents"] if d["kind"] == "business_plan_pdf")
    assert pdf_row["content"]["file_contents_not_included"] is True
    assert [c["to_status"] for c in tables["status_changes"]] == ["draft", "submitted"]
    assert {r["form_id"] for r in tables["form_runs"]} == {"plan"}
    log_texts = [row["text"] for row in tables["message_log"]]
    assert ANSWERS["ky"]["full_name"] in log_texts  # what the family typed
    assert "/mydata" in log_texts
    assert any(row["direction"] == "out" for row in tables["message_log"])
    assert tables["users"][0]["language"] == "ky"
    # Staff-only tables are not in the family's copy.
    assert "case_notes" not in tables and "pending_inputs" not in tables

    text = "\n".join(m.text or "" for m in summary)
    assert all(len(m.text or "") <= 4096 for m in summary)
    assert "📦 Сиздин маалыматтарыңыз" in text
    assert f"📄 Арыз {ref}" in text and "Арыз берүүчү: Өмүрбекова Гүлнара Үсөновна" in text
    assert "ПИН: 21503198512345" in text and "+996 555 123 456" in text
    assert "Маек тарыхы:" in text and "Бардык билдирүүлөр файлда" in text
    assert "/deleteme" in text

    # The PDF is not in the JSON: its button sends the stored file again.
    await family.user.press(WORDS["ky"]["pdf"])
    again = await family.user.expect_one()
    async with harness.db() as db:
        row = await db.get(Application, application.id)
        assert row is not None
    assert again.document is not None and again.document.data.startswith(b"%PDF")

    (request,) = await audit_rows(harness, 8101)
    assert request.kind == "export" and request.counts is not None
    assert request.counts["applications"] == 1 and request.counts["message_log"] > 10
    assert_no_personal_data(request, "21503198512345", "Өмүрбекова", "+996555123456")


async def test_mydata_of_a_new_family_in_russian(harness: BotHarness) -> None:
    family = Family(harness, harness.user(8102, language_code="ru"), "ru")
    await family.start()
    await family.user.send("/mydata")
    file, summary = await family.user.expect(2)
    export = parse_export(file)
    assert export["tables"]["applications"] == []
    assert export["tables"]["users"][0]["id"] == 8102
    assert export["readme"].startswith("Всё, что бот «Социальный контракт» хранит о вас")
    assert "📄 У вас нет заявок." in summary.text
    assert "История переписки: сообщений —" in summary.text
    assert summary.inline_buttons == []  # no PDF to send again


async def test_deleteme_without_a_contract_erases_everything(harness: BotHarness) -> None:
    family, application = await applied(harness, 8201, "ru")
    caseworker = harness.user(8299, language_code="ky", first_name="Worker")
    await caseworker.send("/start")
    await caseworker.expect_one()
    await seed_check_and_broadcast(harness, 8201, ANNOUNCER)
    async with harness.db() as db:
        row = await db.get(Application, application.id)
        assert row is not None
        row.assigned_to = 8299  # a caseworker holds it: they learn of the withdrawal
        await db.commit()
    before = await family_rows(harness, 8201, [application.id])
    assert all(before[t] for t in ("message_log", "form_runs", "documents", "eligibility_checks"))
    assert before["broadcast_deliveries"]

    question, done = await ask_and_confirm(family)
    assert f"Сначала ваша открытая заявка {application.ref} будет отозвана" in question.text
    assert "Это нельзя отменить" in question.text
    assert done.text.startswith("✅ Ваши данные удалены.")
    assert done.reply_markup == {"remove_keyboard": True}
    notice = await caseworker.expect_one()
    assert f"Үй-бүлө {application.ref} арызын кайтарып алды" in notice.text

    after = await family_rows(harness, 8201, [application.id])
    gone = {name for name, rows in after.items() if not rows}
    # What stays: an anonymous record of the submitted application (its FK needs the user's
    # tombstone), its status history, the staff's notices about it (staff chat and message
    # ids only) and the audit of this request.
    assert set(after) - gone == {
        "users",
        "applications",
        "status_changes",
        "case_notices",
        "privacy_requests",
    }
    assert all(n["chat_id"] == ADMIN_ID for n in after["case_notices"])
    (user,) = after["users"]
    assert user["first_name"] == "" and user["last_name"] is None and user["username"] is None
    assert user["language"] is None and user["region"] is None
    (record,) = after["applications"]
    assert record["status"] is Status.WITHDRAWN and record["ref"] == application.ref
    assert record["pin"] is None and record["phone"] is None and record["full_name"] is None
    assert record["answers"] == {} and record["district"] is None
    assert record["eligibility_check_id"] is None and record["priority_score"] == 0
    changes = [(c["from_status"], c["to_status"]) for c in after["status_changes"]]
    assert changes[-1] == (Status.SUBMITTED, Status.WITHDRAWN)  # withdrawn by the lifecycle
    assert all(c["actor_role"] is Role.APPLICANT for c in after["status_changes"])
    assert all(c["comment"] is None for c in after["status_changes"])
    (request,) = await audit_rows(harness, 8201)
    assert request.kind == "erase" and request.outcome == "erased"
    assert request.counts is not None and request.counts["deleted"]["documents"] == 3
    assert_no_personal_data(request, "21503198512345", "Иванова", "+996555123456")

    # The next /start is a first visit: the language is asked again.
    await family.user.send("/start")
    picker = await family.user.expect_one()
    assert WORDS["ru"]["picker"] in picker.text
    assert [d for row in picker.inline_buttons for _, d in row] == ["lang:ky", "lang:ru"]


async def test_deleteme_of_a_draft_only_family_removes_the_user(harness: BotHarness) -> None:
    family = Family(harness, harness.user(8202, language_code="ky"), "ky")
    await family.start()
    await family.apply()
    await family.say(ANSWERS["ky"]["full_name"])  # a draft with one answer
    async with harness.db() as db:
        draft = await db.scalar(select(Application).where(Application.user_id == 8202))
        assert draft is not None and draft.status is Status.DRAFT

    question, done = await ask_and_confirm(family)
    assert "бардык маалыматты өчүрөт" in question.text
    assert "статистикасы" not in question.text  # nothing was ever submitted
    assert done.text.startswith("✅ Маалыматтарыңыз өчүрүлдү.")

    after = await family_rows(harness, 8202, [draft.id])
    assert {name for name, rows in after.items() if rows} == {"privacy_requests"}
    await family.user.send("/start")
    assert WORDS["ky"]["picker"] in (await family.user.expect_one()).text


async def test_deleteme_with_a_signed_contract_keeps_the_contract(harness: BotHarness) -> None:
    family, application = await applied(harness, 8301, "ky")
    await seed_check_and_broadcast(harness, 8301, ANNOUNCER)
    async with harness.db() as db:
        row = await db.get(Application, application.id)
        assert row is not None
        for source, target in (
            (Status.SUBMITTED, Status.IN_REVIEW),
            (Status.IN_REVIEW, Status.APPROVED),
            (Status.APPROVED, Status.CONTRACT_SIGNED),
        ):
            db.add(
                StatusChange(
                    application_id=row.id,
                    from_status=source,
                    to_status=target,
                    actor_id=ADMIN_ID,
                    actor_role=Role.ADMIN,
                    comment="ok",
                )
            )
        row.status = Status.CONTRACT_SIGNED
        row.eligibility_check_id = 1
        await db.commit()
    before = await family_rows(harness, 8301, [application.id])

    question, done = await ask_and_confirm(family)
    ref = application.ref
    assert f"Сиз социалдык келишимге кол койгонсуз ({ref} арызы)" in question.text
    assert "3 жыл бою мамлекет гранттын кантип колдонулганын текшере алышы керек" in question.text
    assert "Калганынын баары өчүрүлөт" in question.text
    assert f"социалдык келишимдин {ref} арызы гана калды" in done.text
    assert "3 жыл бою ал сакталат" in done.text

    after = await family_rows(harness, 8301, [application.id])
    for kept in ("documents", "status_changes"):
        assert len(after[kept]) == len(before[kept]) > 0, kept
    (contract,) = after["applications"]
    assert contract["status"] is Status.CONTRACT_SIGNED
    assert contract["full_name"] == ANSWERS["ky"]["full_name"]
    assert contract["pin"] == "21503198512345" and contract["phone"] == "+996555123456"
    assert contract["answers"] == before["applications"][0]["answers"]
    assert contract["eligibility_check_id"] is None  # the check itself is erased
    for erased in ("message_log", "form_runs", "eligibility_checks", "broadcast_deliveries"):
        assert after[erased] == [], erased
    (user,) = after["users"]
    assert user["language"] is None and user["first_name"] == ""
    (request,) = await audit_rows(harness, 8301)
    assert request.outcome == "kept_contract" and request.kept == [application.id]


async def test_deleteme_cancel_keeps_everything(harness: BotHarness) -> None:
    family, application = await applied(harness, 8401, "ru")
    before = await family_rows(harness, 8401, [application.id])
    await family.user.send("/deleteme")
    await family.user.expect_one()
    family.user.mark_read()
    await family.user.press(WORDS["ru"]["cancel"])
    cancelled = await family.user.expect_edit()
    assert cancelled.text == "Ничего не удалено. Ваши данные остались как были."
    await harness.settle()
    after = await family_rows(harness, 8401, [application.id])
    for name, rows in before.items():
        if name in ("message_log", "privacy_requests"):
            continue  # the request itself was added
        assert after[name] == rows, name
    assert len(after["message_log"]) > len(before["message_log"])
    (request,) = await audit_rows(harness, 8401)
    assert request.kind == "erase_cancelled"


async def test_deleteme_while_approved_is_refused_and_explained(harness: BotHarness) -> None:
    family, application = await applied(harness, 8501, "ru")
    async with harness.db() as db:
        row = await db.get(Application, application.id)
        assert row is not None
        row.status = Status.APPROVED
        await db.commit()
    await family.user.send("/deleteme")
    refusal = await family.user.expect_one()
    assert f"Ваша заявка {application.ref} одобрена" in refusal.text
    assert "Ничего не удалено" in refusal.text and refusal.inline_buttons == []
    async with harness.db() as db:
        user = await db.get(User, 8501)
        assert user is not None and user.language == "ru"
    (request,) = await audit_rows(harness, 8501)
    assert request.kind == "erase_refused" and request.outcome == "decision_pending"


async def test_old_or_forged_confirmation_buttons_erase_nothing(harness: BotHarness) -> None:
    family = Family(harness, harness.user(8601, language_code="ru"), "ru")
    await family.start()
    for data in ("pv:del:1", "pv:del:x", "pv:del", "pv:pdf:99999", "pv:pdf:²"):
        await family.user.press_data(data)
        answer = await family.user.expect_answer()
        assert answer.text is not None and "больше не действует" in answer.text
    async with harness.db() as db:
        user = await db.get(User, 8601)
        assert user is not None and user.language == "ru"
    assert await audit_rows(harness, 8601) == []


async def test_another_familys_pdf_cannot_be_fetched_with_forged_button_data(
    harness: BotHarness,
) -> None:
    _, application = await applied(harness, 8701, "ru")
    async with harness.db() as db:
        pdf_id = await db.scalar(
            select(Document.id).where(
                Document.application_id == application.id, Document.kind == "business_plan_pdf"
            )
        )
    assert pdf_id is not None
    stranger = Family(harness, harness.user(8702, language_code="ru"), "ru")
    await stranger.start()
    await stranger.user.press_data(f"pv:pdf:{pdf_id}")  # a real id, of another family
    answer = await stranger.user.expect_answer()
    assert answer.text is not None and "больше не действует" in answer.text
    await stranger.user.expect_silence(0.5)  # no document went to the stranger
