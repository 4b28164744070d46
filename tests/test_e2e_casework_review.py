"""End to end: review of an application by caseworkers, with a family and an admin at once.

The full path to "funded", a rejection with its reason, the info-request round trip, the
relay, and two caseworkers pressing Take at the same moment.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from db.enums import Role, Status
from db.models import Document, InfoRequest, RelayConversation, RelayMessage
from tests.casework_seed import (
    CW_CHUI,
    CW_CHUI_2,
    CW_ISSYK,
    FAMILY,
    PDF,
    add_caseworker,
    application_row,
    audit,
    casework,
    data_of,
    inline_texts,
    seed_submitted,
    start_user,
)
from tests.conftest import ADMIN_ID
from tests.fakebot import BotMessage, FakeUser
from tests.harness import BotHarness, eventually

__all__ = ["casework"]  # the fixture


def button_data(message: BotMessage, prefix: str) -> str:
    for row in message.inline_buttons:
        for _, data in row:
            if data and data.startswith(prefix):
                return data
    raise AssertionError(f"no button {prefix!r} in {message.summary()}")


async def confirm(user: FakeUser, card: BotMessage, target: str, app_id: int) -> BotMessage:
    """Press the move button on the card, then «Yes, confirm»; returns the new card."""
    await user.press_data(f"cw:to:{app_id}:{target}", message=card)
    prompt = await user.expect_one()
    await user.press_data(button_data(prompt, f"cw:ok:{app_id}:{target}"), message=prompt)
    await user.expect_edit()
    return await user.expect_one()


async def test_full_path_from_submission_to_funded(casework: BotHarness) -> None:
    admin = await start_user(casework, ADMIN_ID, "ru")
    family = await start_user(casework, FAMILY, "ky")
    worker = await start_user(casework, CW_CHUI, "ky")
    other = await start_user(casework, CW_ISSYK, "ru")
    await add_caseworker(casework, admin, worker, ["KG-C"])
    await add_caseworker(casework, admin, other, ["KG-Y"])

    app_id, ref = await seed_submitted(casework, FAMILY, region="KG-C")
    notice = await worker.expect_one()
    assert (
        notice.document is not None and casework.server.file_bytes(notice.document.file_id) == PDF
    )
    assert ref in notice.content and "Айгүл Токтогулова" in notice.content
    assert "Бал өндүрүү" in notice.content  # the business idea in the summary
    assert [d.split(":")[1] for row in notice.inline_buttons for _, d in row if d] == [
        "tk",
        "to",
        "rj",
        "ri",
        "m",
    ]
    await other.expect_silence()  # another region's caseworker is not told
    await admin.expect_silence()  # the region has a caseworker: no escalation

    await worker.press_data(f"cw:tk:{app_id}", message=notice)
    answer = await worker.expect_answer()
    assert ref in (answer.text or "")
    card = await worker.expect_one()
    assert "каралууда" in card.text.lower()
    told = await family.expect_one()
    assert ref in told.text and "каралууда" in told.text.lower()

    card = await confirm(worker, card, "approved", app_id)
    told = await family.expect_one()
    assert "бекитилди" in told.text.lower() and "келишим" in told.text.lower()
    card = await confirm(worker, card, "contract_signed", app_id)
    told = await family.expect_one()
    assert "кол коюлду" in told.text.lower()
    card = await confirm(worker, card, "funded", app_id)
    told = await family.expect_one()
    assert "каражат" in told.text.lower() and "которулду" in told.text.lower()

    row = await application_row(casework, app_id)
    assert row.status is Status.FUNDED and row.assigned_to == CW_CHUI
    changes = await audit(casework, app_id)
    assert [(c.from_status, c.to_status) for c in changes] == [
        (Status.DRAFT, Status.SUBMITTED),
        (Status.SUBMITTED, Status.IN_REVIEW),
        (Status.IN_REVIEW, Status.APPROVED),
        (Status.APPROVED, Status.CONTRACT_SIGNED),
        (Status.CONTRACT_SIGNED, Status.FUNDED),
    ]
    assert all(c.actor_id == CW_CHUI and c.actor_role is Role.CASEWORKER for c in changes[1:])
    assert all(c.created_at.tzinfo is not None for c in changes)

    # The family follows it in its language: status, history and the next step.
    await family.send("/status")
    page = await family.expect_one()
    assert ref in page.text and "Каражат которулду" in page.text
    for word in ("Арыз берилди", "Каралууда", "Бекитилди", "кол коюлду"):
        assert word in page.text
    assert "чек" in page.text.lower()  # next step: keep the receipts


async def test_rejection_with_its_reason(casework: BotHarness) -> None:
    admin = await start_user(casework, ADMIN_ID, "ru")
    family = await start_user(casework, FAMILY, "ru")
    worker = await start_user(casework, CW_CHUI_2, "ru")
    await add_caseworker(casework, admin, worker, ["KG-C"])
    app_id, ref = await seed_submitted(casework, FAMILY, language="ru")
    notice = await worker.expect_one()

    # Reject straight from the notice: it takes the application and asks the reason.
    await worker.press_data(f"cw:rj:{app_id}", message=notice)
    prompt = await worker.expect_one()
    assert ref in prompt.text and "причин" in prompt.text.lower()
    await worker.send("Бизнес-план не указывает рынок сбыта.")
    done, card = await worker.expect(2)
    assert "отклонена" in done.text.lower()
    under, told = await family.expect(2)  # each change: "under review", then the decision
    assert "на рассмотрении" in under.text and "Причина" not in under.text
    assert ref in told.text and "отклонена" in told.text.lower()
    assert "Бизнес-план не указывает рынок сбыта." in told.text

    row = await application_row(casework, app_id)
    assert row.status is Status.REJECTED
    last = (await audit(casework, app_id))[-1]
    assert (last.from_status, last.to_status) == (Status.IN_REVIEW, Status.REJECTED)
    assert last.comment == "Бизнес-план не указывает рынок сбыта." and last.actor_id == CW_CHUI_2

    # A replayed Approve on the rejected application is refused: the state machine says no.
    await worker.press_data(f"cw:ok:{app_id}:approved", message=card)
    refused = await worker.expect_answer()
    assert refused.show_alert and "отклонена" in (refused.text or "").lower()
    assert (await application_row(casework, app_id)).status is Status.REJECTED


async def test_info_request_round_trip_and_relay(casework: BotHarness) -> None:
    admin = await start_user(casework, ADMIN_ID, "ru")
    family = await start_user(casework, FAMILY, "ky")
    worker = await start_user(casework, CW_CHUI_2, "ru")
    await add_caseworker(casework, admin, worker, ["KG-C"])
    app_id, ref = await seed_submitted(casework, FAMILY)
    notice = await worker.expect_one()

    await worker.press_data(f"cw:ri:{app_id}", message=notice)
    await worker.expect_one()
    await worker.send("Пришлите, пожалуйста, фото паспорта.")
    await worker.expect(2)  # "sent to the family" and the card
    under, asked = await family.expect(2)
    assert "каралууда" in under.text
    assert "кошумча маалымат керек" in asked.text.lower()
    assert "Пришлите, пожалуйста, фото паспорта." in asked.text
    assert "User3102" not in asked.text and "3102" not in asked.text  # never the account
    assert (await application_row(casework, app_id)).status is Status.NEEDS_INFO

    # The family answers with a file; it reaches the caseworker and joins the application.
    await family.send_photo(b"\xff\xd8\xff\xe0passport", caption="Паспорттун сүрөтү")
    thanks = await family.expect_one()
    assert ref in thanks.text
    forwarded = await worker.expect_one()
    assert forwarded.photo is not None
    assert casework.server.file_bytes(forwarded.photo.file_id) == b"\xff\xd8\xff\xe0passport"
    assert "Паспорттун сүрөтү" in forwarded.content and ref in forwarded.content
    row = await application_row(casework, app_id)
    assert row.status is Status.IN_REVIEW
    async with casework.db() as db:
        request = (await db.scalars(select(InfoRequest))).one()
        assert request.answered_at is not None and request.answer_text == "Паспорттун сүрөтү"
        document = await db.get(Document, request.answer_document_id)
        assert document is not None and document.kind == "info_reply"
    changes = await audit(casework, app_id)
    assert changes[-1].actor_role is Role.APPLICANT
    assert (changes[-1].from_status, changes[-1].to_status) == (
        Status.NEEDS_INFO,
        Status.IN_REVIEW,
    )

    # Relay: the caseworker writes, the family sees the bot speaking and answers back.
    await worker.press_data(data_of(forwarded, inline_texts(forwarded)[0]), message=forwarded)
    await worker.expect_one()
    await worker.send("Спасибо! Когда вам удобно прийти в управление?")
    delivered = await worker.expect_one()
    assert ref in delivered.text
    relayed = await family.expect_one()
    assert relayed.text.startswith("💬 Социалдык кызматкер")
    assert "Когда вам удобно прийти" in relayed.text
    await family.send("Эртең саат 10до келем.")
    await family.expect_one()  # "sent to the social worker"
    back = await worker.expect_one()
    assert "Эртең саат 10до келем." in back.text and ref in back.text

    async with casework.db() as db:
        messages = list(await db.scalars(select(RelayMessage).order_by(RelayMessage.id)))
        assert [m.direction for m in messages] == ["from_family", "to_family", "from_family"]
        conversation = await db.get(RelayConversation, app_id)
        assert conversation is not None and conversation.caseworker_id == CW_CHUI_2

    # The transcript is in /app.
    await worker.send(f"/app {ref}")
    shown = await worker.expect(2)
    joined = "\n".join(m.text for m in shown)
    assert "Пришлите, пожалуйста, фото паспорта." in joined
    assert "Эртең саат 10до келем." in joined

    # Ending the conversation: the family's text is no longer relayed.
    await worker.press_data(f"cw:end:{app_id}", message=back)
    await worker.expect_answer()
    await family.expect_one()
    await family.send("Дагы бир суроо")
    assert "түшүнгөн жокмун" in (await family.expect_one()).text
    await worker.expect_silence()


async def test_take_race_exactly_one_wins(casework: BotHarness) -> None:
    admin = await start_user(casework, ADMIN_ID, "ru")
    await start_user(casework, FAMILY, "ky")
    first = await start_user(casework, CW_CHUI, "ky")
    second = await start_user(casework, CW_CHUI_2, "ru")
    await add_caseworker(casework, admin, first, ["KG-C"])
    await add_caseworker(casework, admin, second, ["KG-C"])
    app_id, ref = await seed_submitted(casework, FAMILY)
    notice_1 = await first.expect_one()
    notice_2 = await second.expect_one()

    await asyncio.gather(
        first.press_data(f"cw:tk:{app_id}", message=notice_1),
        second.press_data(f"cw:tk:{app_id}", message=notice_2),
    )
    answers = [await first.expect_answer(), await second.expect_answer()]
    row = await application_row(casework, app_id)
    assert row.assigned_to in (CW_CHUI, CW_CHUI_2)
    winner, loser = (0, 1) if row.assigned_to == CW_CHUI else (1, 0)
    assert ref in (answers[winner].text or "") and not answers[winner].show_alert
    assert answers[loser].show_alert
    assert "User" + str(row.assigned_to) in (answers[loser].text or "")  # who has it
    takes = [c for c in await audit(casework, app_id) if c.to_status is Status.IN_REVIEW]
    assert len(takes) == 1 and takes[0].actor_id == row.assigned_to

    # The loser's notice now says who took it and keeps only «Details».
    loser_user, loser_notice = (first, notice_1) if loser == 0 else (second, notice_2)

    async def updated() -> bool:
        return len(loser_notice.inline_buttons) == 1 and bool(loser_notice.history)

    await eventually(updated, what="the loser's notice edited")
    assert "User" + str(row.assigned_to) in loser_notice.content
    await loser_user.press_data(f"cw:ok:{app_id}:approved", message=loser_notice)
    assert (await loser_user.expect_answer()).show_alert  # cannot decide on it either
    assert (await application_row(casework, app_id)).status is Status.IN_REVIEW


async def test_a_real_submission_reaches_the_caseworker_of_its_region(
    casework: BotHarness,
) -> None:
    """The business-plan flow's own submission (issue 4) notifies the region's caseworker."""
    from tests.test_e2e_plan import Family, application_of, fill_plan, submit

    admin = await start_user(casework, ADMIN_ID, "ru")
    worker = await start_user(casework, CW_ISSYK, "ru")
    elsewhere = await start_user(casework, CW_CHUI, "ky")
    await add_caseworker(casework, admin, worker, ["KG-Y"])
    await add_caseworker(casework, admin, elsewhere, ["KG-C"])
    family = Family(casework, casework.user(4101, language_code="ky"), "ky")
    await family.start()
    await family.apply()
    await fill_plan(family)
    _, pdf = await submit(family)
    row = await application_of(casework, 4101)
    assert row.status is Status.SUBMITTED and row.region == "KG-Y"

    notice = await worker.expect_one(timeout=10)
    assert row.ref is not None and row.ref in notice.content
    assert notice.document is not None and pdf.document is not None
    assert notice.document.data == pdf.document.data  # the family's own PDF
    assert "tk" in [d.split(":")[1] for r in notice.inline_buttons for _, d in r if d]
    await elsewhere.expect_silence()

    await worker.press_data(f"cw:tk:{row.id}", message=notice)
    await worker.expect_answer()
    told = await family.user.expect_one()
    assert row.ref in told.text and "каралууда" in told.text.lower()

    # The caseworker reads the answers under the questionnaire's own labels, in Russian.
    await worker.expect_one()  # the card after Take
    await worker.send(f"/app {row.ref}")
    _card, *details = await worker.expect(2)
    joined = "\n".join(m.text for m in details)
    assert "Үйдө сүт азыктарын өндүрөбүз" in joined and "business_type" not in joined


async def test_relay_yields_to_a_questionnaire_the_family_starts_later(
    casework: BotHarness,
) -> None:
    admin = await start_user(casework, ADMIN_ID, "ru")
    family = await start_user(casework, FAMILY, "ky")
    worker = await start_user(casework, CW_CHUI, "ky")
    await add_caseworker(casework, admin, worker, ["KG-C"])
    app_id, ref = await seed_submitted(casework, FAMILY)
    notice = await worker.expect_one()
    await worker.press_data(f"cw:m:{app_id}", message=notice)
    await worker.expect_one()
    await worker.send("Саламатсызбы! Документтериңизди алып келиңиз.")
    await worker.expect_one()  # delivered
    _, relayed = await family.expect(2)  # "under review" (the message took it), the message
    assert "Документтериңизди алып келиңиз." in relayed.text
    await family.send("Макул, рахмат!")
    await family.expect_one()
    assert "Макул, рахмат!" in (await worker.expect_one()).text

    # The family now runs the eligibility check: its typed answers go to the form.
    await family.press("✅ Укукту текшерүү")
    await family.expect(2)
    for label in ("Чүй облусу", "Аламүдүн району", "«Үй-бүлөгө көмөк» алабыз"):
        await family.press(label)
        await family.expect_one()
    await family.send("6")
    next_question = await family.expect_one()
    assert "жөнөтүлдү" not in next_question.text  # not "sent to the social worker"
    await worker.expect_silence()
    async with casework.db() as db:
        texts = [m.text for m in await db.scalars(select(RelayMessage))]
    assert texts == ["Саламатсызбы! Документтериңизди алып келиңиз.", "Макул, рахмат!"]
    assert ref
