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


class BroadcastState(enum.StrEnum):
    """Where an announcement is: composed, waiting for its time, going out, or over."""

    DRAFT = "draft"  # the admin is still composing it
    QUEUED = "queued"  # confirmed; goes out at scheduled_at (or at once)
    SENDING = "sending"  # recipients listed, deliveries going out
    DONE = "done"  # every delivery reached a final state
    CANCELLED = "cancelled"  # stopped by an admin; deliveries not yet sent were dropped


class DeliveryState(enum.StrEnum):
    """One recipient of one broadcast. Only PENDING rows are ever (re)sent."""

    PENDING = "pending"  # not sent; certainly never reached Telegram (or Telegram refused it)
    SENDING = "sending"  # claimed by a sender; its request may be in flight
    SENT = "sent"  # Telegram accepted it (message_id stored)
    FAILED = "failed"  # permanent error or retries used up (error stored)
    BLOCKED = "blocked"  # Forbidden: the family blocked the bot
    UNKNOWN = "unknown"  # in flight when its sender died: maybe delivered, never resent
    CANCELLED = "cancelled"  # the broadcast was cancelled before it was sent
