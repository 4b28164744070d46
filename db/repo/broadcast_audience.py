"""Who a broadcast goes to, in SQL: counting an audience and listing it as deliveries.

The meaning of each audience is documented in bot/broadcast/segments.py. Kinds and values
arrive as plain strings (validated there); anything unknown matches nobody.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, false, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import DeliveryState, Role, Status
from db.models import Application, Delivery, EligibilityCheck, User


def effective_language(default_language: str) -> ColumnElement[str]:
    """The language a family reads: its choice, else the bot's default."""
    return func.coalesce(User.language, literal(default_language))


def effective_region() -> ColumnElement[str | None]:
    """users.region, else the latest application's region, else the latest check's answer."""
    application_region = (
        select(Application.region)
        .where(Application.user_id == User.id, Application.region.is_not(None))
        .order_by(Application.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    check_region = (
        select(EligibilityCheck.answers["region"].as_string())
        .where(EligibilityCheck.user_id == User.id)
        .order_by(EligibilityCheck.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(User.region, application_region, check_region)


def latest_status() -> ColumnElement[str | None]:
    return (
        select(Application.status)
        .where(Application.user_id == User.id)
        .order_by(Application.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def audience_filter(kind: str, value: str | None, default_language: str) -> ColumnElement[bool]:
    """The WHERE clause over users for one audience; families only, never the blocked."""
    families = and_(User.role == Role.APPLICANT, User.blocked.is_(False))
    if kind == "all":
        return families
    if kind == "lang" and value:
        return and_(families, effective_language(default_language) == value)
    if kind == "region" and value:
        return and_(families, effective_region() == value)
    if kind == "status" and value:
        return and_(families, latest_status() == value)
    if kind == "checked":
        checked = exists().where(
            EligibilityCheck.user_id == User.id, EligibilityCheck.outcome.is_not(None)
        )
        applied = exists().where(
            Application.user_id == User.id, Application.status != Status.DRAFT
        )
        return and_(families, checked, ~applied)
    return false()


async def count_by_language(
    session: AsyncSession, kind: str, value: str | None, default_language: str
) -> dict[str, int]:
    """Recipients per language, for the preview's exact figure."""
    language = effective_language(default_language)
    rows = await session.execute(
        select(language, func.count())
        .select_from(User)
        .where(audience_filter(kind, value, default_language))
        .group_by(language)
    )
    return {str(lang): int(count) for lang, count in rows.all()}


async def materialize(
    session: AsyncSession,
    broadcast_id: int,
    kind: str,
    value: str | None,
    default_language: str,
) -> int:
    """One pending delivery per recipient (INSERT ... SELECT); returns how many."""
    language = effective_language(default_language)
    source = (
        select(
            literal(broadcast_id),
            User.id,
            language,
            literal(DeliveryState.PENDING.value),
            literal(0),
        )
        .where(audience_filter(kind, value, default_language))
        .order_by(User.id)
    )
    await session.execute(
        insert(Delivery).from_select(
            ["broadcast_id", "user_id", "language", "state", "attempts"], source
        )
    )
    total = await session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.broadcast_id == broadcast_id)
    )
    return int(total or 0)
