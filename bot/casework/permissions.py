"""Who may see and act on an application: role, regions and assignment. Pure domain logic.

Every privileged command and button press asks these functions with an Actor loaded from the
database in the same unit of work, never with anything taken from the callback data.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from db.enums import Role


@dataclass(frozen=True, slots=True)
class Actor:
    """The person pressing or typing, as the database knows them right now."""

    user_id: int
    role: Role
    regions: frozenset[str] = frozenset()

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.CASEWORKER, Role.ADMIN)


class Denial(enum.StrEnum):
    """Why an action was refused (logged; each has a polite message for the presser)."""

    NOT_STAFF = "not_staff"
    NOT_ADMIN = "not_admin"
    OTHER_REGION = "other_region"
    TAKEN_BY_OTHER = "taken_by_other"


def can_see_region(actor: Actor, region: str | None) -> bool:
    """Admins see every region; a caseworker only the regions assigned to them."""
    if actor.is_admin:
        return True
    return actor.role is Role.CASEWORKER and region is not None and region in actor.regions


def visible_regions(actor: Actor, wanted: str | None) -> frozenset[str] | None:
    """The region filter a query may use: None means every region (admins only).

    A caseworker asking for a region outside theirs gets an empty set (nothing), never more.
    """
    if actor.is_admin:
        return None if wanted is None else frozenset({wanted})
    if wanted is None:
        return actor.regions
    return frozenset({wanted}) & actor.regions


def check_view(actor: Actor, region: str | None) -> Denial | None:
    """May the actor read this application (card, documents, notes, transcript)?"""
    if not actor.is_staff:
        return Denial.NOT_STAFF
    if not can_see_region(actor, region):
        return Denial.OTHER_REGION
    return None


def check_act(actor: Actor, region: str | None, assigned_to: int | None) -> Denial | None:
    """May the actor decide on or write about this application?

    A caseworker acts on applications assigned to them, or unassigned ones (acting takes it).
    Admins supervise: they may act whoever holds the application.
    """
    denial = check_view(actor, region)
    if denial is not None:
        return denial
    if actor.is_admin:
        return None
    if assigned_to is not None and assigned_to != actor.user_id:
        return Denial.TAKEN_BY_OTHER
    return None


def check_admin(actor: Actor) -> Denial | None:
    return None if actor.is_admin else Denial.NOT_ADMIN
