"""Tables of the foundation: users and the message log (the transcript caseworkers read)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Enum, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, JSONType, UTCDateTime, utcnow
from db.enums import Direction, Role


class User(Base):
    """A Telegram user who wrote to the bot: a family member, a caseworker or an admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(String(256), default="")
    last_name: Mapped[str | None] = mapped_column(String(256))
    username: Mapped[str | None] = mapped_column(String(64))
    # None until the family picks a language; Telegram's language_code is only a hint.
    language: Mapped[str | None] = mapped_column(String(8))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=Role.APPLICANT,
    )
    region: Mapped[str | None] = mapped_column(String(8))
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MessageLog(Base):
    """One message or button press, in or out: the transcript of every conversation."""

    __tablename__ = "message_log"
    __table_args__ = (Index("ix_message_log_chat_id_id", "chat_id", "id"),)

    # Integer (not BigInteger) so SQLite makes it the rowid; PostgreSQL maps it to BIGINT below.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    direction: Mapped[Direction] = mapped_column(
        Enum(
            Direction, native_enum=False, length=3, values_callable=lambda e: [m.value for m in e]
        )
    )
    # text, command, callback, photo, document, contact, sticker, voice, edit, ...
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(Text)
    callback_data: Mapped[str | None] = mapped_column(String(128))
    file_ids: Mapped[list[str] | None] = mapped_column(JSONType)
    # Buttons shown with an outbound message, so a transcript reads as the family saw it.
    buttons: Mapped[Any | None] = mapped_column(JSONType)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # The update an inbound row came from. Unique: an update redelivered after a crash (offset
    # not yet confirmed, or a webhook retry) is recognised and not applied twice.
    update_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
