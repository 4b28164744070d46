"""Everything a caseworker reads about one application (/app and the Details button)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.casework import render
from bot.i18n import Translator
from db.models import Application, EligibilityCheck, User
from db.repo import cases

_LOG = logging.getLogger(__name__)


@cache
def _plan_form(grant_amount: int) -> Any:
    from bot.plan.questions import build_plan_form  # the questionnaire of issue 4

    return build_plan_form(grant_amount)


def answers_block(t: Translator, answers: dict[str, Any], grant_amount: int) -> str:
    """The answers with the questionnaire's own labels, in the reader's language; the raw
    keys when the questionnaire does not know them (older or foreign data)."""
    try:
        from bot.forms.present import summary

        form = _plan_form(grant_amount)
        known = any(question.id in answers for question in form.questions)
        sections = summary(t, form, answers) if known else []
    except Exception:  # a changed questionnaire must never hide the answers
        _LOG.exception("answers could not be shown with the questionnaire's labels")
        sections = []
    if not sections:
        return render.answers_text(t, answers)
    lines = [t.gettext("📋 Answers:")]
    for section in sections:
        if section.title:
            lines.append(f"— {section.title}")
        lines += [f"• {row.label}: {row.text}" for row in section.rows]
    return "\n".join(lines)


@dataclass
class Details:
    application: Application
    holder: User | None
    blocks: list[str]
    documents: list[tuple[int, str]]  # (document id, label) for download buttons


async def load(
    session: AsyncSession, t: Translator, application: Application, grant_amount: int
) -> Details:
    """Read the answers, eligibility result, documents, history, transcript and notes."""
    changes = await cases.history(session, application.id)
    documents = await cases.documents(session, application.id)
    notes = await cases.notes(session, application.id)
    requests = await cases.info_requests(session, application.id)
    messages = await cases.relay_messages(session, application.id)
    check = (
        await session.get(EligibilityCheck, application.eligibility_check_id)
        if application.eligibility_check_id
        else None
    )
    people = {c.actor_id for c in changes if c.actor_id}
    people |= {n.author_id for n in notes} | {r.asked_by for r in requests}
    people |= {m.sender_id for m in messages if m.direction == "to_family"}
    if application.assigned_to:
        people.add(application.assigned_to)
    names: dict[int, str] = {}
    holder: User | None = None
    for user_id in people:
        user = await session.get(User, user_id)
        if user_id == application.user_id:
            continue  # the family's own changes read as "the family"
        names[user_id] = render.display_name(user, user_id)
        if user_id == application.assigned_to:
            holder = user
    blocks = [
        answers_block(t, application.answers or {}, grant_amount),
        render.eligibility_text(t, check),
        render.documents_text(t, documents),
        render.history_text(t, changes, names),
        render.transcript_text(t, requests, messages, notes, names),
    ]
    labels = [(d.id, d.file_name or d.kind) for d in documents]
    return Details(application, holder, blocks, labels)
