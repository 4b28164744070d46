"""Applications, their documents and the audit log of every status change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, JSONType, UTCDateTime, utcnow
from db.enums import OPEN_STATUSES, Role, Status

_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrement needs INTEGER
_OPEN = ", ".join(f"'{s.value}'" for s in sorted(OPEN_STATUSES))


def _enum(cls: type[Any], length: int) -> Enum:
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class Application(Base):
    """A family's application: a draft while the plan is written, then the lifecycle."""

    __tablename__ = "applications"
    __table_args__ = (
        # One open application per PIN (a draft may not have a PIN yet).
        Index(
            "uq_applications_open_pin",
            "pin",
            unique=True,
            sqlite_where=text(f"pin IS NOT NULL AND status IN ({_OPEN})"),
            postgresql_where=text(f"pin IS NOT NULL AND status IN ({_OPEN})"),
        ),
        Index("ix_applications_status_region", "status", "region"),
        Index("ix_applications_user_id", "user_id"),
        # /find by PIN (any status) and by phone (migration 0009).
        Index("ix_applications_pin", "pin"),
        Index("ix_applications_phone", "phone"),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    # SC-2026-000123; given at submission.
    ref: Mapped[str | None] = mapped_column(String(20), unique=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"))
    status: Mapped[Status] = mapped_column(_enum(Status, 16), default=Status.DRAFT)
    language: Mapped[str] = mapped_column(String(8))
    pin: Mapped[str | None] = mapped_column(String(14))
    phone: Mapped[str | None] = mapped_column(String(16))
    full_name: Mapped[str | None] = mapped_column(String(256))
    region: Mapped[str | None] = mapped_column(String(8))
    district: Mapped[str | None] = mapped_column(String(128))
    # Every questionnaire answer by question id, plus computed values (budget total, payback).
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    eligibility_check_id: Mapped[int | None] = mapped_column(_ID)
    priority_score: Mapped[int] = mapped_column(Integer, default=0)
    # The caseworker who took the application (None until someone presses Take).
    assigned_to: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id"))
    # Optimistic locking: every status change bumps it, so two writers cannot both win.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  (SQLAlchemy reads it)


class Document(Base):
    """A file attached to an application: an upload of the family or the generated PDF."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_application_id", "application_id"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(_ID, ForeignKey("applications.id"))
    # id_card, disability_certificate, business_plan_pdf, info_reply, ...
    kind: Mapped[str] = mapped_column(String(32))
    telegram_file_id: Mapped[str | None] = mapped_column(String(256))
    file_name: Mapped[str | None] = mapped_column(String(256))
    mime_type: Mapped[str | None] = mapped_column(String(128))
    size: Mapped[int | None] = mapped_column(Integer)
    # The bytes themselves for what we generate (PDF); uploads may keep only the file id.
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StatusChange(Base):
    """The audit log: who moved which application from what to what, when and why."""

    __tablename__ = "status_changes"
    __table_args__ = (Index("ix_status_changes_application_id", "application_id"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(_ID, ForeignKey("applications.id"))
    from_status: Mapped[Status | None] = mapped_column(_enum(Status, 16))
    to_status: Mapped[Status] = mapped_column(_enum(Status, 16))
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_role: Mapped[Role] = mapped_column(_enum(Role, 16))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
