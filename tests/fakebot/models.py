"""Plain data records shared by the server, the Bot API methods and the driver.

Nothing here does I/O; the records are what tests and benchmarks inspect.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

# Message fields that are metadata rather than content; transcripts do not show them.
_SILENT_EXTRA = frozenset(
    {"forward_origin", "reply_to_message", "link_preview_options", "media_group_id"}
)


@dataclass(slots=True, eq=False)
class StoredFile:
    """A file kept in memory: uploaded by the bot or sent by a fake user."""

    file_id: str
    file_unique_id: str
    kind: str  # "photo" | "document" | "voice" | "sticker"
    data: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None

    @property
    def file_size(self) -> int:
        return len(self.data)

    @property
    def file_bytes(self) -> bytes:
        return self.data

    def photo_size_json(self) -> JSON:
        # Real Telegram returns several sizes; one is enough for PTB and for assertions.
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": 800,
            "height": 600,
            "file_size": self.file_size,
        }

    def document_json(self) -> JSON:
        doc: JSON = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
        }
        if self.file_name is not None:
            doc["file_name"] = self.file_name
        if self.mime_type is not None:
            doc["mime_type"] = self.mime_type
        return doc

    def media_json(self, kind: str) -> Any:
        """The value of the Message field ``kind`` (photo, document, voice, ...)."""
        if kind == "photo":
            return [self.photo_size_json()]
        if kind == "sticker":
            return {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "file_size": self.file_size,
            }
        media = self.document_json()
        if kind in ("audio", "voice", "video", "animation", "video_note"):
            media["duration"] = 1
        if kind in ("video", "animation"):
            media.update(width=640, height=480)
        if kind == "video_note":
            media["length"] = 240
        return media

    def file_json(self) -> JSON:
        """The ``File`` object getFile returns (file_path relative, PTB prefixes the URL)."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
            "file_path": self.file_path,
        }


@dataclass(slots=True, eq=False)
class UpdateRecord:
    """One queued update plus the timestamps benchmarks need (all ``time.monotonic()``)."""

    update_id: int
    kind: str  # "message", "callback_query", "my_chat_member", ...
    chat_id: int | None
    payload: JSON  # the full Update JSON, including update_id
    available_at: float
    delivered_at: float | None = None  # first time handed to the bot (getUpdates or webhook)
    confirmed_at: float | None = None  # offset advanced past it / webhook answered 2xx
    callback_query_id: str | None = None


@dataclass(slots=True, frozen=True)
class MessageVersion:
    """A previous version of an edited bot message (``BotMessage.history``)."""

    replaced_at: float
    method: str
    text: str | None
    caption: str | None
    reply_markup: JSON | None


