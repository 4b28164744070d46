"""Pending typed input of staff, info requests, and the relay between caseworker and family."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import Status
from db.models import (
    Application,
    CaseNote,
    CaseNotice,
    FormRun,
    InfoRequest,
    PendingInput,
    RelayConversation,
    RelayMessage,
    RunStatus,
)

# --- pending input ---------------------------------------------------------------------------


async def pending_input(session: AsyncSession, user_id: int) -> PendingInput | None:
    return await session.get(PendingInput, user_id, populate_existing=True)


async def set_pending_input(
    session: AsyncSession,
    user_id: int,
    kind: str,
    application_id: int | None = None,
    payload: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    """Replace whatever the user was asked before: the newest question wins."""
    await session.execute(delete(PendingInput).where(PendingInput.user_id == user_id))
    row = PendingInput(user_id=user_id, kind=kind, application_id=application_id, payload=payload)
    if now is not None:
        row.created_at = now
    session.add(row)


async def clear_pending_input(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(PendingInput).where(PendingInput.user_id == user_id))


# --- notes and info requests -----------------------------------------------------------------


def add_note(session: AsyncSession, application_id: int, author_id: int, text: str) -> None:
    session.add(CaseNote(application_id=application_id, author_id=author_id, text=text))


async def add_info_request(
    session: AsyncSession, application_id: int, asked_by: int, question: str, now: datetime
) -> InfoRequest:
    request = InfoRequest(
        application_id=application_id, asked_by=asked_by, question=question, asked_at=now
    )
    session.add(request)
    await session.flush()
    return request


async def open_info_request(session: AsyncSession, application_id: int) -> InfoRequest | None:
    """The newest unanswered question on the application."""
    return await session.scalar(
        select(InfoRequest)
        .where(InfoRequest.application_id == application_id, InfoRequest.answered_at.is_(None))
        .order_by(InfoRequest.id.desc())
        .limit(1)
    )


async def answer_info_request(
    session: AsyncSession,
    request: InfoRequest,
    *,
    text: str | None,
    document_id: int | None,
    now: datetime,
) -> bool:
    """Record the answer once (a conditional UPDATE: a double send answers only once)."""
    result = await session.execute(
        update(InfoRequest)
        .where(InfoRequest.id == request.id, InfoRequest.answered_at.is_(None))
        .values(answered_at=now, answer_text=text, answer_document_id=document_id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def close_open_info_requests(session: AsyncSession, application_id: int) -> None:
    """Questions left open when the caseworker resumes review or decides are closed unanswered."""
    open_rows = await session.scalars(
        select(InfoRequest).where(
            InfoRequest.application_id == application_id, InfoRequest.answered_at.is_(None)
        )
    )
    for row in open_rows:
        row.answered_at = row.asked_at  # answered_at == asked_at marks "closed, no answer"


# --- relay -----------------------------------------------------------------------------------


async def open_conversation(
    session: AsyncSession, application: Application, caseworker_id: int, now: datetime
) -> None:
    """Open (or take over) the application's conversation for this caseworker."""
    row = await session.get(RelayConversation, application.id, populate_existing=True)
    if row is None:
        session.add(
            RelayConversation(
                application_id=application.id,
                caseworker_id=caseworker_id,
                family_user_id=application.user_id,
                opened_at=now,
                last_message_at=now,
            )
        )
        return
    row.caseworker_id = caseworker_id
    row.family_user_id = application.user_id
    if row.closed_at is not None:
        row.opened_at = now
    row.closed_at = None
    row.last_message_at = now


async def close_conversation(session: AsyncSession, application_id: int, now: datetime) -> bool:
    result = await session.execute(
        update(RelayConversation)
        .where(
            RelayConversation.application_id == application_id,
            RelayConversation.closed_at.is_(None),
        )
        .values(closed_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def family_conversation(
    session: AsyncSession, family_user_id: int, idle_since: datetime
) -> RelayConversation | None:
    """The family's open conversation with a message after `idle_since` (newest first)."""
    return await session.scalar(
        select(RelayConversation)
        .where(
            RelayConversation.family_user_id == family_user_id,
            RelayConversation.closed_at.is_(None),
            RelayConversation.last_message_at > idle_since,
        )
        .order_by(RelayConversation.last_message_at.desc())
        .limit(1)
    )


async def form_started_since(session: AsyncSession, user_id: int, since: datetime) -> bool:
    """Has the user been filling a questionnaire (issue 4's form runs) since `since`?"""
    found = await session.scalar(
        select(FormRun.id)
        .where(
            FormRun.user_id == user_id,
            FormRun.status == RunStatus.ACTIVE,
            FormRun.updated_at > since,
        )
        .limit(1)
    )
    return found is not None


def add_relay_message(
    session: AsyncSession,
    application_id: int,
    direction: str,
    sender_id: int,
    text: str | None,
    file_id: str | None = None,
    file_kind: str | None = None,
) -> None:
    session.add(
        RelayMessage(
            application_id=application_id,
            direction=direction,
            sender_id=sender_id,
            text=text,
            file_id=file_id,
            file_kind=file_kind,
        )
    )


async def touch_conversation(session: AsyncSession, application_id: int, now: datetime) -> None:
    await session.execute(
        update(RelayConversation)
        .where(RelayConversation.application_id == application_id)
        .values(last_message_at=now)
        .execution_options(synchronize_session=False)
    )


# --- notices sent to staff -------------------------------------------------------------------


def add_notice(session: AsyncSession, application_id: int, chat_id: int, message_id: int) -> None:
    session.add(CaseNotice(application_id=application_id, chat_id=chat_id, message_id=message_id))


async def notices(session: AsyncSession, application_id: int) -> list[CaseNotice]:
    rows = await session.scalars(
        select(CaseNotice).where(CaseNotice.application_id == application_id)
    )
    return list(rows)


async def applications_needing_info(session: AsyncSession, user_id: int) -> list[Application]:
    """The family's applications waiting for its answer (status NEEDS_INFO), newest first.

    Asked for every message a family types, so the status is filtered in SQL.
    """
    rows = await session.scalars(
        select(Application)
        .where(Application.user_id == user_id, Application.status == Status.NEEDS_INFO)
        .order_by(Application.id.desc())
    )
    return list(rows)


async def caseworker_waiting(session: AsyncSession, user_id: int, idle_since: datetime) -> bool:
    """Does a caseworker wait for this family: an info request, or a conversation active since
    `idle_since`? One statement, for every message a family types; usually the answer is no."""
    info = (
        select(Application.id)
        .where(Application.user_id == user_id, Application.status == Status.NEEDS_INFO)
        .exists()
    )
    talk = (
        select(RelayConversation.application_id)
        .where(
            RelayConversation.family_user_id == user_id,
            RelayConversation.closed_at.is_(None),
            RelayConversation.last_message_at > idle_since,
        )
        .exists()
    )
    return bool(await session.scalar(select(or_(info, talk))))
