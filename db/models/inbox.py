"""Updates taken from Telegram and not yet processed (long polling only; bot/polling.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, utcnow


class InboxUpdate(Base):
    """One update as Telegram sent it, stored before Telegram is told it may forget it.

    The row is deleted once the update's handler has finished. Rows left by a process that
    died are handed over again by the next one (`attempts` counts those starts).
    """

    __tablename__ = "update_inbox"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[str] = mapped_column(Text)  # the update's JSON, exactly as received
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
