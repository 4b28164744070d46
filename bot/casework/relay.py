"""Passing a message between a caseworker and a family through the bot.

The family always sees the bot speaking («Социалдык кызматкер: …»), never the caseworker's
account: we send new messages (no forwarding), with files re-sent by their file id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from telegram import Bot, InlineKeyboardMarkup, Message

from bot.casework.render import CAPTION_LIMIT, clip

# A conversation nobody wrote in for this long stops relaying the family's messages [assumed].
RELAY_IDLE = timedelta(days=14)
FILE_KINDS = ("photo", "document", "voice", "video", "audio")


@dataclass(frozen=True, slots=True)
class Content:
    """Text and/or one file of a message (what the relay and info answers accept)."""

    text: str | None
    file_id: str | None = None
    kind: str | None = None  # photo | document | voice | video | audio
    file_name: str | None = None
    mime_type: str | None = None
    size: int | None = None


def content_of(message: Message) -> Content | None:
    """None for what we do not pass on (stickers, contacts, locations, commands)."""
    text = message.text or message.caption
    if message.text is not None and message.text.startswith("/"):
        return None
    if message.photo:
        largest = message.photo[-1]
        return Content(text, largest.file_id, "photo", None, "image/jpeg", largest.file_size)
    for kind in FILE_KINDS[1:]:
        media = getattr(message, kind)
        if media is not None:
            return Content(
                text,
                media.file_id,
                kind,
                getattr(media, "file_name", None),
                getattr(media, "mime_type", None),
                media.file_size,
            )
    if text:
        return Content(text)
    return None


async def deliver(
    bot: Bot,
    chat_id: int,
    heading: str,
    content: Content,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> Message:
    """Send `heading` + the text, with the file when there is one."""
    body = f"{heading}\n{content.text}" if content.text else heading
    if content.file_id is None:
        return await bot.send_message(chat_id, clip(body), reply_markup=reply_markup)
    caption = clip(body, CAPTION_LIMIT)
    if content.kind == "photo":
        return await bot.send_photo(chat_id, content.file_id, caption, reply_markup=reply_markup)
    if content.kind == "voice":
        return await bot.send_voice(
            chat_id, content.file_id, caption=caption, reply_markup=reply_markup
        )
    if content.kind == "video":
        return await bot.send_video(
            chat_id, content.file_id, caption=caption, reply_markup=reply_markup
        )
    if content.kind == "audio":
        return await bot.send_audio(
            chat_id, content.file_id, caption=caption, reply_markup=reply_markup
        )
    return await bot.send_document(
        chat_id, content.file_id, caption=caption, reply_markup=reply_markup
    )
