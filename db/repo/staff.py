"""Staff: caseworkers, their regions, admins and invite links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import CaseworkerRegion, Invite, Role, User


async def regions_of(session: AsyncSession, user_id: int) -> frozenset[str]:
    rows = await session.scalars(
        select(CaseworkerRegion.region).where(CaseworkerRegion.user_id == user_id)
    )
    return frozenset(rows)


async def ensure_user(session: AsyncSession, user_id: int) -> User:
    """The user row, created empty for someone who never wrote (added by id by an admin)."""
    user = await session.get(User, user_id)
    if user is None:
        now = utcnow()
        user = User(id=user_id, first_name="", created_at=now, updated_at=now, last_seen_at=now)
        session.add(user)
        await session.flush()
    return user


async def make_caseworker(session: AsyncSession, user_id: int) -> tuple[User, bool]:
    """Give the caseworker role; (user, changed). Admins keep their role."""
    user = await ensure_user(session, user_id)
    if user.role is not Role.APPLICANT:
        return user, False
    user.role = Role.CASEWORKER
    return user, True


async def remove_caseworker(session: AsyncSession, user_id: int) -> bool:
    """Back to a plain user; their regions go. False if they were not a caseworker."""
    user = await session.get(User, user_id)
    if user is None or user.role is not Role.CASEWORKER:
        return False
    user.role = Role.APPLICANT
    await session.execute(delete(CaseworkerRegion).where(CaseworkerRegion.user_id == user_id))
    return True


async def toggle_region(session: AsyncSession, user_id: int, region: str, added_by: int) -> bool:
    """Add the region if absent, remove it if present; True when it is now assigned."""
    existing = await session.get(CaseworkerRegion, (user_id, region))
    if existing is not None:
        await session.delete(existing)
        return False
    session.add(CaseworkerRegion(user_id=user_id, region=region, added_by=added_by))
    return True


async def caseworkers(session: AsyncSession) -> list[tuple[User, frozenset[str]]]:
    """Every caseworker with their regions, by name."""
    users = list(
        await session.scalars(
            select(User).where(User.role == Role.CASEWORKER).order_by(User.first_name, User.id)
        )
    )
    rows = await session.execute(
        select(CaseworkerRegion.user_id, CaseworkerRegion.region).where(
            CaseworkerRegion.user_id.in_([u.id for u in users])
        )
    )
    regions: dict[int, set[str]] = {}
    for user_id, region in rows:
        regions.setdefault(user_id, set()).add(region)
    return [(u, frozenset(regions.get(u.id, set()))) for u in users]


async def caseworkers_of_region(session: AsyncSession, region: str) -> list[User]:
    rows = await session.scalars(
        select(User)
        .join(CaseworkerRegion, CaseworkerRegion.user_id == User.id)
        .where(CaseworkerRegion.region == region, User.role == Role.CASEWORKER)
        .order_by(User.id)
    )
    return list(rows)


async def admins(session: AsyncSession, admin_ids: frozenset[int]) -> list[User]:
    """Admins known to the database, plus ADMIN_IDS who never wrote (created empty)."""
    found = {u.id: u for u in await session.scalars(select(User).where(User.role == Role.ADMIN))}
    for admin_id in sorted(admin_ids - set(found)):
        user = await ensure_user(session, admin_id)
        user.role = Role.ADMIN
        found[admin_id] = user
    return [found[k] for k in sorted(found)]


async def staff_users(session: AsyncSession) -> list[User]:
    rows = await session.scalars(
        select(User).where(User.role.in_([Role.CASEWORKER, Role.ADMIN])).order_by(User.id)
    )
    return list(rows)


async def create_invite(
    session: AsyncSession, token: str, created_by: int, expires_at: datetime
) -> Invite:
    invite = Invite(token=token, created_by=created_by, expires_at=expires_at)
    session.add(invite)
    await session.flush()
    return invite


async def claim_invite(
    session: AsyncSession, token: str, user_id: int, now: datetime
) -> Invite | None:
    """Use the invite once: a conditional UPDATE, so two people cannot both use one link."""
    result = await session.execute(
        update(Invite)
        .where(Invite.token == token, Invite.used_by.is_(None), Invite.expires_at > now)
        .values(used_by=user_id, used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return await session.scalar(select(Invite).where(Invite.token == token))
