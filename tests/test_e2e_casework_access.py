"""End to end: roles. Every privileged command and button is refused to a family and to a
caseworker of another region (forged or replayed callback data included), and logged; admins
add caseworkers by id or invite link, assign regions and remove them; /whoami."""

from __future__ import annotations

import csv
import io
import logging

import pytest
from sqlalchemy import select

from db.enums import Role, Status
from db.models import CaseNote, CaseworkerRegion, Document, Invite, PendingInput, User
from tests.casework_seed import (
    CW_CHUI,
    CW_ISSYK,
    FAMILY,
    add_caseworker,
    application_row,
    audit,
    casework,
    seed_submitted,
    start_user,
)
from tests.conftest import ADMIN_ID
from tests.harness import BotHarness

__all__ = ["casework"]


async def test_every_privileged_action_refused_to_family_and_other_region(
    casework: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    admin = await start_user(casework, ADMIN_ID, "ru")
    family = await start_user(casework, FAMILY, "ky")
    worker = await start_user(casework, CW_CHUI, "ky")
    stranger = await start_user(casework, CW_ISSYK, "ru")
    await add_caseworker(casework, admin, worker, ["KG-C"])
    await add_caseworker(casework, admin, stranger, ["KG-Y"])
    app_id, ref = await seed_submitted(casework, FAMILY, region="KG-C")
    notice = await worker.expect_one()
    async with casework.db() as db:
        doc_id = (await db.scalars(select(Document.id))).one()
    pin = (await application_row(casework, app_id)).pin

    buttons = [data for row in notice.inline_buttons for _, data in row if data]
    buttons += [
        f"cw:to:{app_id}:approved",
        f"cw:ok:{app_id}:approved",
        f"cw:ok:{app_id}:funded",
        f"cw:v:{app_id}",
        f"cw:pdf:{app_id}",
        f"cw:n:{app_id}",
        f"cw:end:{app_id}",
        f"cw:d:{doc_id}",
        "cw:x:csv:act:KG-C",
        "cw:q:all:KG-C:0",
        f"adm:rg:{CW_ISSYK}:KG-C",
        f"adm:ok:{CW_ISSYK}",
        f"adm:rmy:{CW_CHUI}",
        "adm:inv",
    ]
    for person, region_word in ((family, None), (stranger, "не обслуживаете")):
        for data in buttons:
            await person.press_data(data)  # replayed from the caseworker's notice, or forged
            answer = await person.expect_answer()
            assert answer.show_alert, (data, answer)
            if region_word and data.startswith(("cw:tk", "cw:to", "cw:ok", "cw:v", "cw:rj")):
                assert region_word in (answer.text or ""), (data, answer.text)
        # Commands of staff and admins.
        for command in (
            "/queue",
            f"/app {ref}",
            f"/note {ref} чужая заметка",
            "/caseworkers",
            f"/addcaseworker {FAMILY}",
            "/invite",
        ):
            await person.send(command)
            reply = await person.expect_one()
            assert ref not in reply.text or "не обслуживаете" in reply.text, (command, reply.text)
            assert "t.me/" not in reply.text
        await person.send(f"/find {pin}")
        found = await person.expect_one()
        assert ref not in found.text
    # The other region's queue and export hold nothing of Chüy.
    await stranger.send("/queue")
    assert ref not in (await stranger.expect_one()).text
    await stranger.press_data("cw:x:csv:all:all")
    await stranger.expect_answer()
    exported = await stranger.expect_one()
    assert exported.document is not None
    text = casework.server.file_bytes(exported.document.file_id).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text)))) == 1  # the header only

    # Nothing changed, nothing was stored, and the refusals were logged.
    row = await application_row(casework, app_id)
    assert row.status is Status.SUBMITTED and row.assigned_to is None
    assert len(await audit(casework, app_id)) == 1
    async with casework.db() as db:
        assert (await db.scalars(select(CaseNote))).all() == []
        assert (await db.scalars(select(PendingInput))).all() == []
        assert (await db.scalars(select(Invite))).all() == []
        regions = (
            await db.scalars(
                select(CaseworkerRegion.region).where(CaseworkerRegion.user_id == CW_ISSYK)
            )
        ).all()
        assert regions == ["KG-Y"]
        assert (await db.get(User, CW_CHUI)).role is Role.CASEWORKER  # type: ignore[union-attr]
        assert (await db.get(User, FAMILY)).role is Role.APPLICANT  # type: ignore[union-attr]
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert any(f"user {FAMILY}" in m for m in refusals)
    assert any(f"user {CW_ISSYK}" in m and "other_region" in m for m in refusals)
    assert all("2010119" not in m for m in refusals)  # no PIN in the logs

    # The rightful caseworker still can.
    await worker.press_data(f"cw:tk:{app_id}", message=notice)
    assert not (await worker.expect_answer()).show_alert


