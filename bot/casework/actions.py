"""Staff actions on an application, each inside the caller's unit of work.

Every function re-reads the actor (role, regions) and the application from the database and
checks permissions and the state machine before writing; nothing is trusted from the button.
They return a Result that the handler turns into messages after the commit.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from bot.casework.permissions import Actor, Denial, check_act, check_view
from bot.lifecycle import FINAL_STATUSES, TAKEABLE, TransitionError, check_transition
from db.base import utcnow
from db.enums import Role, Status
from db.models import Application, User
from db.repo import cases, conversations, staff

_LOG = logging.getLogger(__name__)


class Problem(enum.StrEnum):
    NOT_FOUND = "not_found"
    DENIED = "denied"
    TAKEN = "taken"  # another caseworker holds it
    INVALID = "invalid"  # the state machine does not allow it from the current status
    CONFLICT = "conflict"  # someone changed it while we were deciding


@dataclass
class Result:
    """What happened; `application` is the fresh row when it exists."""

    application: Application | None = None
    problem: Problem | None = None
    denial: Denial | None = None
    holder: User | None = None
    took: bool = False  # the actor became the application's caseworker
    # (from, to) status changes made, in order; the family hears of the last.
    changes: list[tuple[Status, Status]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None


async def load_actor(session: AsyncSession, user_id: int) -> Actor:
    """Role and regions as stored now (ADMIN_IDS were made admins by the middleware)."""
    user = await session.get(User, user_id, populate_existing=True)
    if user is None:
        return Actor(user_id, Role.APPLICANT)
    regions = await staff.regions_of(session, user_id) if user.role is Role.CASEWORKER else None
    return Actor(user_id, user.role, regions or frozenset())


def log_refusal(actor: Actor, what: str, application_id: object, reason: object) -> None:
    """Every refused privileged action is logged (forged or replayed data shows up here)."""
    _LOG.warning(
        "refused %s on application %s to user %s (role %s): %s",
        what,
        application_id,
        actor.user_id,
        actor.role,
        reason,
    )


async def _load(
    session: AsyncSession, actor: Actor, application_id: int, what: str, *, act: bool
) -> Result:
    application = await cases.get_application(session, application_id)
    if application is None or application.status is Status.DRAFT:
        log_refusal(actor, what, application_id, "no such application")
        return Result(problem=Problem.NOT_FOUND)
    check = check_act if act else _view_only
    denial = check(actor, application.region, application.assigned_to)
    if denial is Denial.TAKEN_BY_OTHER:
        holder = await session.get(User, application.assigned_to)
        return Result(application, Problem.TAKEN, denial, holder=holder)
    if denial is not None:
        log_refusal(actor, what, application_id, denial)
        return Result(application, Problem.DENIED, denial)
    return Result(application)


def _view_only(actor: Actor, region: str | None, assigned_to: int | None) -> Denial | None:
    return check_view(actor, region)


async def view(session: AsyncSession, actor: Actor, application_id: int) -> Result:
    """Read access: staff of the application's region."""
    return await _load(session, actor, application_id, "view", act=False)


async def may_act(session: AsyncSession, actor: Actor, application_id: int, what: str) -> Result:
    """Write access (before asking a reason or a question): region and assignment."""
    return await _load(session, actor, application_id, what, act=True)


async def take(session: AsyncSession, actor: Actor, application_id: int) -> Result:
    """Take the application: exactly one of two simultaneous presses wins."""
    result = await _load(session, actor, application_id, "take", act=True)
    application = result.application
    if not result.ok or application is None:
        return result
    if application.assigned_to == actor.user_id:
        return result  # already theirs: nothing to do
    if application.assigned_to is not None:  # an admin pressing Take on a held application
        holder = await session.get(User, application.assigned_to)
        return Result(application, Problem.TAKEN, Denial.TAKEN_BY_OTHER, holder=holder)
    if application.status not in TAKEABLE:
        return Result(application, Problem.INVALID)
    return await _assign(session, actor, result)


async def _assign(session: AsyncSession, actor: Actor, result: Result) -> Result:
    application = result.application
    assert application is not None
    source = application.status
    target = Status.IN_REVIEW if source is Status.SUBMITTED else source
    won = await cases.change_status(
        session,
        application,
        target,
        actor_id=actor.user_id,
        actor_role=actor.role,
        comment=None,
        assign_to=actor.user_id,
        require_unassigned=True,
    )
    if not won:
        fresh = await cases.get_application(session, application.id)
        holder = None
        if fresh is not None and fresh.assigned_to is not None:
            holder = await session.get(User, fresh.assigned_to)
        _LOG.info("take of %s by %s lost the race", application.id, actor.user_id)
        return Result(fresh, Problem.TAKEN if holder else Problem.CONFLICT, holder=holder)
    result.took = True
    if target is not source:
        result.changes.append((source, target))
    return result


async def move(
    session: AsyncSession,
    actor: Actor,
    application_id: int,
    target: Status,
    comment: str | None = None,
) -> Result:
    """Move the application to `target`, taking it first if nobody holds it.

    From "submitted", a decision passes through "in review" (two audit rows), as the state
    machine says; the family is told only the final status.
    """
    result = await _load(session, actor, application_id, f"move to {target}", act=True)
    application = result.application
    if not result.ok or application is None:
        return result
    path = path_to(application.status, target)
    # Validate the whole path before writing anything (taking included).
    source = application.status
    for step in path:
        try:
            check_transition(source, step, actor.role, comment)
        except TransitionError as exc:
            log_refusal(actor, f"move to {target}", application_id, exc)
            result.problem = Problem.INVALID
            return result
        source = step
    if application.assigned_to is None and application.status in TAKEABLE:
        result = await _assign(session, actor, result)
        application = result.application
        if not result.ok or application is None:
            return result
    for step in path:
        source = application.status
        if source is step:
            continue  # taking already moved it from "submitted" to "in review"
        if not await cases.change_status(
            session,
            application,
            step,
            actor_id=actor.user_id,
            actor_role=actor.role,
            comment=comment if step is target else None,
        ):
            result.problem = Problem.CONFLICT
            result.application = await cases.get_application(session, application_id)
            return result
        result.changes.append((source, step))
    if target is not Status.NEEDS_INFO:
        # A decision or a resumed review closes questions the family left unanswered.
        await conversations.close_open_info_requests(session, application.id)
    if target in FINAL_STATUSES:
        # The family's later typing is theirs again (e.g. a new business plan).
        await conversations.close_conversation(session, application.id, utcnow())
    return result


def path_to(source: Status, target: Status) -> list[Status]:
    """A decision on a new application passes through "in review" first."""
    if source is Status.SUBMITTED and target is not Status.IN_REVIEW:
        return [Status.IN_REVIEW, target]
    return [target]


def movable(source: Status, target: Status, role: Role) -> bool:
    """Could `role` move an application from `source` to `target` (a reason assumed given)?"""
    for step in path_to(source, target):
        try:
            check_transition(source, step, role, "reason")
        except TransitionError:
            return False
        source = step
    return True


async def holder_of(session: AsyncSession, application: Application) -> User | None:
    if application.assigned_to is None:
        return None
    return await session.get(User, application.assigned_to)
