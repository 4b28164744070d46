"""The audit of data-subject requests (issue 8): who asked for a copy or an erasure, and when.

Holds no personal data beyond the Telegram id: no names, PINs, phones or texts, only counts of
rows and the ids of applications kept. The Telegram id has no foreign key on purpose: the row
must outlive the erased users row, as proof that the request was carried out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, JSONType, UTCDateTime, utcnow

_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrement needs INTEGER


class PrivacyRequest(Base):
    """One request about a family's own data: an export, an erasure, or a cancelled one."""

    __tablename__ = "privacy_requests"
    __table_args__ = (Index("ix_privacy_requests_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    # export | erase | erase_cancelled | erase_refused
    kind: Mapped[str] = mapped_column(String(16))
    # For an erasure: erased | kept_contract; refused: decision_pending | staff.
    outcome: Mapped[str | None] = mapped_column(String(32))
    # Rows per table exported, deleted or anonymised: {"deleted": {"message_log": 12}, ...}.
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # Ids of applications kept (signed contracts) or kept as anonymous records.
    kept: Mapped[list[int] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