async def test_admin_adds_by_invite_link_assigns_regions_and_removes(
    casework: BotHarness,
) -> None:
    admin = await start_user(casework, ADMIN_ID, "ru")
    family = await start_user(casework, FAMILY, "ky")
    await family.send("/whoami")
    assert "арыз берүүчү" in (await family.expect_one()).text
    await admin.send("/whoami")
    assert "администратор" in (await admin.expect_one()).text

    await admin.send("/invite")
    link = (await admin.expect_one()).text
    token = link.split("start=inv_")[1].split()[0]
    newcomer = casework.user(CW_ISSYK, first_name="Бакыт", language_code="ru")
    await newcomer.send(f"/start inv_{token}")
    welcome = await newcomer.expect_one()
    assert "социальный работник" in welcome.text.lower()
    picker = await admin.expect_one()
    assert "Бакыт" in picker.text
    await admin.press("Нарынская область")
    await admin.expect_answer()
    edited = await admin.expect_edit()
    assert "✅ Нарынская область" in [t for row in edited.inline_buttons for t, _ in row]
    await admin.press("✔️ Готово")
    assert "Нарынская область" in (await admin.expect_edit()).text
    assert "Нарынская область" in (await newcomer.expect_one()).text
    async with casework.db() as db:
        user = await db.get(User, CW_ISSYK)
        assert user is not None and user.role is Role.CASEWORKER
        regions = (await db.scalars(select(CaseworkerRegion.region))).all()
        assert regions == ["KG-N"]
        invite = (await db.scalars(select(Invite))).one()
        assert invite.used_by == CW_ISSYK and invite.created_by == ADMIN_ID
    scope = {"type": "chat", "chat_id": CW_ISSYK}
    assert "queue" in {c["command"] for c in casework.server.commands(scope=scope)}
    await newcomer.send("/whoami")
    assert "Нарынская область" in (await newcomer.expect_one()).text

    # The link works once.
    await family.send(f"/start inv_{token}")
    assert "жарактуу эмес" in (await family.expect_one()).text
    async with casework.db() as db:
        assert (await db.get(User, FAMILY)).role is Role.APPLICANT  # type: ignore[union-attr]

    # A caseworker cannot remove anyone; the admin can.
    await newcomer.press_data(f"adm:rmy:{CW_ISSYK}")
    assert (await newcomer.expect_answer()).show_alert
    await admin.send("/caseworkers")
    listing = await admin.expect_one()
    assert "Бакыт" in listing.text and "Нарынская" in listing.text
    await admin.press_data(f"adm:rm:{CW_ISSYK}", message=listing)
    await admin.expect_answer()
    await admin.expect_one()
    await admin.press("Да, удалить")
    assert "удалён" in (await admin.expect_edit()).text
    assert "отключён" in (await newcomer.expect_one()).text
    async with casework.db() as db:
        user = await db.get(User, CW_ISSYK)
        assert user is not None and user.role is Role.APPLICANT
        assert (await db.scalars(select(CaseworkerRegion))).all() == []
    assert casework.server.commands(scope=scope) == []
    await newcomer.send("/queue")
    assert "только для социальных работников" in (await newcomer.expect_one()).text


async def test_admin_adds_by_user_id_typed_after_the_button(casework: BotHarness) -> None:
    admin = await start_user(casework, ADMIN_ID, "ru")
    worker = await start_user(casework, CW_CHUI, "ky")
    await admin.send("/caseworkers")
    await admin.expect_one()
    await admin.press("➕ Добавить по ID")
    await admin.expect_answer()
    await admin.expect_one()
    await admin.send("не число")
    assert "только цифры" in (await admin.expect_one()).text
    await admin.press("➕ Добавить по ID")
    await admin.expect_answer()
    await admin.expect_one()
    await admin.send(str(CW_CHUI))
    picker = await admin.expect_one()
    assert str(CW_CHUI) in picker.text
    await admin.press("Чуйская область")
    await admin.expect_answer()
    await admin.expect_edit()
    await admin.press("город Ош")
    await admin.expect_answer()
    await admin.expect_edit()
    await admin.press("✔️ Готово")
    await admin.expect_edit()
    told = await worker.expect_one()
    assert "Чүй облусу" in told.text and "Ош шаары" in told.text
    async with casework.db() as db:
        regions = set((await db.scalars(select(CaseworkerRegion.region))).all())
    assert regions == {"KG-C", "KG-GO"}
