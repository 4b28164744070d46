"""Turning Telegram messages into message-log rows, in and out (no database access here)."""

from __future__ import annotations

from typing import Any

from telegram import Update

from db.models import Direction, MessageLog

# Bot API methods whose result is a Message the family sees: logged whichever handler called them.
LOGGED_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "sendLocation",
        "sendContact",
    }
)
_FILE_FIELDS = ("document", "video", "audio", "voice", "sticker", "animation", "video_note")


def _file_ids(message: dict[str, Any]) -> list[str] | None:
    ids: list[str] = []
    if message.get("photo"):
        ids.append(message["photo"][-1]["file_id"])  # the largest size
    for field in _FILE_FIELDS:
        if isinstance(message.get(field), dict):
            ids.append(message[field]["file_id"])
    return ids or None


def _kind(message: dict[str, Any]) -> str:
    for field in ("photo", *_FILE_FIELDS, "contact", "location"):
        if message.get(field):
            return field
    text = message.get("text") or ""
    return "command" if text.startswith("/") else "text"


def outbound_entry(method: str, data: dict[str, Any], result: Any) -> MessageLog | None:
    """The log row of one Bot API call the bot made, or None if it showed the user nothing."""
    if method not in LOGGED_METHODS or not isinstance(result, dict):
        return None
    chat = result.get("chat") or {}
    chat_id = chat.get("id", data.get("chat_id"))
    if chat_id is None:
        return None
    kind = "edit" if method.startswith("edit") else _kind(result)
    markup = result.get("reply_markup") or data.get("reply_markup")
    if markup is not None and hasattr(markup, "to_dict"):
        markup = markup.to_dict()  # a ReplyKeyboardMarkup is not echoed back in the result
    return MessageLog(
        chat_id=int(chat_id),
        user_id=None,
        direction=Direction.OUT,
        kind=kind,
        text=result.get("text") or result.get("caption"),
        file_ids=_file_ids(result),
        buttons=markup if isinstance(markup, dict) else None,
        telegram_message_id=result.get("message_id"),
    )


def inbound_entry(update: Update) -> MessageLog | None:
    """The log row of what a user sent or pressed."""
    user = update.effective_user
    if update.callback_query is not None:
        query = update.callback_query
        chat_id = query.message.chat.id if query.message else (user.id if user else 0)
        return MessageLog(
            chat_id=chat_id,
            user_id=user.id if user else None,
            direction=Direction.IN,
            kind="callback",
            callback_data=(query.data or "")[:128],
            telegram_message_id=query.message.message_id if query.message else None,
            update_id=update.update_id,
        )
    message = update.effective_message
    if message is None or update.effective_chat is None:
        return None
    raw = message.to_dict()
    # PostgreSQL refuses NUL in text; the log keeps everything else exactly as sent.
    text = (message.text or message.caption or "").replace("\x00", "") or None
    if message.contact is not None:
        text = message.contact.phone_number
    return MessageLog(
        chat_id=update.effective_chat.id,
        user_id=user.id if user else None,
        direction=Direction.IN,
        kind=_kind(raw),
        text=text,
        file_ids=_file_ids(raw),
        telegram_message_id=message.message_id,
        update_id=update.update_id,
    )
