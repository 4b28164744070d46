"""End to end: caseworker tools (/queue with pages and filters, exports parsed back, /find,
/app, /note, /stats with its chart) and the family's status page and withdrawal."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import select

from db.enums import Role, Status
from db.models import Application, CaseNote
from tests.casework_seed import (
    CW_CHUI,
    CW_ISSYK,
    FAMILY,
    FAMILY_2,
    add_caseworker,
    application_row,
    audit,
    casework,
    inline_texts,
    seed_submitted,
    start_user,
)
from tests.conftest import ADMIN_ID
from tests.harness import BotHarness

__all__ = ["casework"]


async def test_queue_pages_filters_and_exports(casework: BotHarness) -> None:
    admin = await start_user(casework, ADMIN_ID, "ru")
    worker = await start_user(casework, CW_CHUI, "ky")
    await add_caseworker(casework, admin, worker, ["KG-C"])
    refs = []
    for number in range(12):
        _, ref = await seed_submitted(
            casework, 5000 + number, full_name=f"Үй-бүлө {number:02d}", notify=False
        )
        refs.append(ref)
    _, other_ref = await seed_submitted(casework, 6000, region="KG-Y", notify=False)

    await worker.send("/queue")
    page = await worker.expect_one()
    assert "Барак 1/2 · 12 арыз" in page.text
    assert refs[0] in page.text and refs[9] in page.text and refs[10] not in page.text
    assert other_ref not in page.text
    await worker.press("Кийинки барак ▶️")
    await worker.expect_answer()
    page = await worker.expect_edit()
    assert "Барак 2/2" in page.text and refs[11] in page.text and refs[0] not in page.text

    # Region choices: only the caseworker's own.
    await worker.press("🔽 Облус")
    await worker.expect_answer()
    chooser = await worker.expect_edit()
    assert inline_texts(chooser) == ["🌍 Менин бардык облустарым", "Чүй облусу"]
    await worker.press("Чүй облусу")
    await worker.expect_answer()
    await worker.expect_edit()

    # Take one, then filter by status "under review".
    first_id = (await _app_by_ref(casework, refs[0])).id
    await worker.press_data(f"cw:tk:{first_id}")
    await worker.expect_answer()
    await worker.expect_one()
    await worker.send("/queue")
    await worker.expect_one()
    await worker.press("🔽 Абалы")
    await worker.expect_answer()
    await worker.expect_edit()
    await worker.press("🔎 Каралууда")
    await worker.expect_answer()
    page = await worker.expect_edit()
    assert "Барак 1/1 · 1 арыз" in page.text and refs[0] in page.text

    # CSV of every waiting application (all pages), parsed back.
    await worker.press("🔽 Абалы")
    await worker.expect_answer()
    await worker.expect_edit()
    await worker.press("⏳ Кароону күткөндөр")
    await worker.expect_answer()
    await worker.expect_edit()
    await worker.press("⬇️ CSV")
    await worker.expect_answer()
    sent = await worker.expect_one()
    assert sent.document is not None and sent.document.file_name.endswith(".csv")
    assert "12 арыз" in sent.content
    text = casework.server.file_bytes(sent.document.file_id).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 12
    assert [r["Номери"] for r in rows] == refs
    first = rows[0]
    assert first["Абалынын коду"] == "in_review" and first["Абалы"] == "Каралууда"
    assert first["Облус"] == "Чүй облусу" and first["Облустун коду"] == "KG-C"
    assert first["Социалдык кызматкер"] == "User3101"
    assert all(r["Абалынын коду"] == "submitted" for r in rows[1:])
    async with casework.db() as db:
        stored = await db.scalar(select(Application).where(Application.ref == refs[1]))
        assert stored is not None
        assert rows[1]["ПИН"] == stored.pin and rows[1]["Телефон"] == stored.phone
        assert rows[1]["Арыз берүүчү"] == stored.full_name

    # XLSX of the same list.
    await worker.press("⬇️ XLSX")
    await worker.expect_answer()
    sent = await worker.expect_one()
    assert sent.document is not None and sent.document.file_name.endswith(".xlsx")
    book = load_workbook(io.BytesIO(casework.server.file_bytes(sent.document.file_id)))
    sheet = book.active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Номери" and len(values) == 13
    assert [v[0] for v in values[1:]] == refs
    assert values[1][2] == "in_review" and values[1][4] == "KG-C"
    assert values[1][9] is not None and values[1][9].year >= 2026  # a real date cell

    # An admin sees every region.
    await admin.send("/queue")
    await admin.expect_one()
    await admin.press("⬇️ CSV")
    await admin.expect_answer()
    sent = await admin.expect_one()
    assert sent.document is not None
    text = casework.server.file_bytes(sent.document.file_id).decode("utf-8-sig")
    exported = {r["Номер заявки"] for r in csv.DictReader(io.StringIO(text))}
    assert exported == {*refs, other_ref}


async def _app_by_ref(harness: BotHarness, ref: str) -> Application:
    async with harness.db() as db:
        row = await db.scalar(select(Application).where(Application.ref == ref))
        assert row is not None
        return row


async def test_find_app_note_and_stats(casework: BotHarness) -> None:
    admin = await start_user(casework, ADMIN_ID, "ru")
    worker = await start_user(casework, CW_CHUI, "ky")
    stranger = await start_user(casework, CW_ISSYK, "ru")
    await add_caseworker(casework, admin, worker, ["KG-C"])
    await add_caseworker(casework, admin, stranger, ["KG-Y"])
    app_id, ref = await seed_submitted(casework, FAMILY, notify=False)
    await seed_submitted(casework, FAMILY_2, region="KG-Y", notify=False)
    row = await application_row(casework, app_id)

    for query in (row.pin, row.phone, "0" + str(row.phone)[4:], ref, ref.rsplit("-", 1)[1]):
        await worker.send(f"/find {query}")
        found = await worker.expect_one()
        assert ref in found.text, query
    await worker.send("/find")
    await worker.expect_one()
    await worker.send(str(row.pin))  # typed after the prompt
    assert ref in (await worker.expect_one()).text
    await stranger.send(f"/find {row.pin}")
    assert "Ничего не найдено" in (await stranger.expect_one()).text

    await worker.send(f"/note {ref} Үй-бүлө телефон аркылуу байланышты.")
    assert "сакталды" in (await worker.expect_one()).text
    await worker.send(f"/app {ref}")
    card, details = await worker.expect(2)
    assert ref in card.text and "Айгүл Токтогулова" in card.text
    for part in ("Бал өндүрүү", "Үй-бүлө телефон аркылуу байланышты.", "Арыз берилди"):
        assert part in details.text
    assert inline_texts(details) == [f"📎 {ref}.pdf"]
    await worker.press(f"📎 {ref}.pdf")
    await worker.expect_answer()
    pdf = await worker.expect_one()
    assert pdf.document is not None
    async with casework.db() as db:
        note = (await db.scalars(select(CaseNote))).one()
        assert note.author_id == CW_CHUI and note.application_id == app_id

    await worker.send("/stats")
    table, chart = await worker.expect(2)
    assert "Чүй облусу: 1" in table.text and "Ысык-Көл" not in table.text
    assert chart.photo is not None
    assert casework.server.file_bytes(chart.photo.file_id).startswith(b"\x89PNG")
    await admin.send("/stats")
    table, chart = await admin.expect(2)
    assert "Чуйская область: 1" in table.text and "Иссык-Кульская область: 1" in table.text
    assert "Всего: 2" in table.text


async def test_family_status_page_and_withdrawal(casework: BotHarness) -> None:
    admin = await start_user(casework, ADMIN_ID, "ru")
    family = await start_user(casework, FAMILY, "ru")
    worker = await start_user(casework, CW_CHUI, "ky")
    await add_caseworker(casework, admin, worker, ["KG-C"])
    await family.press("📄 Моя заявка")
    assert "нет заявки" in (await family.expect_one()).text

    app_id, ref = await seed_submitted(casework, FAMILY, language="ru")
    notice = await worker.expect_one()
    await worker.press_data(f"cw:tk:{app_id}", message=notice)
    await worker.expect_answer()
    await worker.expect_one()
    await family.expect_one()  # "under review"

    await family.press("📄 Моя заявка")
    page = await family.expect_one()
    assert ref in page.text and "На рассмотрении" in page.text and "Заявка подана" in page.text
    assert "Что дальше" in page.text
    assert inline_texts(page) == ["↩️ Отозвать заявку"]
    await family.press("↩️ Отозвать заявку")
    await family.expect_answer()
    await family.expect_one()
    await family.press("Да, отозвать")
    assert "отозвана" in (await family.expect_edit()).text
    told = await family.expect_one()
    assert ref in told.text and "отозвана" in told.text
    assert "кайтарып алды" in (await worker.expect_one()).text
    row = await application_row(casework, app_id)
    assert row.status is Status.WITHDRAWN
    last = (await audit(casework, app_id))[-1]
    assert last.actor_id == FAMILY and last.actor_role is Role.APPLICANT

    # Replayed, or pressed by someone else: refused, nothing changes.
    await family.press_data(f"cw:wdy:{app_id}")
    assert (await family.expect_answer()).show_alert
    await worker.press_data(f"cw:wdy:{app_id}")
    assert (await worker.expect_answer()).show_alert
    assert len(await audit(casework, app_id)) == 3
