"""The family's data as short readable messages in its language (the JSON file has it all).

Plain text (no parse mode), so names and answers are shown exactly as typed. Long parts are
summarised: the chat history is a count, not thousands of lines.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.forms.identity import format_phone
from bot.i18n import N_, Translator
from bot.lifecycle_text import STATUS_EMOJI, STATUS_LABELS
from bot.privacy.export import TableRows
from bot.regions import region as region_place
from db.enums import Status

MESSAGE_LIMIT = 4096
BUDGET = 3900  # room to spare under Telegram's limit
LISTED_DOCUMENTS = 10

DOCUMENT_KINDS = {
    "id_card": N_("Photo of the ID card"),
    "disability_certificate": N_("Photo of the disability certificate"),
    "other_document": N_("Another document you sent"),
    "business_plan_pdf": N_("Business plan (PDF)"),
    "info_reply": N_("File sent to the social worker"),
    "relay_file": N_("File sent to the social worker"),
}
CHECK_OUTCOMES = {
    "eligible": N_("can apply"),
    "not_eligible": N_("cannot apply now"),
    "ask_district_office": N_("the district office decides"),
}
RUN_STATES = {
    "active": N_("in progress"),
    "paused": N_("paused"),
    "completed": N_("finished"),
    "cancelled": N_("cancelled"),
}
PDF_KIND = "business_plan_pdf"

# Tables the sections below describe; any other exported table gets a line with its count.
DESCRIBED = frozenset(
    {
        "users",
        "eligibility_checks",
        "form_runs",
        "applications",
        "documents",
        "status_changes",
        "info_requests",
        "relay_conversations",
        "relay_messages",
        "reminders",
        "broadcast_deliveries",
        "message_log",
        "privacy_requests",
    }
)


def _when(t: Translator, value: Any) -> str:
    return t.date(value) if isinstance(value, datetime) else "—"


def _status(t: Translator, value: Any) -> str:
    try:
        status = Status(value)
    except ValueError:
        return str(value)
    return f"{STATUS_EMOJI[status]} {t.gettext(STATUS_LABELS[status])}"


def _plain(value: Any) -> Any:
    """An enum member as its stored value (rows may carry either)."""
    return value.value if isinstance(value, enum.Enum) else value


def _size(t: Translator, size: Any) -> str:
    if not isinstance(size, int) or isinstance(size, bool):
        return ""
    return t.gettext("{n} KB").format(n=t.number(max(1, round(size / 1024))))


def _profile(t: Translator, users: Sequence[Mapping[str, Any]]) -> list[str]:
    if not users:
        return [t.gettext("👤 No profile is stored.")]
    user = users[0]
    name = " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p) or "—"
    lines = [
        t.gettext("👤 Your profile"),
        t.gettext("Name in Telegram: {name}").format(name=name),
    ]
    if user.get("username"):
        lines.append(t.gettext("Telegram username: @{username}").format(username=user["username"]))
    lines.append(t.gettext("First visit: {date}").format(date=_when(t, user.get("created_at"))))
    return lines


def _checks(t: Translator, checks: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = [t.gettext("✅ Eligibility checks: {n}").format(n=len(checks))]
    if checks:
        last = checks[-1]
        outcome = CHECK_OUTCOMES.get(str(last.get("outcome")))
        lines.append(
            t.gettext("The latest: {date}, result: {result}").format(
                date=_when(t, last.get("finished_at") or last.get("started_at")),
                result=t.gettext(outcome) if outcome else "—",
            )
        )
    return lines


def _forms(
    t: Translator, runs: Sequence[Mapping[str, Any]], titles: Mapping[str, str]
) -> list[str]:
    lines = [t.gettext("📝 Questionnaires you filled in: {n}").format(n=len(runs))]
    for run in runs:
        state = RUN_STATES.get(str(_plain(run.get("status"))))
        lines.append(
            t.gettext("• {form}: {state}, answers: {n}").format(
                form=titles.get(str(run.get("form_id")), str(run.get("form_id"))),
                state=t.gettext(state) if state else "—",
                n=len(run.get("answers") or {}),
            )
        )
    return lines


def _place(t: Translator, application: Mapping[str, Any]) -> str:
    code = application.get("region")
    place = region_place(code) if isinstance(code, str) else None
    parts = [place.name(t.language) if place else (code or "—")]
    if application.get("district"):
        parts.append(str(application["district"]))
    return ", ".join(parts)


def _application(
    t: Translator,
    application: Mapping[str, Any],
    documents: Sequence[Mapping[str, Any]],
    changes: Sequence[Mapping[str, Any]],
) -> list[str]:
    ref = application.get("ref")
    status = _plain(application.get("status"))
    if ref is None:
        head = t.gettext("📝 A draft application (not submitted)")
    else:
        head = t.gettext("📄 Application {ref}").format(ref=ref)
    lines = [f"{head} · {_status(t, status)}"]
    if application.get("submitted_at"):
        when = _when(t, application["submitted_at"])
        lines.append(t.gettext("Date of submission: {date}").format(date=when))
    if application.get("full_name"):
        lines.append(t.gettext("Applicant: {name}").format(name=application["full_name"]))
    if application.get("pin"):
        lines.append(t.gettext("PIN: {pin}").format(pin=application["pin"]))
    if application.get("phone"):
        lines.append(t.gettext("Phone: {phone}").format(phone=format_phone(application["phone"])))
    if application.get("region"):
        lines.append(t.gettext("Place: {place}").format(place=_place(t, application)))
    answers = application.get("answers") or {}
    lines.append(t.gettext("Answers stored: {n}").format(n=len(answers)))
    if documents:
        lines.append(t.gettext("Documents: {n}").format(n=len(documents)))
        for doc in documents[:LISTED_DOCUMENTS]:
            kind = DOCUMENT_KINDS.get(str(doc.get("kind")))
            name = t.gettext(kind) if kind else str(doc.get("kind"))
            details = ", ".join(
                p for p in (str(doc.get("file_name") or ""), _size(t, doc.get("size"))) if p
            )
            lines.append(f"• {name}" + (f" — {details}" if details else ""))
        if len(documents) > LISTED_DOCUMENTS:
            lines.append(
                t.gettext("… and {n} more (see the file)").format(
                    n=len(documents) - LISTED_DOCUMENTS
                )
            )
    if changes:
        lines.append(
            t.gettext("Status history: {n} changes, the latest on {date}").format(
                n=len(changes), date=_when(t, changes[-1].get("created_at"))
            )
        )
    return lines


def _by_application(
    rows: Iterable[Mapping[str, Any]],
) -> dict[Any, list[Mapping[str, Any]]]:
    grouped: dict[Any, list[Mapping[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row.get("application_id"), []).append(row)
    return grouped


def _contacts(t: Translator, data: TableRows) -> list[str]:
    requests = data.get("info_requests", [])
    answered = sum(1 for r in requests if r.get("answered_at") is not None)
    return [
        t.gettext("❓ Questions from the social worker: {n}, answered: {answered}").format(
            n=len(requests), answered=answered
        ),
        t.gettext("💬 Messages between you and the social worker: {n}").format(
            n=len(data.get("relay_messages", []))
        ),
        t.gettext("⏰ Reminders planned about your application: {n}").format(
            n=len(data.get("reminders", []))
        ),
        t.gettext("📢 Announcements sent to you: {n}").format(
            n=len(data.get("broadcast_deliveries", []))
        ),
    ]


def _transcript(t: Translator, log: Sequence[Mapping[str, Any]]) -> list[str]:
    if not log:
        return [t.gettext("🗂 Chat history: no messages are stored.")]
    inbound = sum(1 for row in log if _plain(row.get("direction")) == "in")
    return [
        t.gettext(
            "🗂 Chat history: {n} messages ({inbound} from you, {outbound} from the bot) since "
            "{date}. Every message is in the file."
        ).format(
            n=len(log),
            inbound=inbound,
            outbound=len(log) - inbound,
            date=_when(t, log[0].get("created_at")),
        )
    ]


def sections(t: Translator, data: TableRows, titles: Mapping[str, str]) -> list[list[str]]:
    """The summary as blocks of lines, in reading order."""
    documents = _by_application(data.get("documents", []))
    changes = _by_application(data.get("status_changes", []))
    blocks = [
        [
            t.gettext(
                "📦 Your data. The file above holds everything the bot stores about you; "
                "here is a short summary."
            )
        ],
        _profile(t, data.get("users", [])),
        _checks(t, data.get("eligibility_checks", [])),
        _forms(t, data.get("form_runs", []), titles),
    ]
    applications = data.get("applications", [])
    if not applications:
        blocks.append([t.gettext("📄 You have no application.")])
    for application in applications:
        key = application.get("id")
        blocks.append(_application(t, application, documents.get(key, []), changes.get(key, [])))
    blocks.append(_contacts(t, data))
    blocks.append(_transcript(t, data.get("message_log", [])))
    blocks.append(
        [
            t.gettext("🔒 Your requests about your data: {n}").format(
                n=len(data.get("privacy_requests", []))
            )
        ]
    )
    others = [
        t.gettext("Other records ({table}): {n}").format(table=name, n=len(rows))
        for name, rows in data.items()
        if name not in DESCRIBED and rows
    ]
    if others:
        blocks.append(others)
    if has_plan_pdf(data):
        blocks.append(
            [
                t.gettext(
                    "The file does not include the business plan PDF itself; press the button "
                    "below to get it again."
                )
            ]
        )
    blocks.append([t.gettext("To erase your data, send /deleteme.")])
    return blocks


def plan_pdfs(data: TableRows) -> list[Mapping[str, Any]]:
    """The stored business-plan PDFs of the family, newest last."""
    return [d for d in data.get("documents", []) if d.get("kind") == PDF_KIND]


def has_plan_pdf(data: TableRows) -> bool:
    return bool(plan_pdfs(data))


def pack(blocks: Sequence[Sequence[str]], budget: int = BUDGET) -> list[str]:
    """Blocks joined into messages under the budget; a block never splits unless it alone
    is too long (then by lines, and a single huge line is cut)."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        text = "\n".join(block)
        pieces = [text] if len(text) <= budget else _split_lines(block, budget)
        for piece in pieces:
            joined = f"{current}\n\n{piece}" if current else piece
            if len(joined) <= budget:
                current = joined
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def _split_lines(lines: Sequence[str], budget: int) -> list[str]:
    pieces: list[str] = []
    current = ""
    for line in lines:
        while len(line) > budget:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:budget])
            line = line[budget:]
        joined = f"{current}\n{line}" if current else line
        if len(joined) <= budget:
            current = joined
        else:
            pieces.append(current)
            current = line
    if current:
        pieces.append(current)
    return pieces


def summary_messages(t: Translator, data: TableRows, titles: Mapping[str, str]) -> list[str]:
    """The readable summary, each message within Telegram's 4096 characters."""
    return pack(sections(t, data, titles))
