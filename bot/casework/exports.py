"""Exports of a filtered application list as CSV and XLSX (bytes, ready to send as documents).

Headers and status names are in the reader's language; codes sit beside them so a spreadsheet
can filter on stable values. Times are Asia/Bishkek.

Two steps, so the slow part stays off the event loop: `load` (async, in the handler's unit of
work) reads only the exported columns as plain rows, in batches; `build` (CPU only, run in a
thread) turns them into the file. 20,000 rows take a few hundred ms to read and about half a
second to build on a quiet machine (bench/queries.py).

A thread still shares the GIL with the event loop, so updates answered while a file is built
wait longer (a /queue took 130–650 ms instead of 12–18 ms on the loaded 2-core machine). A
worker process was tried: no better there (140–815 ms), since the data must be pickled across
and the cores were the bottleneck, so the simpler thread stays.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.casework.render import display_name, region_name
from bot.i18n import BISHKEK, N_, Translator
from bot.lifecycle_text import STATUS_LABELS
from db.enums import Status
from db.repo import cases

COLUMNS: tuple[tuple[str, str], ...] = (
    ("ref", N_("Reference")),
    ("status", N_("Status")),
    ("status_code", N_("Status code")),
    ("region", N_("Region")),
    ("region_code", N_("Region code")),
    ("district", N_("District")),
    ("full_name", N_("Applicant")),
    ("phone", N_("Phone")),
    ("pin", N_("PIN")),
    ("submitted_at", N_("Submitted (Bishkek time)")),
    ("caseworker", N_("Caseworker")),
    ("priority", N_("Priority")),
    ("updated_at", N_("Last change (Bishkek time)")),
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Cell = str | int | datetime | None
# Rows handled between two voluntary GIL releases: built in a thread beside the event loop, an
# export would otherwise keep the GIL for the whole switch interval (5 ms) each time the loop
# wants it back, and an update answered meanwhile needs it dozens of times.
YIELD_EVERY = 20
_SHEET_NAME_REFUSED = re.compile(r"[\[\]:*?/\\]")  # Excel refuses a sheet name holding them
Row = list[Cell]  # one value per COLUMNS entry, in that order


class Exportable(Protocol):
    """What an export reads of an application: an Application, or a row of `cases.export_rows`."""

    @property
    def ref(self) -> str | None: ...
    @property
    def status(self) -> Status: ...
    @property
    def region(self) -> str | None: ...
    @property
    def district(self) -> str | None: ...
    @property
    def full_name(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def pin(self) -> str | None: ...
    @property
    def submitted_at(self) -> datetime | None: ...
    @property
    def assigned_to(self) -> int | None: ...
    @property
    def priority_score(self) -> int: ...
    @property
    def updated_at(self) -> datetime: ...


class Record(NamedTuple):
    """One application as `load` reads it: a plain tuple, no ORM state."""

    ref: str | None
    status: Status
    region: str | None
    district: str | None
    full_name: str | None
    phone: str | None
    pin: str | None
    submitted_at: datetime | None
    assigned_to: int | None
    priority_score: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Export:
    file_name: str
    content: bytes
    mime_type: str


@dataclass(frozen=True, slots=True)
class ExportData:
    """What `load` read: the applications (export columns only) and the holders' names."""

    applications: Sequence[Exportable]
    holders: dict[int, str]


async def load(
    session: AsyncSession,
    statuses: Collection[Status] | None,
    regions: Collection[str] | None,
    limit: int,
) -> ExportData:
    """The filtered list (every page, oldest submission first) and its caseworkers' names."""
    found = await cases.export_rows(session, statuses, regions, limit)
    applications = [Record._make(row) for row in found]
    users = await cases.users_by_id(session, {a.assigned_to for a in applications})
    holders = {user_id: display_name(user, user_id) for user_id, user in users.items()}
    return ExportData(applications, holders)


