"""The caseworker's queue: filters (from untrusted callback data), the page text, its buttons."""

from __future__ import annotations

from dataclasses import dataclass, replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.casework.keyboards import button
from bot.casework.render import region_name, status_text
from bot.i18n import Translator
from bot.lifecycle import ACTIVE_STATUSES, ORDER
from bot.regions import REGION_CODES
from db.enums import Status
from db.models import Application

PAGE_SIZE = 10
ACTIVE = "act"
ALL = "all"
_STATUS_VALUES = {s.value for s in Status}


@dataclass(frozen=True, slots=True)
class QueueFilter:
    status: str = ACTIVE  # "act" (waiting for the office), "all" or a status value
    region: str = ALL  # "all" or a region code
    page: int = 0

    def statuses(self) -> frozenset[Status] | None:
        if self.status == ACTIVE:
            return ACTIVE_STATUSES
        if self.status == ALL:
            return None
        return frozenset({Status(self.status)})

    def region_code(self) -> str | None:
        return None if self.region == ALL else self.region

    def parts(self) -> tuple[str, str]:
        return self.status, self.region


def parse_filter(parts: tuple[str, ...]) -> QueueFilter | None:
    """status, region[, page] from callback data; None when anything is not ours."""
    if len(parts) not in (2, 3):
        return None
    status, region = parts[0], parts[1]
    if status not in (ACTIVE, ALL) and status not in _STATUS_VALUES:
        return None
    if status == Status.DRAFT.value:
        return None
    if region != ALL and region not in REGION_CODES:
        return None
    page = 0
    if len(parts) == 3:
        if not parts[2].isdigit() or len(parts[2]) > 5:
            return None
        page = int(parts[2])
    return QueueFilter(status, region, page)


def status_filter_label(t: Translator, status: str) -> str:
    if status == ACTIVE:
        return t.gettext("⏳ Waiting for the office")
    if status == ALL:
        return t.gettext("🗂 All statuses")
    return status_text(t, Status(status))


def region_filter_label(t: Translator, region: str) -> str:
    return t.gettext("🌍 All my regions") if region == ALL else region_name(t, region)


def page_text(
    t: Translator, flt: QueueFilter, rows: list[Application], total: int, holders: dict[int, str]
) -> str:
    pages = max(1, -(-total // PAGE_SIZE))
    lines = [
        t.gettext("📥 Queue: {status} · {region}").format(
            status=status_filter_label(t, flt.status), region=region_filter_label(t, flt.region)
        ),
        t.ngettext(
            "Page {page} of {pages} · {count} application",
            "Page {page} of {pages} · {count} applications",
            total,
        ).format(page=flt.page + 1, pages=pages, count=total),
        "",
    ]
    if not rows:
        lines.append(t.gettext("No applications match this filter."))
    for number, app in enumerate(rows, flt.page * PAGE_SIZE + 1):
        holder = holders.get(app.assigned_to or 0)
        line = (
            f"{number}. {app.ref} · {status_text(t, app.status)} · {app.full_name or '—'} · "
            f"{region_name(t, app.region)}"
        )
        if app.submitted_at is not None:
            line += f" · {t.date(app.submitted_at)}"
        line += f" · 👷 {holder}" if holder else " · " + t.gettext("🆕 not taken")
        lines.append(line)
    return "\n".join(lines)


def _cw(*parts: str | int) -> str:
    return callbacks.build(callbacks.CASEWORK, *parts)


def _q(flt: QueueFilter, page: int | None = None) -> str:
    return _cw("q", flt.status, flt.region, flt.page if page is None else page)


def page_keyboard(
    t: Translator, flt: QueueFilter, rows: list[Application], total: int
) -> InlineKeyboardMarkup:
    keyboard: list[list[InlineKeyboardButton]] = []
    opens = [button(f"🔍 {app.ref}", _cw("v", app.id)) for app in rows]
    keyboard += [opens[i : i + 2] for i in range(0, len(opens), 2)]
    pages = max(1, -(-total // PAGE_SIZE))
    nav: list[InlineKeyboardButton] = []
    if flt.page > 0:
        nav.append(button(t.gettext("◀️ Previous page"), _q(flt, flt.page - 1)))
    if flt.page + 1 < pages:
        nav.append(button(t.gettext("Next page ▶️"), _q(flt, flt.page + 1)))
    if nav:
        keyboard.append(nav)
    status, region = flt.parts()
    keyboard.append(
        [
            button(t.gettext("🔽 Status"), _cw("qs", status, region)),
            button(t.gettext("🔽 Region"), _cw("qr", status, region)),
        ]
    )
    keyboard.append(
        [
            button("⬇️ CSV", _cw("x", "csv", status, region)),
            button("⬇️ XLSX", _cw("x", "xlsx", status, region)),
        ]
    )
    return InlineKeyboardMarkup(keyboard)


def status_chooser(t: Translator, flt: QueueFilter) -> InlineKeyboardMarkup:
    choices = [ACTIVE, *(s.value for s in ORDER if s is not Status.DRAFT), ALL]
    buttons = [
        button(status_filter_label(t, c), _q(replace(flt, status=c, page=0))) for c in choices
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def region_chooser(t: Translator, flt: QueueFilter, regions: list[str]) -> InlineKeyboardMarkup:
    """Only the regions the presser may see (admins: all nine)."""
    choices = [ALL, *regions]
    buttons = [
        button(region_filter_label(t, c), _q(replace(flt, region=c, page=0))) for c in choices
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])
