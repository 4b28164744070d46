"""Casework tables: caseworker regions, invites, notes, info requests, the relay, pending typed
input of staff, reminders and the notices sent to staff (issue 5)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, JSONType, UTCDateTime, utcnow

_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrement needs INTEGER


class CaseworkerRegion(Base):
    """A region a caseworker serves; a caseworker may serve several."""

    __tablename__ = "caseworker_regions"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id"), primary_key=True, autoincrement=False
    )
    region: Mapped[str] = mapped_column(String(8), primary_key=True)
    added_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Invite(Base):
    """A one-time deep link an admin hands to a future caseworker."""

    __tablename__ = "caseworker_invites"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_by: Mapped[int | None] = mapped_column(BigInteger)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CaseNote(Base):
    """An internal note of staff on an application; never shown to the family."""

    __tablename__ = "case_notes"
    __table_args__ = (Index("ix_case_notes_application_id", "application_id"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(_ID, ForeignKey("applications.id"))
    author_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InfoRequest(Base):
    """A caseworker's question to the family and the family's answer (text and/or a file)."""

    __tablename__ = "info_requests"
    __table_args__ = (Index("ix_info_requests_application_id", "application_id"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(_ID, ForeignKey("applications.id"))
    asked_by: Mapped[int] = mapped_column(BigInteger)
    question: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer_text: Mapped[str | None] = mapped_column(Text)
    answer_document_id: Mapped[int | None] = mapped_column(_ID, ForeignKey("documents.id"))


class RelayConversation(Base):
    """While open, what the family types goes to this caseworker (one per application)."""

    __tablename__ = "relay_conversations"
    __table_args__ = (Index("ix_relay_conversations_family_user_id", "family_user_id"),)

    application_id: Mapped[int] = mapped_column(
        _ID, ForeignKey("applications.id"), primary_key=True, autoincrement=False
    )
    caseworker_id: Mapped[int] = mapped_column(BigInteger)
    family_user_id: Mapped[int] = mapped_column(BigInteger)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RelayMessage(Base):
    """One message passed between a caseworker and a family: the case transcript."""

    __tablename__ = "relay_messages"
    __table_args__ = (Index("ix_relay_messages_application_id", "application_id"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(_ID, ForeignKey("applications.id"))
    # to_family | from_family
    direction: Mapped[str] = mapped_column(String(16))
    sender_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str | None] = mapped_column(Text)
    file_id: Mapped[str | None] = mapped_column(String(256))
    # photo | document | voice ...
    file_kind: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PendingInput(Base):
    """What a staff member's next typed message means (a reason, a question, a relay...).

    In the database rather than user_data, so a restart or a second process keeps it.
    """

    __tablename__ = "pending_inputs"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # reject_reason | info_question | relay | note | find | add_caseworker
    kind: Mapped[str] = mapped_column(String(24))
    application_id: Mapped[int | None] = mapped_column(_ID)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Reminder(Base):
    """A reminder with its due time; claimed atomically so that it fires once in any process.

    `anchor` names the moment it belongs to (the draft's last change, the info request, the
    submission); (kind, application_id, anchor) is unique, so planning it twice is harmless.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("kind", "application_id", "anchor"),
        Index("ix_reminders_due_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    # draft_idle | info_unanswered | unassigned
    kind: Mapped[str] = mapped_column(String(24))
    application_id: Mapped[int] = mapped_column(_ID, ForeignKey("applications.id"))
    anchor: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(36))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the reason vanished (the draft was edited, the question answered, someone took
    # the application) or when delivery failed for good.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CaseNotice(Base):
    """A message with case buttons sent to a staff member; edited when someone takes the case."""

    __tablename__ = "case_notices"
    __table_args__ = (Index("ix_case_notices_application_id", "application_id"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(_ID, ForeignKey("applications.id"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
