"""Inline keyboards of casework. Callback data is built with bot.callbacks only.

Staff buttons ("cw"):  tk take · to/ok move (ask, confirmed) · rj reject · ri request info ·
  m message family · end end conversation · v view · pdf plan PDF · d document · n note ·
  cx cancel typed input · q queue page · x export.
Family buttons ("cw"): wd withdraw (ask) · wdy withdraw (confirmed) · wdn keep.
Admin buttons ("adm"): add · inv · rg toggle region · ok done · ed edit regions · rm/rmy remove.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.i18n import Translator
from bot.lifecycle import TAKEABLE, allowed_targets
from bot.lifecycle_text import ADVANCE_LABELS
from bot.regions import REGIONS
from db.enums import Role, Status
from db.models import Application


def _cw(*parts: str | int) -> str:
    return callbacks.build(callbacks.CASEWORK, *parts)


def _adm(*parts: str | int) -> str:
    return callbacks.build(callbacks.ADMIN, *parts)


def button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def new_submission(t: Translator, application_id: int) -> InlineKeyboardMarkup:
    """Take · Approve · Reject · Request info · Message family (the notice to staff)."""
    a = application_id
    return InlineKeyboardMarkup(
        [
            [
                button(t.gettext("🙋 Take"), _cw("tk", a)),
                button(t.gettext("✅ Approve"), _cw("to", a, Status.APPROVED.value)),
            ],
            [
                button(t.gettext("❌ Reject"), _cw("rj", a)),
                button(t.gettext("❓ Request info"), _cw("ri", a)),
            ],
            [button(t.gettext("✉️ Message family"), _cw("m", a))],
        ]
    )


def case_card(t: Translator, application: Application, role: Role) -> InlineKeyboardMarkup:
    """The buttons that make sense for the application's current status."""
    a = application.id
    status = application.status
    rows: list[list[InlineKeyboardButton]] = []
    if application.assigned_to is None and status in TAKEABLE:
        rows.append([button(t.gettext("🙋 Take"), _cw("tk", a))])
    if status in (Status.SUBMITTED, Status.IN_REVIEW):
        rows.append(
            [
                button(t.gettext("✅ Approve"), _cw("to", a, Status.APPROVED.value)),
                button(t.gettext("❌ Reject"), _cw("rj", a)),
            ]
        )
        rows.append([button(t.gettext("❓ Request info"), _cw("ri", a))])
    targets = [s for s in allowed_targets(status, role) if s in ADVANCE_LABELS]
    if targets:
        rows.append([button(t.gettext(ADVANCE_LABELS[s]), _cw("to", a, s.value)) for s in targets])
    if status is not Status.WITHDRAWN:
        rows.append(
            [
                button(t.gettext("✉️ Message family"), _cw("m", a)),
                button(t.gettext("🗒 Note"), _cw("n", a)),
            ]
        )
    rows.append(
        [
            button(t.gettext("🔍 Details"), _cw("v", a)),
            button(t.gettext("📎 Plan PDF"), _cw("pdf", a)),
        ]
    )
    return InlineKeyboardMarkup(rows)


def taken_notice(t: Translator, application_id: int) -> InlineKeyboardMarkup:
    """What other staff keep on their copy of the notice once someone took the application."""
    return InlineKeyboardMarkup([[button(t.gettext("🔍 Details"), _cw("v", application_id))]])


def confirm_move(t: Translator, application_id: int, target: Status) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                button(t.gettext("✔️ Yes, confirm"), _cw("ok", application_id, target.value)),
                button(t.gettext("✖️ Cancel"), _cw("cx")),
            ]
        ]
    )


def cancel_input(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(t.gettext("✖️ Cancel"), _cw("cx"))]])


def relay_received(t: Translator, application_id: int) -> InlineKeyboardMarkup:
    """Under a family's message to a caseworker."""
    return InlineKeyboardMarkup(
        [
            [
                button(t.gettext("↩️ Reply"), _cw("m", application_id)),
                button(t.gettext("🔚 End conversation"), _cw("end", application_id)),
            ],
            [button(t.gettext("🔍 Details"), _cw("v", application_id))],
        ]
    )


def documents(t: Translator, docs: list[tuple[int, str]]) -> InlineKeyboardMarkup | None:
    """One button per document (id, label), at most 20."""
    if not docs:
        return None
    return InlineKeyboardMarkup(
        [[button(f"📎 {label}"[:60], _cw("d", doc_id))] for doc_id, label in docs[:20]]
    )


def withdraw(t: Translator, application_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[button(t.gettext("↩️ Withdraw the application"), _cw("wd", application_id))]]
    )


def withdraw_confirm(t: Translator, application_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                button(t.gettext("Yes, withdraw"), _cw("wdy", application_id)),
                button(t.gettext("No, keep it"), _cw("wdn")),
            ]
        ]
    )


def region_picker(t: Translator, user_id: int, chosen: frozenset[str]) -> InlineKeyboardMarkup:
    """Admins toggle a caseworker's regions; a check mark shows those assigned."""
    rows: list[list[InlineKeyboardButton]] = []
    row: list[InlineKeyboardButton] = []
    for place in REGIONS:
        mark = "✅ " if place.code in chosen else ""
        row.append(button(mark + place.name(t.language), _adm("rg", user_id, place.code)))
        if len(row) == 2:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    rows.append([button(t.gettext("✔️ Done"), _adm("ok", user_id))])
    return InlineKeyboardMarkup(rows)


def caseworker_list(t: Translator, people: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    """Per caseworker: edit regions, remove. Then add by id, invite link."""
    rows = [
        [
            button(f"✏️ {name}"[:40], _adm("ed", user_id)),
            button(t.gettext("🗑 Remove"), _adm("rm", user_id)),
        ]
        for user_id, name in people[:40]
    ]
    rows.append(
        [
            button(t.gettext("➕ Add by user id"), _adm("add")),
            button(t.gettext("🔗 Invite link"), _adm("inv")),
        ]
    )
    return InlineKeyboardMarkup(rows)


def remove_confirm(t: Translator, user_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                button(t.gettext("Yes, remove"), _adm("rmy", user_id)),
                button(t.gettext("✖️ Cancel"), _cw("cx")),
            ]
        ]
    )
