"""The family's side of casework: its status page, answers to info requests, messages to the
caseworker, and withdrawing an application. Runs inside the caller's unit of work."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.casework import render
from bot.casework.relay import RELAY_IDLE, Content
from bot.i18n import Translator
from bot.lifecycle import FINAL_STATUSES, WITHDRAWABLE, TransitionError, check_transition
from bot.lifecycle_text import NEXT_STEP
from db.enums import Role, Status
from db.models import Application, Document, InfoRequest, StatusChange
from db.repo import cases, conversations

_LOG = logging.getLogger(__name__)


def status_page(
    t: Translator,
    application: Application,
    changes: list[StatusChange],
    question: InfoRequest | None,
) -> str:
    """Current status, its history and the next step, in the family's language."""
    lines = [
        t.gettext("📄 Your application {ref}").format(ref=render.reference(application)),
        t.gettext("Status: {status}").format(status=render.status_text(t, application.status)),
    ]
    if application.submitted_at is not None:
        lines.append(t.gettext("Submitted: {date}").format(date=t.date(application.submitted_at)))
    if changes:
        lines += ["", t.gettext("🕓 History:")]
        for change in changes:
            line = f"{t.datetime(change.created_at)} · {render.status_text(t, change.to_status)}"
            if change.comment and change.to_status in (Status.REJECTED, Status.NEEDS_INFO):
                line += f"\n    «{change.comment}»"
            lines.append(line)
    if question is not None and application.status is Status.NEEDS_INFO:
        lines += ["", t.gettext("❓ The social worker asks:"), question.question]
    lines += ["", t.gettext("➡️ What happens next:"), t.gettext(NEXT_STEP[application.status])]
    return render.clip("\n".join(lines))


def can_withdraw(application: Application) -> bool:
    """Offered before a decision; a draft is the questionnaire's to discard."""
    return application.status in WITHDRAWABLE and application.status is not Status.DRAFT


@dataclass
class FamilyReply:
    """Where a family's message went, for the messages sent after the commit."""

    application: Application
    kind: str  # "info_answer" | "relay"
    caseworker_id: int | None
    question: str | None = None


async def take_info_answer(
    session: AsyncSession, user_id: int, content: Content, now: datetime
) -> FamilyReply | None:
    """The family's answer to an open info request, if it has one.

    The answer is stored (a file as a Document of the application), the application goes back
    to "in review", and it goes to the caseworker who asked.
    """
    for application in await conversations.applications_needing_info(session, user_id):
        request = await conversations.open_info_request(session, application.id)
        if request is None:
            continue
        document_id = await _store_file(session, application.id, content, "info_reply")
        if not await conversations.answer_info_request(
            session, request, text=content.text, document_id=document_id, now=now
        ):
            continue
        check_transition(Status.NEEDS_INFO, Status.IN_REVIEW, Role.APPLICANT)
        moved = await cases.change_status(
            session,
            application,
            Status.IN_REVIEW,
            actor_id=user_id,
            actor_role=Role.APPLICANT,
            comment=None,
        )
        if not moved:
            _LOG.warning("info answer on %s: status changed meanwhile", application.id)
        conversations.add_relay_message(
            session,
            application.id,
            "from_family",
            user_id,
            content.text,
            content.file_id,
            content.kind,
        )
        await conversations.touch_conversation(session, application.id, now)
        caseworker = request.asked_by or application.assigned_to
        return FamilyReply(application, "info_answer", caseworker, request.question)
    return None


async def take_family_message(
    session: AsyncSession, user_id: int, content: Content, now: datetime
) -> FamilyReply | None:
    """An answer to an open info request first; otherwise a message of an open conversation."""
    if not await conversations.caseworker_waiting(session, user_id, now - RELAY_IDLE):
        return None
    taken = await take_info_answer(session, user_id, content, now)
    if taken is None:
        taken = await take_relay_message(session, user_id, content, now)
    return taken


async def take_relay_message(
    session: AsyncSession, user_id: int, content: Content, now: datetime
) -> FamilyReply | None:
    """The family's message while a conversation with a caseworker is open.

    A questionnaire the family worked on after the conversation's last message (say, it
    started /check) keeps its answers: then the message is not taken.
    """
    conversation = await conversations.family_conversation(session, user_id, now - RELAY_IDLE)
    if conversation is None:
        return None
    if await conversations.form_started_since(session, user_id, conversation.last_message_at):
        return None
    talked = await cases.get_application(session, conversation.application_id)
    if talked is None or talked.status in FINAL_STATUSES:
        return None  # after a final decision the family's typing is theirs again (a new plan)
    await _store_file(session, talked.id, content, "relay_file")
    conversations.add_relay_message(
        session,
        talked.id,
        "from_family",
        user_id,
        content.text,
        content.file_id,
        content.kind,
    )
    await conversations.touch_conversation(session, talked.id, now)
    return FamilyReply(talked, "relay", conversation.caseworker_id)


async def _store_file(
    session: AsyncSession, application_id: int, content: Content, kind: str
) -> int | None:
    if content.file_id is None:
        return None
    document = Document(
        application_id=application_id,
        kind=kind,
        telegram_file_id=content.file_id,
        file_name=content.file_name,
        mime_type=content.mime_type,
        size=content.size,
    )
    session.add(document)
    await session.flush()
    return document.id


async def withdraw(
    session: AsyncSession, user_id: int, application_id: int, now: datetime
) -> Application | None:
    """The family withdraws its own application before a decision; None if not possible."""
    application = await cases.get_application(session, application_id)
    if application is None or application.user_id != user_id:
        _LOG.warning("refused withdraw of %s to user %s: not theirs", application_id, user_id)
        return None
    try:
        check_transition(application.status, Status.WITHDRAWN, Role.APPLICANT)
    except TransitionError:
        return None
    if not await cases.change_status(
        session,
        application,
        Status.WITHDRAWN,
        actor_id=user_id,
        actor_role=Role.APPLICANT,
        comment=None,
    ):
        return None
    await conversations.close_conversation(session, application_id, now)
    await conversations.close_open_info_requests(session, application_id)
    return application
