"""The vocabulary shared by storage and domain logic: plain enums, no SQLAlchemy.

It lives under db/ so that db imports nothing above it; domain modules may import it because it
holds no database code.
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    """Who a person is to the bot; checked on the server for every privileged action."""

    APPLICANT = "applicant"
    CASEWORKER = "caseworker"
    ADMIN = "admin"


class Direction(enum.StrEnum):
    """Which way a logged message went."""

    IN = "in"
    OUT = "out"


class Status(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    NEEDS_INFO = "needs_info"
    APPROVED = "approved"
    REJECTED = "rejected"
    CONTRACT_SIGNED = "contract_signed"
    FUNDED = "funded"
    MONITORING = "monitoring"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


# Statuses in which an application still counts as the family's open one (one per PIN).
OPEN_STATUSES = frozenset(
    {
        Status.DRAFT,
        Status.SUBMITTED,
        Status.IN_REVIEW,
        Status.NEEDS_INFO,
        Status.APPROVED,
        Status.CONTRACT_SIGNED,
        Status.FUNDED,
        Status.MONITORING,
    }
)
