"""Texts about applications for staff: the compact card, details, history, transcript.

Plain text (no parse mode), in the reader's language; never longer than Telegram allows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from bot.i18n import Translator
from bot.lifecycle_text import STATUS_EMOJI, STATUS_LABELS
from bot.regions import region as region_place
from db.enums import Status
from db.models import (
    Application,
    CaseNote,
    Document,
    EligibilityCheck,
    InfoRequest,
    RelayMessage,
    StatusChange,
    User,
)

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
# Answer keys worth a line on the compact card, when the questionnaire stored them.
_CARD_KEYS = ("business_idea", "description")


def display_name(user: User | None, fallback_id: int | None = None) -> str:
    """A staff member's name as colleagues know it (never shown to families)."""
    if user is None:
        return f"id {fallback_id}" if fallback_id is not None else "—"
    name = " ".join(p for p in (user.first_name, user.last_name) if p).strip()
    if user.username:
        name = f"{name} (@{user.username})" if name else f"@{user.username}"
    return name or f"id {user.id}"


def reference(application: Application) -> str:
    return application.ref or f"#{application.id}"


def status_text(t: Translator, status: Status) -> str:
    return f"{STATUS_EMOJI[status]} {t.gettext(STATUS_LABELS[status])}"


def region_name(t: Translator, code: str | None) -> str:
    place = region_place(code) if code else None
    return place.name(t.language) if place else (code or "—")


def place_text(t: Translator, application: Application) -> str:
    parts = [region_name(t, application.region)]
    if application.district:
        parts.append(application.district)
    return ", ".join(parts)


def _value(t: Translator, value: Any) -> str:
    if isinstance(value, bool):
        return t.gettext("Yes") if value else t.gettext("No")
    if isinstance(value, list):
        return "; ".join(_value(t, v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    return text if len(text) <= 300 else text[:299] + "…"


def card(t: Translator, application: Application, holder: User | None) -> str:
    """The compact summary: fits a document caption (1024 characters)."""
    lines = [
        f"📄 {reference(application)} · {status_text(t, application.status)}",
        f"👤 {application.full_name or '—'} · {application.phone or '—'}",
        f"📍 {place_text(t, application)}",
    ]
    if application.submitted_at is not None:
        lines.append(
            t.gettext("📅 Submitted: {when}").format(when=t.datetime(application.submitted_at))
        )
    if application.priority_score:
        lines.append(t.gettext("⭐ Priority: {score}").format(score=application.priority_score))
    answers = application.answers or {}
    for key in _CARD_KEYS:
        if answers.get(key) not in (None, ""):
            lines.append(f"💼 {_value(t, answers[key])[:200]}")
            break
    total = answers.get("budget_total")
    if isinstance(total, int) and not isinstance(total, bool):
        lines.append(t.gettext("💰 Budget: {amount}").format(amount=t.money(total)))
    if holder is not None:
        lines.append(t.gettext("👷 Handled by: {name}").format(name=display_name(holder)))
    else:
        lines.append(t.gettext("👷 Nobody has taken it yet."))
    return clip("\n".join(lines), CAPTION_LIMIT)


def answers_text(t: Translator, answers: dict[str, Any]) -> str:
    if not answers:
        return t.gettext("Answers: none stored.")
    lines = [t.gettext("📋 Answers:")]
    lines += [f"• {key}: {_value(t, value)}" for key, value in answers.items()]
    return "\n".join(lines)


def eligibility_text(t: Translator, check: EligibilityCheck | None) -> str:
    if check is None:
        return t.gettext("🧮 Eligibility check: not linked to this application.")
    lines = [
        t.gettext("🧮 Eligibility check ({version}): {outcome}").format(
            version=check.ruleset_version, outcome=check.outcome or "—"
        )
    ]
    marks = {"pass": "✓", "fail": "✗"}
    for verdict in check.verdicts or []:
        rule = verdict.get("rule", "?")
        lines.append(f"  {marks.get(str(verdict.get('verdict')), '?')} {rule}")
    if check.priority_flags:
        lines.append(
            t.gettext("Priority: {flags}").format(flags=", ".join(map(str, check.priority_flags)))
        )
    return "\n".join(lines)


def documents_text(t: Translator, documents: list[Document]) -> str:
    if not documents:
        return t.gettext("📎 Documents: none.")
    lines = [t.gettext("📎 Documents:")]
    for number, doc in enumerate(documents, 1):
        name = doc.file_name or doc.kind
        lines.append(f"{number}. {name} ({doc.kind}) · {t.datetime(doc.created_at)}")
    return "\n".join(lines)


def history_text(t: Translator, changes: list[StatusChange], names: dict[int, str]) -> str:
    lines = [t.gettext("🕓 Status history:")]
    for change in changes:
        who = names.get(change.actor_id or 0) or t.gettext("the family")
        line = f"{t.datetime(change.created_at)} · {status_text(t, change.to_status)} · {who}"
        if change.comment:
            line += f"\n    «{change.comment}»"
        lines.append(line)
    return "\n".join(lines)


def transcript_text(
    t: Translator,
    requests: list[InfoRequest],
    messages: list[RelayMessage],
    notes: list[CaseNote],
    names: dict[int, str],
) -> str:
    """Info requests, relayed messages and internal notes, in time order."""
    entries: list[tuple[Any, str]] = []
    for request in requests:
        entries.append(
            (
                request.asked_at,
                t.gettext("❓ {who} asked: {text}").format(
                    who=names.get(request.asked_by, "?"), text=request.question
                ),
            )
        )
        if request.answered_at is not None and request.answered_at != request.asked_at:
            answer = request.answer_text or t.gettext("(a file)")
            line = t.gettext("💬 Family: {text}").format(text=answer)
            entries.append((request.answered_at, line))
    for message in messages:
        text = message.text or ""
        if message.file_id:
            text = f"[{message.file_kind or 'file'}] {text}".strip()
        if message.direction == "to_family":
            line = t.gettext("✉️ {who} → family: {text}").format(
                who=names.get(message.sender_id, "?"), text=text
            )
        else:
            line = t.gettext("💬 Family: {text}").format(text=text)
        entries.append((message.created_at, line))
    for note in notes:
        entries.append(
            (
                note.created_at,
                t.gettext("🗒 Note by {who}: {text}").format(
                    who=names.get(note.author_id, "?"), text=note.text
                ),
            )
        )
    if not entries:
        return t.gettext("💬 Transcript: no messages yet.")
    entries.sort(key=lambda e: e[0])
    lines = [t.gettext("💬 Transcript and notes:")]
    lines += [f"{t.datetime(when)} · {line}" for when, line in entries]
    return "\n".join(lines)


def clip(text: str, limit: int = MESSAGE_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def split_messages(blocks: Iterable[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pack blocks into as few messages as fit; a block longer than a message is cut by lines."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in _pieces(block, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def _pieces(block: str, limit: int) -> list[str]:
    if len(block) <= limit:
        return [block]
    pieces: list[str] = []
    current = ""
    for line in block.split("\n"):
        line = clip(line, limit)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = line
    if current:
        pieces.append(current)
    return pieces
