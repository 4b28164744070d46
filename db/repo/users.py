"""Reading and writing users."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, NamedTuple

from sqlalchemy import Exists, exists, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db.base import utcnow
from db.models import Application, Role, Status, User

# last_seen_at is refreshed at most this often: precise enough for reminders and statistics.
LAST_SEEN_RESOLUTION = timedelta(minutes=5)


class Profile(NamedTuple):
    """What every update needs to know about its user."""

    language: str | None
    role: Role
    # Has a submitted (non-draft) application: only then can a caseworker be waiting for the
    # family's typed answer. Drafts are invisible to staff (bot/casework/actions.py).
    has_case: bool


async def current_profile(
    connection: AsyncConnection,
    user_id: int,
    first_name: str,
    last_name: str | None,
    username: str | None,
    *,
    admin_ids: frozenset[int] = frozenset(),
) -> Profile | None:
    """The profile when the stored user needs no write (what upsert_user would change is
    unchanged); None otherwise. One read, no transaction: PostgreSQL asks it on every update."""
    row = (
        await connection.execute(
            select(
                User.language,
                User.role,
                User.first_name,
                User.last_name,
                User.username,
                User.blocked,
                User.last_seen_at,
                _has_case(User.id).label("has_case"),
            ).where(User.id == user_id)
        )
    ).first()
    if row is None or row.blocked:
        return None
    if (row.first_name, row.last_name, row.username) != (first_name, last_name, username):
        return None
    if user_id in admin_ids and row.role is not Role.ADMIN:
        return None
    if utcnow() - row.last_seen_at > LAST_SEEN_RESOLUTION:
        return None
    return Profile(row.language, row.role, bool(row.has_case))


def _has_case(user_id: Any) -> Exists:
    return exists().where(Application.user_id == user_id, Application.status != Status.DRAFT)


async def has_case(session: AsyncSession, user_id: int) -> bool:
    """Whether the user has a submitted application (see Profile.has_case)."""
    return bool(await session.scalar(select(_has_case(user_id))))


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    """The user with this Telegram id, if they ever wrote to the bot."""
    return await session.get(User, user_id)


async def upsert_user(
    session: AsyncSession,
    user_id: int,
    first_name: str,
    last_name: str | None,
    username: str | None,
    *,
    admin_ids: frozenset[int] = frozenset(),
) -> User:
    """Create the user on first contact, refresh the profile otherwise.

    A user who writes again is no longer 'blocked': they evidently talk to the bot.
    ADMIN_IDS are admins from their first message on.
    """
    user = await session.get(User, user_id)
    now = utcnow()
    if user is None:
        user = User(
            id=user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            role=Role.ADMIN if user_id in admin_ids else Role.APPLICANT,
            created_at=now,
            updated_at=now,
            last_seen_at=now,
        )
        session.add(user)
        await session.flush()
        return user
    # Assign only what changed, so a returning user usually costs a read, not a write
    # (on PostgreSQL this runs for every update; see bot/services.py).
    changes = {
        "first_name": first_name,
        "last_name": last_name,
        "username": username,
        "blocked": False,
    }
    if user_id in admin_ids:
        changes["role"] = Role.ADMIN
    for name, value in changes.items():
        if getattr(user, name) != value:
            setattr(user, name, value)
    if now - user.last_seen_at > LAST_SEEN_RESOLUTION:
        user.last_seen_at = now
    return user


async def set_language(session: AsyncSession, user_id: int, language: str) -> None:
    """Save the family's chosen language."""
    await session.execute(
        update(User).where(User.id == user_id).values(language=language, updated_at=utcnow())
    )


async def mark_blocked(session: AsyncSession, user_id: int, blocked: bool = True) -> None:
    """Remember that the user blocked the bot (Telegram answered Forbidden)."""
    await session.execute(update(User).where(User.id == user_id).values(blocked=blocked))


async def users_with_role(session: AsyncSession, role: Role) -> list[User]:
    """Everyone with a role, e.g. the admins to escalate to."""
    result = await session.scalars(select(User).where(User.role == role).order_by(User.id))
    return list(result)