def build(t: Translator, fmt: str, data: ExportData, stem: str) -> Export:
    """The file in the reader's language: CPU only, for `asyncio.to_thread`."""
    table = rows(t, data.applications, data.holders)
    return to_csv(t, table, stem) if fmt == "csv" else to_xlsx(t, table, stem)


def _local(value: datetime | None) -> datetime | None:
    return value.astimezone(BISHKEK).replace(tzinfo=None, microsecond=0) if value else None


def _safe(text: str | None) -> str:
    """Typed text that a spreadsheet would run as a formula is quoted (CSV injection)."""
    if text and text.startswith(_FORMULA_START):
        return "'" + text
    return text or ""


def rows(
    t: Translator, applications: Sequence[Exportable], holders: dict[int, str]
) -> list[Row]:
    """One list of cells per application. Labels are translated once per export, not per row."""
    statuses = {status: t.gettext(label) for status, label in STATUS_LABELS.items()}
    regions: dict[str | None, str] = {}
    caseworkers = {user_id: _safe(name) for user_id, name in holders.items()}
    table: list[Row] = []
    for number, app in enumerate(applications, 1):
        if number % YIELD_EVERY == 0:
            time.sleep(0)  # a thread beside the event loop: let it run (see YIELD_EVERY)
        region = regions.get(app.region)
        if region is None:
            region = regions[app.region] = region_name(t, app.region)
        table.append(
            [
                app.ref or "",
                statuses[app.status],
                app.status.value,
                region,
                app.region or "",
                _safe(app.district),
                _safe(app.full_name),
                app.phone or "",
                app.pin or "",
                _local(app.submitted_at),
                caseworkers.get(app.assigned_to or 0, ""),
                app.priority_score,
                _local(app.updated_at),
            ]
        )
    return table


def headers(t: Translator) -> list[str]:
    return [t.gettext(label) for _, label in COLUMNS]


def to_csv(t: Translator, data: list[Row], stem: str) -> Export:
    """UTF-8 with a BOM, so Excel opens Cyrillic correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers(t))
    step = YIELD_EVERY
    for start in range(0, len(data), step):
        writer.writerows([_cell_text(v) for v in row] for row in data[start : start + step])
        time.sleep(0)  # a thread beside the event loop: let it run (see YIELD_EVERY)
    return Export(f"{stem}.csv", buffer.getvalue().encode("utf-8-sig"), "text/csv")


def _cell_text(value: Cell) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


def to_xlsx(t: Translator, data: list[Row], stem: str) -> Export:
    """XlsxWriter in constant-memory mode: rows stream into the sheet as they are written."""
    import xlsxwriter  # imported on use: only exports need it

    buffer = io.BytesIO()
    options = {
        "constant_memory": True,
        "in_memory": True,
        # Typed text stays text: never a formula (injection) or a link.
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "default_date_format": "yyyy-mm-dd hh:mm",
    }
    workbook = xlsxwriter.Workbook(buffer, options)
    sheet = workbook.add_worksheet(_SHEET_NAME_REFUSED.sub("", t.gettext("Applications"))[:31])
    sheet.freeze_panes(1, 0)
    # The longest text of each column, at least 12 and at most 38 characters, plus a margin.
    columns = zip(*data, strict=True) if data else [()] * len(COLUMNS)
    for index, column in enumerate(columns):
        width = max(12, max((len(_cell_text(value)) for value in column), default=0))
        sheet.set_column(index, index, min(width + 2, 40))
    sheet.write_row(0, 0, headers(t), workbook.add_format({"bold": True}))
    for number, row in enumerate(data, 1):
        if number % YIELD_EVERY == 0:
            time.sleep(0)  # a thread beside the event loop: let it run (see YIELD_EVERY)
        sheet.write_row(number, 0, row)
    workbook.close()
    return Export(f"{stem}.xlsx", buffer.getvalue(), XLSX_MIME)