@dataclass(slots=True, eq=False)
class BotMessage:
    """A message the bot sent. Edits mutate it in place and push the old version to history."""

    chat_id: int
    message_id: int
    date: int
    sent_at: float
    method: str
    text: str | None = None  # as the user sees it: HTML/MarkdownV2 markup already removed
    raw_text: str | None = None  # exactly what the bot sent
    entities: list[JSON] | None = None
    caption: str | None = None
    raw_caption: str | None = None
    caption_entities: list[JSON] | None = None
    parse_mode: str | None = None
    reply_markup: JSON | None = None  # raw dict as sent (any keyboard kind)
    media_kind: str | None = None  # "photo", "document", "voice", ... (the Message field)
    media: StoredFile | None = None
    extra: JSON = field(default_factory=dict)  # other content: contact, location, forward_origin
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    edited_at: float | None = None
    deleted: bool = False
    history: list[MessageVersion] = field(default_factory=list)

    @property
    def photo(self) -> StoredFile | None:
        return self.media if self.media_kind == "photo" else None

    @property
    def document(self) -> StoredFile | None:
        return self.media if self.media_kind == "document" else None

    @property
    def inline_buttons(self) -> list[list[tuple[str, str | None]]]:
        """Rows of ``(text, callback_data)``; callback_data is None for url/other buttons."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [[(b.get("text", ""), b.get("callback_data")) for b in row] for row in rows]

    @property
    def reply_buttons(self) -> list[list[str]]:
        """Rows of reply-keyboard button texts (buttons may be plain strings or objects)."""
        rows = (self.reply_markup or {}).get("keyboard") or []
        return [[b if isinstance(b, str) else b.get("text", "") for b in row] for row in rows]

    @property
    def button_texts(self) -> list[str]:
        """Every button text (inline and reply keyboard), flattened, for quick assertions."""
        inline = [text for row in self.inline_buttons for text, _ in row]
        return inline + [text for row in self.reply_buttons for text in row]

    @property
    def removes_keyboard(self) -> bool:
        return bool((self.reply_markup or {}).get("remove_keyboard"))

    @property
    def force_reply(self) -> bool:
        return bool((self.reply_markup or {}).get("force_reply"))

    @property
    def content(self) -> str:
        """Text or caption, whichever the message has ("" if none)."""
        return self.text if self.text is not None else (self.caption or "")

    def to_json(self, bot_from: JSON, chat: JSON) -> JSON:
        msg: JSON = {
            "message_id": self.message_id,
            "from": bot_from,
            "chat": chat,
            "date": self.date,
        }
        if self.text is not None:
            msg["text"] = self.text
            if self.entities:
                msg["entities"] = self.entities
        if self.media is not None and self.media_kind is not None:
            msg[self.media_kind] = self.media.media_json(self.media_kind)
        if self.caption is not None:
            msg["caption"] = self.caption
            if self.caption_entities:
                msg["caption_entities"] = self.caption_entities
        msg.update(self.extra)
        # Telegram echoes only inline keyboards back in Message.reply_markup.
        if self.reply_markup is not None and "inline_keyboard" in self.reply_markup:
            msg["reply_markup"] = self.reply_markup
        if self.edit_date is not None:
            msg["edit_date"] = self.edit_date
        return msg

    def summary(self) -> str:
        """One transcript line, e.g. ``bot #3: Hello [inline: A | B] [reply kb: X]``."""
        parts = [f"bot #{self.message_id}:"]
        if self.media is not None:
            name = f" {self.media.file_name}" if self.media.file_name else ""
            parts.append(f"[{self.media_kind}{name}]")
        parts.extend(f"[{key}]" for key in self.extra if key not in _SILENT_EXTRA)
        parts.append(repr(self.content))
        if self.inline_buttons:
            rows = " / ".join(" | ".join(t for t, _ in row) for row in self.inline_buttons)
            parts.append(f"[inline: {rows}]")
        if self.reply_buttons:
            rows = " / ".join(" | ".join(row) for row in self.reply_buttons)
            parts.append(f"[reply kb: {rows}]")
        if self.removes_keyboard:
            parts.append("[remove kb]")
        if self.history:
            parts.append(f"(edited x{len(self.history)})")
        if self.deleted:
            parts.append("(deleted)")
        return " ".join(parts)


@dataclass(slots=True, frozen=True)
class CallbackAnswer:
    """What the bot answered to a callback query (answerCallbackQuery)."""

    callback_query_id: str
    chat_id: int | None
    data: str | None
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int
    answered_at: float


@dataclass(slots=True)
class ServerStats:
    """Counters for assertions and benchmarks. ``reset()`` zeroes them between phases."""

    methods: Counter[str] = field(default_factory=Counter)  # canonical method name -> calls
    statuses: Counter[int] = field(default_factory=Counter)  # non-200 HTTP status -> answers
    faults: Counter[str] = field(default_factory=Counter)  # injected fault kind -> count
    count_429: int = 0  # rate limiter + injected 429s
    received_by_chat: dict[int, int] = field(default_factory=dict)  # delivered bot messages
    webhook_deliveries: int = 0
    webhook_failures: int = 0  # POST attempts that failed (each retry counts)
    webhook_dropped: int = 0  # updates given up on after all retries

    def reset(self) -> None:
        self.methods.clear()
        self.statuses.clear()
        self.faults.clear()
        self.count_429 = 0
        self.received_by_chat.clear()
        self.webhook_deliveries = 0
        self.webhook_failures = 0
        self.webhook_dropped = 0
