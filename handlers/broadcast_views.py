"""Texts and keyboards the admin sees while composing and following broadcasts."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.broadcast.keyboards import Action, button
from bot.broadcast.progress import Figures
from bot.broadcast.segments import (
    AUDIENCE_LABELS,
    STATUS_NAMES,
    TARGET_STATUSES,
    Audience,
    AudienceError,
    AudienceKind,
)
from bot.i18n import LANGUAGES, Translator
from bot.menu import LANGUAGE_NAMES
from bot.regions import REGIONS
from db.enums import BroadcastState
from db.models import Broadcast


def cancel_row(t: Translator, draft_id: int) -> list[InlineKeyboardButton]:
    return [button(t.gettext("✖ Cancel"), Action.DISCARD, draft_id)]


def mode_keyboard(t: Translator, draft_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [button(t.gettext("Kyrgyz and Russian texts"), Action.MODE, draft_id, "separate")],
            [button(t.gettext("One text for everyone"), Action.MODE, draft_id, "one")],
            cancel_row(t, draft_id),
        ]
    )


def attachment_keyboard(t: Translator, draft_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[button(t.gettext("Skip"), Action.SKIP, draft_id)], cancel_row(t, draft_id)]
    )


def audience_keyboard(t: Translator, draft_id: int) -> InlineKeyboardMarkup:
    rows = [
        [button(t.gettext(label), Action.AUDIENCE, draft_id, kind.value)]
        for kind, label in AUDIENCE_LABELS.items()
    ]
    return InlineKeyboardMarkup([*rows, cancel_row(t, draft_id)])


def value_keyboard(t: Translator, draft_id: int, kind: AudienceKind) -> InlineKeyboardMarkup:
    """Languages, regions or statuses to pick from, two a row."""
    choices: list[tuple[str, str]]
    if kind is AudienceKind.LANGUAGE:
        choices = [(LANGUAGE_NAMES[lang], lang) for lang in LANGUAGES]
    elif kind is AudienceKind.REGION:
        choices = [(place.name(t.language), place.code) for place in REGIONS]
    else:
        choices = [(t.gettext(STATUS_NAMES[s]), s.value) for s in TARGET_STATUSES]
    buttons = [button(text, Action.VALUE, draft_id, kind.value, value) for text, value in choices]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([button(t.gettext("« Back"), Action.CHANGE, draft_id)])
    return InlineKeyboardMarkup(rows)


def summary_keyboard(t: Translator, draft: Broadcast, recipients: int) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    if recipients:
        if draft.scheduled_at is None:
            rows.append([button(t.gettext("📤 Send now"), Action.SEND, draft.id)])
            rows.append([button(t.gettext("🕒 Schedule"), Action.SCHEDULE, draft.id)])
        else:
            rows.append(
                [button(t.gettext("✅ Confirm the schedule"), Action.CONFIRM_SCHEDULE, draft.id)]
            )
            rows.append([button(t.gettext("📤 Send now instead"), Action.SEND, draft.id)])
    rows.append([button(t.gettext("👥 Change the audience"), Action.CHANGE, draft.id)])
    rows.append(cancel_row(t, draft.id))
    return InlineKeyboardMarkup(rows)


def audience_of(broadcast: Broadcast) -> Audience | None:
    try:
        return Audience.parse(broadcast.audience, broadcast.audience_value)
    except AudienceError:
        return None


def summary_text(t: Translator, draft: Broadcast, by_language: dict[str, int]) -> str:
    """Below the preview: who gets it (the exact count), in which language, and when."""
    audience = audience_of(draft)
    total = sum(by_language.values())
    lines = [t.gettext("👆 This is what families will receive."), ""]
    lines.append(
        t.gettext("Audience: {audience}").format(
            audience=audience.describe(t) if audience else "—"
        )
    )
    if total == 0:
        lines.append(t.gettext("Nobody matches this audience. Please choose another one."))
    else:
        lines.append(
            t.ngettext("Recipients: {count} family", "Recipients: {count} families", total).format(
                count=t.number(total)
            )
        )
        lines.append(
            t.gettext("In Kyrgyz: {ky} · In Russian: {ru}").format(
                ky=t.number(by_language.get("ky", 0)), ru=t.number(by_language.get("ru", 0))
            )
        )
    if draft.scheduled_at is not None:
        lines.append(
            t.gettext("When: {time} (Bishkek time)").format(time=t.datetime(draft.scheduled_at))
        )
    else:
        lines.append(t.gettext("When: right after you confirm"))
    lines += ["", t.gettext("Nothing is sent until you confirm.")]
    return "\n".join(lines)


STATE_NAMES = {
    BroadcastState.QUEUED: "🕒",
    BroadcastState.SENDING: "📤",
    BroadcastState.DONE: "✅",
    BroadcastState.CANCELLED: "⛔",
}


def list_entry(t: Translator, broadcast: Broadcast, figures: Figures, now: datetime) -> str:
    """One broadcast in /broadcasts: number, state, audience, figures."""
    audience = audience_of(broadcast)
    mark = STATE_NAMES.get(broadcast.state, "")
    when = broadcast.confirmed_at or broadcast.created_at
    head = f"{mark} #{broadcast.id} · {t.datetime(when)}"
    lines = [head, audience.describe(t) if audience else "—"]
    if broadcast.state is BroadcastState.QUEUED:
        at = broadcast.scheduled_at
        if at is not None and at > now:
            lines.append(t.gettext("Scheduled for {time}").format(time=t.datetime(at)))
        else:
            lines.append(t.gettext("Starting…"))
        return "\n".join(lines)
    lines.append(
        t.gettext("Sent: {sent} · Failed: {failed} · Blocked: {blocked}").format(
            sent=t.number(figures.sent),
            failed=t.number(figures.failed),
            blocked=t.number(figures.blocked),
        )
    )
    extra = []
    if figures.remaining:
        extra.append(
            t.gettext("Remaining: {remaining}").format(remaining=t.number(figures.remaining))
        )
    if figures.unknown:
        extra.append(
            t.gettext("Interrupted, maybe delivered (not resent): {unknown}").format(
                unknown=t.number(figures.unknown)
            )
        )
    if figures.cancelled:
        extra.append(
            t.gettext("Not sent (cancelled): {count}").format(count=t.number(figures.cancelled))
        )
    lines.extend(extra)
    return "\n".join(lines)


def list_keyboard(t: Translator, broadcasts: list[Broadcast]) -> InlineKeyboardMarkup:
    rows = [
        [button(t.gettext("⛔ Stop #{number}").format(number=b.id), Action.STOP, b.id)]
        for b in broadcasts
        if b.state in (BroadcastState.QUEUED, BroadcastState.SENDING)
    ]
    rows.append([button(t.gettext("🔄 Refresh"), Action.LIST)])
    return InlineKeyboardMarkup(rows)


def stop_confirm_keyboard(t: Translator, broadcast_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [button(t.gettext("Yes, stop it"), Action.STOP_YES, broadcast_id)],
            [button(t.gettext("No, keep sending"), Action.STOP_NO, broadcast_id)],
        ]
    )
