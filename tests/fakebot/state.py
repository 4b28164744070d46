"""In-memory Telegram state: chats, messages, files, callback queries, commands, updates."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from .errors import bad_request
from .models import JSON, BotMessage, CallbackAnswer, ServerStats, StoredFile
from .updates import UpdateQueue
from .webhook import WebhookPusher

BOT_USERNAME = "fake_sc_bot"
BOT_FIRST_NAME = "SC Bot"

# getFile paths look like Telegram's: "<dir>/file_<n><ext>".
_FILE_DIRS = {
    "photo": ("photos", ".jpg"),
    "document": ("documents", ""),
    "voice": ("voice", ".oga"),
    "sticker": ("stickers", ".webp"),
    "audio": ("music", ".mp3"),
    "video": ("videos", ".mp4"),
    "animation": ("animations", ".mp4"),
    "video_note": ("video_notes", ".mp4"),
}


@dataclass(slots=True, eq=False)
class ChatState:
    """One chat as Telegram sees it. Private chats have ``user`` (the fake user's JSON)."""

    id: int
    type: str
    json: JSON  # the Chat object embedded in messages
    user: JSON | None = None
    blocked: bool = False
    next_message_id: int = 1
    bot_messages: list[BotMessage] = field(default_factory=list)
    by_id: dict[int, BotMessage] = field(default_factory=dict)
    user_messages: dict[int, JSON] = field(default_factory=dict)
    sent_times: list[float] = field(default_factory=list)  # sent_at of bot_messages, sorted
    edits: list[BotMessage] = field(default_factory=list)  # one entry per edit, in order
    actions: list[str] = field(default_factory=list)  # sendChatAction values
    callback_answers: list[CallbackAnswer] = field(default_factory=list)
    # Transcript for assertion messages: user lines as text, bot lines as live BotMessage.
    log: list[str | BotMessage] = field(default_factory=list)
    reply_keyboard: BotMessage | None = None  # message whose reply keyboard is shown
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def new_message_id(self) -> int:
        # Telegram numbers user and bot messages of a private chat with one counter.
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def notify(self) -> None:
        """Wake driver waiters; a fresh Event per generation keeps this O(1)."""
        self.changed.set()
        self.changed = asyncio.Event()


@dataclass(slots=True)
class PendingCallback:
    chat_id: int | None
    data: str | None
    answered: bool = False


class ServerState:
    def __init__(self, token: str, stats: ServerStats) -> None:
        bot_id_text, sep, secret = token.partition(":")
        if not sep or not bot_id_text.isdigit() or not secret:
            raise ValueError(f"token must look like '123456:secret', got {token!r}")
        self.token = token
        self.bot_id = int(bot_id_text)
        self.bot_from: JSON = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
        }
        self.stats = stats
        self.chats: dict[int, ChatState] = {}
        self.usernames: dict[str, int] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self._file_seq = 0
        self._callback_seq = 0
        self.callbacks: dict[str, PendingCallback] = {}
        self.callback_answers: list[CallbackAnswer] = []
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.descriptions: dict[tuple[str, str], str] = {}
        self.updates = UpdateQueue()
        self.webhook = WebhookPusher(self.updates, stats)

    # -- chats -------------------------------------------------------------------------------

    def register_chat(
        self, chat_id: int, chat_type: str, chat_json: JSON, user: JSON | None = None
    ) -> ChatState:
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = ChatState(id=chat_id, type=chat_type, json=chat_json, user=user)
            self.chats[chat_id] = chat
            username = chat_json.get("username")
            if username:
                self.usernames[username.lower()] = chat_id
        return chat

    def resolve_chat(self, chat_id: int | str) -> ChatState:
        if isinstance(chat_id, str):
            found = self.usernames.get(chat_id.lstrip("@").lower())
            if found is None:
                raise bad_request("chat not found")
            chat_id = found
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def add_bot_message(self, chat: ChatState, message: BotMessage) -> None:
        """Record a delivered bot message (stats, reply-keyboard state, waiters)."""
        chat.bot_messages.append(message)
        chat.by_id[message.message_id] = message
        chat.sent_times.append(message.sent_at)
        chat.log.append(message)
        received = self.stats.received_by_chat
        received[chat.id] = received.get(chat.id, 0) + 1
        markup = message.reply_markup
        if markup is not None:
            if "keyboard" in markup:
                chat.reply_keyboard = message
            elif markup.get("remove_keyboard"):
                chat.reply_keyboard = None
        chat.notify()

    # -- files -------------------------------------------------------------------------------

    def add_file(
        self, data: bytes, kind: str, file_name: str | None = None, mime_type: str | None = None
    ) -> StoredFile:
        self._file_seq += 1
        seq = self._file_seq
        directory, default_ext = _FILE_DIRS.get(kind, ("documents", ""))
        ext = default_ext
        if file_name and "." in file_name:
            ext = "." + file_name.rsplit(".", 1)[1]
        stored = StoredFile(
            file_id=f"FAKE-{kind}-{seq}-{self.bot_id}",
            file_unique_id=f"U{seq}",
            kind=kind,
            data=data,
            file_path=f"{directory}/file_{seq}{ext}",
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    def get_file(self, file_id: str) -> StoredFile:
        stored = self.files.get(file_id)
        if stored is None:
            raise bad_request("invalid file_id")
        return stored

    # -- callback queries --------------------------------------------------------------------

    def new_callback_id(self, chat_id: int | None, data: str | None) -> str:
        self._callback_seq += 1
        query_id = f"{self.bot_id}{self._callback_seq:08d}"
        self.callbacks[query_id] = PendingCallback(chat_id=chat_id, data=data)
        return query_id

    def now_date(self) -> int:
        return int(time.time())
