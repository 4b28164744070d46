"""Exports on a real database (SQLite, and PostgreSQL when configured): `load` reads the queue's
list (filter, order, limit, holders) as plain rows, and `build` makes CSV and XLSX with the
same content, in the reader's language; the XLSX reads back with openpyxl."""

from __future__ import annotations

import asyncio
import csv
import io
import zipfile
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

from openpyxl import load_workbook

from bot.casework import exports
from bot.i18n import I18n
from db.engine import create_engine, create_session_factory
from db.enums import Role, Status
from db.migrate import upgrade
from db.models import Application, User

BASE = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)
WORKER = 7


def _application(number: int, region: str, status: Status, **fields: object) -> Application:
    values: dict[str, object] = {
        "ref": f"SC-2026-{number:06d}" if status is not Status.DRAFT else None,
        "user_id": 100 + number,
        "status": status,
        "language": "ky",
        "pin": f"2100119900{number:04d}",
        "phone": f"+99670012{number:04d}",
        "full_name": f"Үй-бүлө {number}",
        "region": region,
        "district": "Аламүдүн району",
        "priority_score": number % 4,
        # Submitted in reverse order of number: the export must sort by submission, not id.
        "submitted_at": BASE - timedelta(days=number),
        "updated_at": BASE,
    }
    values.update(fields)
    return Application(**values)


async def _seed(database_url: str) -> None:
    await asyncio.to_thread(upgrade, database_url)
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session, session.begin():
        session.add(User(id=WORKER, first_name="Бакыт", role=Role.CASEWORKER))
        session.add_all(User(id=100 + n, first_name=f"F{n}") for n in range(1, 8))
        await session.flush()
        session.add_all(
            [
                _application(1, "KG-C", Status.IN_REVIEW, assigned_to=WORKER),
                _application(2, "KG-C", Status.SUBMITTED, full_name="=HYPERLINK(1)"),
                _application(3, "KG-Y", Status.SUBMITTED),  # another region
                _application(4, "KG-C", Status.DRAFT, submitted_at=None),  # never exported
                _application(5, "KG-C", Status.FUNDED, assigned_to=WORKER),
                _application(6, "KG-C", Status.SUBMITTED, submitted_at=None),  # last
                _application(7, "KG-C", Status.REJECTED),
            ]
        )
    await engine.dispose()


async def _load(database_url: str, regions: list[str] | None, limit: int) -> exports.ExportData:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            return await exports.load(session, None, regions, limit)
    finally:
        await engine.dispose()


async def test_load_reads_the_queue_list_and_build_makes_both_formats(
    database_url: str,
) -> None:
    await _seed(database_url)
    data = await _load(database_url, ["KG-C"], 20_000)
    # Oldest submission first, the one never submitted last; no draft, no other region.
    refs = [a.ref for a in data.applications]
    assert refs == [f"SC-2026-{n:06d}" for n in (7, 5, 2, 1, 6)]
    assert data.holders == {WORKER: "Бакыт"}
    limited = await _load(database_url, None, 3)
    assert [a.ref for a in limited.applications] == [f"SC-2026-{n:06d}" for n in (7, 5, 3)]

    t = I18n().get("ky")
    csv_file = exports.build(t, "csv", data, "applications")
    assert csv_file.file_name == "applications.csv" and csv_file.mime_type == "text/csv"
    table = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["Номери", "Абалы", "Абалынын коду"]
    by_ref = {row[0]: row for row in table[1:]}
    first = by_ref["SC-2026-000001"]
    assert first[1:5] == ["Каралууда", "in_review", "Чүй облусу", "KG-C"]
    assert first[9] == "2026-03-01 10:30"  # Bishkek time (UTC+6)
    assert first[10] == "Бакыт" and first[11] == "1"
    assert by_ref["SC-2026-000002"][6] == "'=HYPERLINK(1)"  # never a formula
    assert by_ref["SC-2026-000006"][9] == "" and by_ref["SC-2026-000007"][10] == ""

    xlsx_file = exports.build(t, "xlsx", data, "applications")
    assert xlsx_file.file_name == "applications.xlsx"
    sheet = load_workbook(io.BytesIO(xlsx_file.content)).active
    assert sheet is not None and sheet.title == t.gettext("Applications")[:31]
    cells = list(sheet.iter_rows(values_only=True))
    assert len(cells) == len(table)
    for csv_row, xlsx_row in zip(table, cells, strict=True):
        assert [exports._cell_text(v) for v in xlsx_row] == csv_row  # same content
    assert cells[4][9] == datetime(2026, 3, 1, 10, 30)  # a real date cell
    assert cells[4][11] == 1  # a number


def test_xlsx_keeps_types_styles_and_odd_text_as_text() -> None:
    t = I18n().get("ru")
    width = len(exports.COLUMNS)

    def row(*cells: exports.Cell) -> exports.Row:
        return [*cells, *([None] * (width - len(cells)))]

    data = [
        row("SC-1", 'A & B <c> "d"', datetime(2026, 3, 2, 10, 31, 0), 7),
        row("SC-2", "  leading and trailing  ", None, 0),
        row("SC-3", "https://example.org/x", datetime(1999, 12, 31, 23, 59), None),
        row("", "=1+1", datetime(2026, 1, 1), -3),
    ]
    content = exports.to_xlsx(t, data, "applications").content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():  # every part is well-formed XML
            if name.endswith(".xml") or name.endswith(".rels"):
                ElementTree.fromstring(archive.read(name))
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None and sheet.title == t.gettext("Applications")[:31]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b and not sheet["A2"].font.b
    assert sheet["C2"].number_format == "yyyy-mm-dd hh:mm"
    values = [tuple(r[:4]) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert values == [
        ("SC-1", 'A & B <c> "d"', datetime(2026, 3, 2, 10, 31), 7),
        ("SC-2", "  leading and trailing  ", None, 0),
        ("SC-3", "https://example.org/x", datetime(1999, 12, 31, 23, 59), None),
        (None, "=1+1", datetime(2026, 1, 1), -3),  # text, never a formula
    ]
    assert sheet["B5"].data_type == "s"
    assert not sheet["B4"].hyperlink  # a link-like text stays plain text
