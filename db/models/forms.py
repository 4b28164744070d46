"""Questionnaire progress: one row per run of a form by a user (the engine's saved state)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, JSONType, UTCDateTime, utcnow

_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrement needs INTEGER


class RunStatus(enum.StrEnum):
    ACTIVE = "active"  # the form the user's typed answers go to (at most one per user)
    PAUSED = "paused"  # another form was started meanwhile; resumes when started again
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class FormRun(Base):
    """A user's progress through one form: answers so far and the question shown now.

    Every answer is committed here before the next question is sent, so a restart (or another
    instance) resumes at the same question.
    """

    __tablename__ = "form_runs"
    __table_args__ = (
        # A user answers one form at a time ...
        Index(
            "uq_form_runs_active_user",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        # ... and has at most one unfinished run of each form.
        Index(
            "uq_form_runs_open_user_form",
            "user_id",
            "form_id",
            unique=True,
            sqlite_where=text("status IN ('active', 'paused')"),
            postgresql_where=text("status IN ('active', 'paused')"),
        ),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"))
    form_id: Mapped[str] = mapped_column(String(16))
    status: Mapped[RunStatus] = mapped_column(
        Enum(
            RunStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]
        ),
        default=RunStatus.ACTIVE,
    )
    # A question id, "__review__" or "__done__".
    current: Mapped[str] = mapped_column(String(32))
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Ids of answers that came from elsewhere (e.g. the eligibility check): shown, not asked.
    prefilled: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Input between two presses: a multiple-choice selection, repeat items, a confirmation.
    pending: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # What the run is about, for the form's owner (e.g. the draft application's id).
    subject_id: Mapped[int | None] = mapped_column(_ID)
    # Optimistic locking: two instances cannot both advance the same run.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  (SQLAlchemy reads it)
