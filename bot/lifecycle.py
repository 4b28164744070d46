"""The application state machine: states, allowed transitions and who may make them.

Pure domain logic: no Telegram, no database. Handlers and services ask `check_transition` before
changing a status, and record every change in the audit log (db.models.StatusChange).
"""

from __future__ import annotations

from dataclasses import dataclass

from db.enums import OPEN_STATUSES, Role, Status

__all__ = ["OPEN_STATUSES", "Status", "allowed_targets", "check_transition"]


FINAL_STATUSES = frozenset({Status.REJECTED, Status.COMPLETED, Status.WITHDRAWN})
# Waiting for the district office: what a caseworker's queue shows by default.
ACTIVE_STATUSES = frozenset({Status.SUBMITTED, Status.IN_REVIEW, Status.NEEDS_INFO})
# Statuses in which a caseworker can still take an application that nobody holds.
TAKEABLE = frozenset(
    {
        Status.SUBMITTED,
        Status.IN_REVIEW,
        Status.NEEDS_INFO,
        Status.APPROVED,
        Status.CONTRACT_SIGNED,
        Status.FUNDED,
        Status.MONITORING,
    }
)
# Lifecycle order, for lists and charts.
ORDER: tuple[Status, ...] = (
    Status.DRAFT,
    Status.SUBMITTED,
    Status.IN_REVIEW,
    Status.NEEDS_INFO,
    Status.APPROVED,
    Status.REJECTED,
    Status.CONTRACT_SIGNED,
    Status.FUNDED,
    Status.MONITORING,
    Status.COMPLETED,
    Status.WITHDRAWN,
)
# Before a decision the family may withdraw.
WITHDRAWABLE = frozenset({Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.NEEDS_INFO})

STAFF = frozenset({Role.CASEWORKER, Role.ADMIN})
FAMILY = frozenset({Role.APPLICANT})

TRANSITIONS: dict[tuple[Status, Status], frozenset[Role]] = {
    (Status.DRAFT, Status.SUBMITTED): FAMILY,
    (Status.SUBMITTED, Status.IN_REVIEW): STAFF,
    (Status.IN_REVIEW, Status.NEEDS_INFO): STAFF,
    (Status.NEEDS_INFO, Status.IN_REVIEW): STAFF | FAMILY,  # the family's answer reopens review
    (Status.IN_REVIEW, Status.APPROVED): STAFF,
    (Status.IN_REVIEW, Status.REJECTED): STAFF,
    (Status.APPROVED, Status.CONTRACT_SIGNED): STAFF,
    (Status.CONTRACT_SIGNED, Status.FUNDED): STAFF,
    (Status.FUNDED, Status.MONITORING): STAFF,
    (Status.MONITORING, Status.COMPLETED): STAFF,
    **{(s, Status.WITHDRAWN): FAMILY for s in WITHDRAWABLE},
}
# Transitions that need a reason or comment in the audit log.
REASON_REQUIRED = frozenset(
    {(Status.IN_REVIEW, Status.REJECTED), (Status.IN_REVIEW, Status.NEEDS_INFO)}
)


class TransitionError(Exception):
    """The change is not allowed: no such transition, wrong role, or a missing reason."""


@dataclass(frozen=True, slots=True)
class Transition:
    source: Status
    target: Status
    role: Role


def allowed_targets(source: Status, role: Role) -> list[Status]:
    """Where an application in `source` may go when `role` acts (for showing buttons)."""
    return [t for (s, t), roles in TRANSITIONS.items() if s is source and role in roles]


def check_transition(
    source: Status, target: Status, role: Role, reason: str | None = None
) -> Transition:
    """Validate one status change; raise TransitionError if it is not allowed."""
    roles = TRANSITIONS.get((source, target))
    if roles is None:
        raise TransitionError(f"no transition {source} -> {target}")
    if role not in roles:
        raise TransitionError(f"{role} may not move {source} -> {target}")
    if (source, target) in REASON_REQUIRED and not (reason and reason.strip()):
        raise TransitionError(f"{source} -> {target} needs a reason")
    return Transition(source, target, role)
