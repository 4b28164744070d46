"""Applications, their documents and status changes, for the business-plan flow. Never commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import OPEN_STATUSES, Role, Status
from db.models import Application, Document, EligibilityCheck, StatusChange


async def get_application(session: AsyncSession, application_id: int) -> Application | None:
    return await session.get(Application, application_id)


async def draft_of_user(session: AsyncSession, user_id: int) -> Application | None:
    """The user's draft (the plan being written), newest first if there were ever two."""
    return await session.scalar(
        select(Application)
        .where(Application.user_id == user_id, Application.status == Status.DRAFT)
        .order_by(Application.id.desc())
        .limit(1)
    )


async def open_application_of_user(session: AsyncSession, user_id: int) -> Application | None:
    """The user's submitted application that is still open (not a draft, not final)."""
    return await session.scalar(
        select(Application)
        .where(
            Application.user_id == user_id,
            Application.status.in_(OPEN_STATUSES - {Status.DRAFT}),
        )
        .order_by(Application.id.desc())
        .limit(1)
    )


async def open_application_with_pin(
    session: AsyncSession, pin: str, exclude_id: int | None = None
) -> Application | None:
    """Another open (submitted, not final) application with this PIN: one per family."""
    query = select(Application).where(
        Application.pin == pin, Application.status.in_(OPEN_STATUSES - {Status.DRAFT})
    )
    if exclude_id is not None:
        query = query.where(Application.id != exclude_id)
    return await session.scalar(query.limit(1))


async def create_draft(
    session: AsyncSession,
    user_id: int,
    language: str,
    eligibility_check_id: int | None = None,
    priority_score: int = 0,
) -> Application:
    application = Application(
        user_id=user_id,
        status=Status.DRAFT,
        language=language,
        answers={},
        eligibility_check_id=eligibility_check_id,
        priority_score=priority_score,
    )
    session.add(application)
    await session.flush()
    session.add(
        StatusChange(
            application_id=application.id,
            from_status=None,
            to_status=Status.DRAFT,
            actor_id=user_id,
            actor_role=Role.APPLICANT,
        )
    )
    return application


def record_status_change(
    session: AsyncSession,
    application: Application,
    target: Status,
    actor_id: int | None,
    role: Role,
    comment: str | None = None,
) -> StatusChange:
    """Move the application and write the audit row (the caller checked the transition)."""
    change = StatusChange(
        application_id=application.id,
        from_status=application.status,
        to_status=target,
        actor_id=actor_id,
        actor_role=role,
        comment=comment,
    )
    application.status = target
    session.add(change)
    return change


def add_document(
    session: AsyncSession,
    application_id: int,
    kind: str,
    *,
    telegram_file_id: str | None = None,
    file_name: str | None = None,
    mime_type: str | None = None,
    size: int | None = None,
    content: bytes | None = None,
) -> Document:
    document = Document(
        application_id=application_id,
        kind=kind,
        telegram_file_id=telegram_file_id,
        file_name=file_name,
        mime_type=mime_type,
        size=size,
        content=content,
    )
    session.add(document)
    return document


async def documents_of(session: AsyncSession, application_id: int) -> list[Document]:
    rows = await session.scalars(
        select(Document).where(Document.application_id == application_id).order_by(Document.id)
    )
    return list(rows)


async def latest_finished_check(session: AsyncSession, user_id: int) -> EligibilityCheck | None:
    """The user's most recent finished eligibility check, whose answers prefill the plan."""
    return await session.scalar(
        select(EligibilityCheck)
        .where(EligibilityCheck.user_id == user_id, EligibilityCheck.finished_at.is_not(None))
        .order_by(EligibilityCheck.id.desc())
        .limit(1)
    )
