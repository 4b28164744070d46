"""Applications as caseworkers see them: lists, search, status changes with the audit log."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import ColumnElement, Row, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from db.base import utcnow
from db.enums import Role, Status
from db.models import (
    Application,
    CaseNote,
    Document,
    InfoRequest,
    RelayMessage,
    StatusChange,
    User,
)

# What an export shows of an application (bot/casework/exports.py).
EXPORT_COLUMNS = (
    Application.ref,
    Application.status,
    Application.region,
    Application.district,
    Application.full_name,
    Application.phone,
    Application.pin,
    Application.submitted_at,
    Application.assigned_to,
    Application.priority_score,
    Application.updated_at,
)
EXPORT_BATCH = 2_000
# The queue's order: oldest submission first (first come, first served); the id breaks ties.
QUEUE_ORDER = (Application.submitted_at.asc().nulls_last(), Application.id)


async def get_application(session: AsyncSession, application_id: int) -> Application | None:
    """Fresh from the database (a cached copy could hide another caseworker's change)."""
    return await session.get(Application, application_id, populate_existing=True)


async def by_ref(session: AsyncSession, ref: str) -> Application | None:
    return await session.scalar(select(Application).where(Application.ref == ref.upper()))


def _filtered(
    statuses: Collection[Status] | None, regions: Collection[str] | None
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Application.status != Status.DRAFT]
    if statuses is not None:
        where.append(Application.status.in_(list(statuses)))
    if regions is not None:
        where.append(Application.region.in_(list(regions)))
    return where


async def list_applications(
    session: AsyncSession,
    statuses: Collection[Status] | None,
    regions: Collection[str] | None,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[list[Application], int]:
    """A page of submitted applications (oldest submission first: first come, first served)."""
    where = _filtered(statuses, regions)
    total = await session.scalar(select(func.count()).select_from(Application).where(*where))
    query = select(Application).where(*where).order_by(*QUEUE_ORDER).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    rows = await session.scalars(query)
    return list(rows), int(total or 0)


async def export_rows(
    session: AsyncSession,
    statuses: Collection[Status] | None,
    regions: Collection[str] | None,
    limit: int,
) -> list[Row[*tuple[Any, ...]]]:
    """The queue's filtered list for an export: plain rows of EXPORT_COLUMNS in queue order.

    No ORM object per application (the JSON answers are never read), and the rows arrive in
    batches, so other chats are served between them while a large export is read.
    """
    query = (
        select(*EXPORT_COLUMNS)
        .where(*_filtered(statuses, regions))
        .order_by(*QUEUE_ORDER)
        .limit(limit)
    )
    result = await session.stream(query.execution_options(yield_per=EXPORT_BATCH))
    rows: list[Row[*tuple[Any, ...]]] = []
    async for batch in result.partitions():
        rows.extend(batch)
    return rows


async def users_by_id(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, User]:
    """The users among `ids` (None and unknown ids skipped), in one query."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.scalars(select(User).where(User.id.in_(wanted)))
    return {user.id: user for user in rows}


async def find(
    session: AsyncSession,
    *,
    regions: Collection[str] | None,
    pin: str | None = None,
    phone: str | None = None,
    ref: str | None = None,
    limit: int = 20,
) -> list[Application]:
    """Applications matching a PIN, a phone or a reference, in the regions given."""
    where = _filtered(None, regions)
    if pin is not None:
        where.append(Application.pin == pin)
    if phone is not None:
        where.append(Application.phone == phone)
    if ref is not None:
        where.append(Application.ref.like(f"%{ref}"))
    rows = await session.scalars(
        select(Application).where(*where).order_by(Application.id.desc()).limit(limit)
    )
    return list(rows)


async def counts(
    session: AsyncSession, regions: Collection[str] | None
) -> dict[tuple[str | None, Status], int]:
    """{(region, status): count} of submitted applications."""
    rows = await session.execute(
        select(Application.region, Application.status, func.count())
        .where(*_filtered(None, regions))
        .group_by(Application.region, Application.status)
    )
    return {(region, status): int(n) for region, status, n in rows}


async def change_status(
    session: AsyncSession,
    application: Application,
    target: Status,
    *,
    actor_id: int | None,
    actor_role: Role,
    comment: str | None = None,
    assign_to: int | None = None,
    require_unassigned: bool = False,
) -> bool:
    """Move the application, if nobody changed it since it was read (optimistic locking).

    One conditional UPDATE (on id and version) decides: on PostgreSQL and SQLite alike only
    one of two concurrent writers matches. The audit row joins the same transaction.
    Returns False when someone else changed the application first.
    """
    values: dict[str, object] = {
        "status": target,
        "version": application.version + 1,
        "updated_at": utcnow(),
    }
    where = [Application.id == application.id, Application.version == application.version]
    if assign_to is not None:
        values["assigned_to"] = assign_to
    if require_unassigned:
        where.append(Application.assigned_to.is_(None))
    result = await session.execute(
        update(Application)
        .where(*where)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    if target is not application.status:
        session.add(
            StatusChange(
                application_id=application.id,
                from_status=application.status,
                to_status=target,
                actor_id=actor_id,
                actor_role=actor_role,
                comment=comment,
            )
        )
    await session.flush()
    await session.refresh(application)
    return True


async def unassign_all(session: AsyncSession, user_id: int, statuses: Collection[Status]) -> int:
    """Put a leaving caseworker's open applications back in the queue."""
    result = await session.execute(
        update(Application)
        .where(Application.assigned_to == user_id, Application.status.in_(list(statuses)))
        .values(assigned_to=None, version=Application.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def history(session: AsyncSession, application_id: int) -> list[StatusChange]:
    rows = await session.scalars(
        select(StatusChange)
        .where(StatusChange.application_id == application_id)
        .order_by(StatusChange.id)
    )
    return list(rows)


async def documents(session: AsyncSession, application_id: int) -> list[Document]:
    """The documents without their bytes (a PDF can be large)."""
    rows = await session.scalars(
        select(Document)
        .options(defer(Document.content))
        .where(Document.application_id == application_id)
        .order_by(Document.id)
    )
    return list(rows)


async def document(session: AsyncSession, document_id: int) -> Document | None:
    return await session.get(Document, document_id)


async def plan_pdf(session: AsyncSession, application_id: int) -> Document | None:
    """The newest generated business-plan PDF."""
    return await session.scalar(
        select(Document)
        .where(Document.application_id == application_id, Document.kind == "business_plan_pdf")
        .order_by(Document.id.desc())
        .limit(1)
    )


async def notes(session: AsyncSession, application_id: int) -> list[CaseNote]:
    rows = await session.scalars(
        select(CaseNote).where(CaseNote.application_id == application_id).order_by(CaseNote.id)
    )
    return list(rows)


async def info_requests(session: AsyncSession, application_id: int) -> list[InfoRequest]:
    rows = await session.scalars(
        select(InfoRequest)
        .where(InfoRequest.application_id == application_id)
        .order_by(InfoRequest.id)
    )
    return list(rows)


async def relay_messages(session: AsyncSession, application_id: int) -> list[RelayMessage]:
    rows = await session.scalars(
        select(RelayMessage)
        .where(RelayMessage.application_id == application_id)
        .order_by(RelayMessage.id)
    )
    return list(rows)


async def family_applications(session: AsyncSession, user_id: int) -> list[Application]:
    """A family's applications, newest first."""
    rows = await session.scalars(
        select(Application).where(Application.user_id == user_id).order_by(Application.id.desc())
    )
    return list(rows)
