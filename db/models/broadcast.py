"""Broadcasts: the announcement, one delivery row per recipient, and the live senders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, utcnow
from db.enums import BroadcastState, DeliveryState

_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrement needs INTEGER


def _enum(cls: type[Any]) -> Enum:
    return Enum(cls, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class Broadcast(Base):
    """One announcement, from the admin's draft to the last delivery.

    Texts are stored as Telegram HTML (the admin's bold, italics and links kept) and sent with
    parse_mode HTML. With `one_text` the same text goes to every family.
    """

    __tablename__ = "broadcasts"
    __table_args__ = (
        Index("ix_broadcasts_state_scheduled_at", "state", "scheduled_at"),
        Index("ix_broadcasts_created_by_state", "created_by", "state"),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    created_by: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"))
    state: Mapped[BroadcastState] = mapped_column(
        _enum(BroadcastState), default=BroadcastState.DRAFT
    )
    # While a draft: the typed input expected next (bot/broadcast/compose.py Step).
    step: Mapped[str | None] = mapped_column(String(16))
    one_text: Mapped[bool] = mapped_column(Boolean, default=False)
    text_ky: Mapped[str | None] = mapped_column(Text)
    text_ru: Mapped[str | None] = mapped_column(Text)
    attachment_kind: Mapped[str | None] = mapped_column(String(16))  # photo | document
    attachment_file_id: Mapped[str | None] = mapped_column(String(256))
    # bot/broadcast/segments.py: everyone | language | region | status | checked
    audience: Mapped[str | None] = mapped_column(String(16))
    audience_value: Mapped[str | None] = mapped_column(String(32))
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    total: Mapped[int] = mapped_column(Integer, default=0)  # recipients listed at start
    # The admin's progress message, edited while it goes out.
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # Which sender edits the progress message (with two processes only one should).
    progress_by: Mapped[str | None] = mapped_column(String(36))
    progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by: Mapped[int | None] = mapped_column(BigInteger)


class Delivery(Base):
    """One recipient of one broadcast; the unique pair makes a second row impossible."""

    __tablename__ = "broadcast_deliveries"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "user_id", name="uq_broadcast_deliveries_recipient"),
        # The claim (next pending rows in id order) and the per-state counts.
        Index("ix_broadcast_deliveries_broadcast_id_state_id", "broadcast_id", "state", "id"),
        Index("ix_broadcast_deliveries_claimed_by", "claimed_by"),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    broadcast_id: Mapped[int] = mapped_column(_ID, ForeignKey("broadcasts.id"))
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"))
    language: Mapped[str] = mapped_column(String(8))
    state: Mapped[DeliveryState] = mapped_column(
        _enum(DeliveryState), default=DeliveryState.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime())  # retry backoff
    claimed_by: Mapped[str | None] = mapped_column(String(36))  # BroadcastSender.id
    message_id: Mapped[int | None] = mapped_column(BigInteger)  # Telegram's, once sent
    error: Mapped[str | None] = mapped_column(String(256))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BroadcastSender(Base):
    """A running sender process. A row not seen for a while belongs to a dead process, whose
    claimed deliveries are then marked unknown (never resent)."""

    __tablename__ = "broadcast_senders"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
