"""Test-side actors: FakeChat observes what the bot sent to a chat, FakeUser also acts.

Obtain them from the server (``server.user(...)``, ``server.group(...)``). User actions only
queue updates (the bot fetches them through getUpdates or the webhook); ``expect*`` methods
then wait for the bot's reaction and fail with the chat transcript on timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable
from typing import Any

from .formatting import utf16_len
from .models import JSON, BotMessage, CallbackAnswer, UpdateRecord
from .state import ChatState, ServerState

# Generous: a reply normally comes in milliseconds, but a loaded CI machine can stall for
# seconds, and a wait returns as soon as the messages arrive.
DEFAULT_TIMEOUT = 20.0
_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
# A few bytes that look like the right format; handlers rarely decode them.
_FAKE_VOICE = b"OggS\x00\x02" + bytes(58)


class FakeChat:
    """Read side of a chat: the bot's messages, edits, chat actions, waiting helpers."""

    def __init__(self, state: ServerState, chat: ChatState) -> None:
        self._state = state
        self._chat = chat
        self._cursor = 0  # bot_messages already returned by expect()
        self._edit_cursor = 0  # chat.edits already returned by expect_edit()

    @property
    def chat_id(self) -> int:
        return self._chat.id

    @property
    def messages(self) -> list[BotMessage]:
        """Every bot message in this chat, oldest first (deleted ones have ``deleted=True``)."""
        return list(self._chat.bot_messages)

    @property
    def last(self) -> BotMessage:
        """The newest bot message; AssertionError if the bot has not written here yet."""
        if not self._chat.bot_messages:
            raise AssertionError(f"the bot sent nothing to chat {self.chat_id}")
        return self._chat.bot_messages[-1]

    @property
    def unread(self) -> list[BotMessage]:
        """Bot messages not yet consumed by expect()."""
        return self._chat.bot_messages[self._cursor :]

    @property
    def actions(self) -> list[str]:
        """sendChatAction values ("typing", ...) in order."""
        return list(self._chat.actions)

    def mark_read(self) -> None:
        """Skip everything received so far (next expect() only sees newer messages)."""
        self._cursor = len(self._chat.bot_messages)
        self._edit_cursor = len(self._chat.edits)

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = DEFAULT_TIMEOUT,
        what: str = "condition",
    ) -> None:
        """Re-check ``predicate`` whenever this chat changes; AssertionError on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"timed out after {timeout:g}s waiting for {what} in chat {self.chat_id}\n"
                    + self.transcript()
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._chat.changed.wait(), remaining)

    async def expect(self, n: int = 1, timeout: float = DEFAULT_TIMEOUT) -> list[BotMessage]:
        """Wait for the next ``n`` bot messages (since the previous expect) and return them.

        Messages are consumed as a stream: if the bot sent 3 and you expect(1), the next
        expect(1) returns the second one.
        """
        chat = self._chat
        start = self._cursor
        await self.wait_until(
            lambda: len(chat.bot_messages) - start >= n,
            timeout,
            f"{n} new bot message(s) (got {len(chat.bot_messages) - start})",
        )
        self._cursor = start + n
        return chat.bot_messages[start : start + n]

    async def expect_one(self, timeout: float = DEFAULT_TIMEOUT) -> BotMessage:
        return (await self.expect(1, timeout))[0]

    async def expect_edit(self, timeout: float = DEFAULT_TIMEOUT) -> BotMessage:
        """Wait for the next edit of any bot message here; returns the (edited) message."""
        chat = self._chat
        start = self._edit_cursor
        await self.wait_until(lambda: len(chat.edits) > start, timeout, "a message edit")
        self._edit_cursor = start + 1
        return chat.edits[start]

    async def expect_silence(self, duration: float = 0.2) -> None:
        """Assert the bot sends no new message here during ``duration`` seconds."""
        await asyncio.sleep(duration)
        if self.unread:
            lines = "\n".join(m.summary() for m in self.unread)
            raise AssertionError(f"expected no bot message in chat {self.chat_id}, got:\n{lines}")

    def transcript(self, limit: int = 20) -> str:
        lines = [
            entry if isinstance(entry, str) else entry.summary()
            for entry in self._chat.log[-limit:]
        ]
        return "transcript (oldest first):\n  " + "\n  ".join(lines or ["<empty>"])


class FakeUser(FakeChat):
    """A Telegram user in a private chat with the bot (chat id == user id)."""

    def __init__(self, state: ServerState, chat: ChatState, user_json: JSON, phone: str) -> None:
        super().__init__(state, chat)
        self.json = user_json
        self.user_id: int = user_json["id"]
        self.first_name: str = user_json["first_name"]
        self.language_code: str | None = user_json.get("language_code")
        self.phone = phone
        self._last_query_id: str | None = None

    # -- state ------------------------------------------------------------------------------------

    @property
    def blocked(self) -> bool:
        return self._chat.blocked

    def block(self, *, notify: bool = False) -> None:
        """The user blocks the bot: sends to this chat now answer 403.

        With ``notify`` a ``my_chat_member`` update (status "kicked") is queued, as Telegram
        does; off by default so tests that do not care see no extra update.
        """
        self._chat.blocked = True
        if notify:
            self._member_update("member", "kicked")

    def unblock(self, *, notify: bool = False) -> None:
        self._chat.blocked = False
        if notify:
            self._member_update("kicked", "member")

    def _member_update(self, old: str, new: str) -> UpdateRecord:
        bot = self._state.bot_from

        def member(status: str) -> JSON:
            # Telegram's ChatMemberBanned always carries until_date (0 = forever).
            return {
                "user": bot,
                "status": status,
                **({"until_date": 0} if status == "kicked" else {}),
            }

        body = {
            "chat": self._chat.json,
            "from": self.json,
            "date": self._state.now_date(),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        return self._state.updates.push("my_chat_member", body, self.chat_id)

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        return list(self._chat.callback_answers)

    # -- actions ----------------------------------------------------------------------------------

    def _push_message(self, content: JSON, log_line: str) -> UpdateRecord:
        chat = self._chat
        message_id = chat.new_message_id()
        message: JSON = {
            "message_id": message_id,
            "from": self.json,
            "chat": chat.json,
            "date": self._state.now_date(),
            **content,
        }
        chat.user_messages[message_id] = message
        chat.log.append(f"user #{message_id}: {log_line}")
        return self._state.updates.push("message", message, chat.id)

    async def send(self, text: str, *, reply_to: int | None = None) -> UpdateRecord:
        """A text message; ``/commands`` get bot_command entities like Telegram adds."""
        content: JSON = {"text": text}
        entities = [
            {
                "type": "bot_command",
                "offset": utf16_len(text[: m.start()]),
                "length": utf16_len(m.group()),
            }
            for m in _COMMAND_RE.finditer(text)
        ]
        if entities:
            content["entities"] = entities
        if reply_to is not None:
            replied = self._chat.by_id.get(reply_to)
            if replied is not None:
                content["reply_to_message"] = replied.to_json(
                    self._state.bot_from, self._chat.json
                )
        return self._push_message(content, repr(text))

    async def share_contact(self, phone: str | None = None) -> UpdateRecord:
        """Share this user's own contact (phone as given: with or without '+')."""
        contact = {
            "phone_number": phone or self.phone,
            "first_name": self.first_name,
            "user_id": self.user_id,
        }
        last_name = self.json.get("last_name")
        if last_name:
            contact["last_name"] = last_name
        return self._push_message({"contact": contact}, f"[contact {contact['phone_number']}]")

    async def send_location(self, latitude: float, longitude: float) -> UpdateRecord:
        return self._push_message(
            {"location": {"latitude": latitude, "longitude": longitude}},
            f"[location {latitude},{longitude}]",
        )

    async def _send_file(
        self,
        kind: str,
        data: bytes,
        caption: str | None,
        file_name: str | None = None,
        mime_type: str | None = None,
        log: str = "",
    ) -> UpdateRecord:
        stored = self._state.add_file(data, kind, file_name, mime_type)
        content: JSON = {kind: stored.media_json(kind)}
        if caption is not None:
            content["caption"] = caption
        return self._push_message(content, f"[{kind}{log}]" + (f" {caption!r}" if caption else ""))

    async def send_photo(self, data: bytes, caption: str | None = None) -> UpdateRecord:
        return await self._send_file("photo", data, caption)

    async def send_document(
        self,
        data: bytes,
        file_name: str = "file.bin",
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
    ) -> UpdateRecord:
        return await self._send_file(
            "document", data, caption, file_name, mime_type, f" {file_name}"
        )

    async def send_sticker(self, emoji: str = "👍") -> UpdateRecord:
        stored = self._state.add_file(b"RIFF\x00\x00\x00\x00WEBP", "sticker")
        sticker = stored.media_json("sticker")
        sticker["emoji"] = emoji
        return self._push_message({"sticker": sticker}, f"[sticker {emoji}]")

    async def send_voice(self, data: bytes = _FAKE_VOICE) -> UpdateRecord:
        return await self._send_file("voice", data, None, None, "audio/ogg")

    # -- buttons ----------------------------------------------------------------------------------

    async def press(self, text: str) -> UpdateRecord:
        """Press a button by its visible text, newest message first.

        Inline buttons produce a callback_query with the button's callback_data; reply
        keyboard buttons (of the keyboard currently shown) send their text, or the user's
        contact / a location for request_contact / request_location buttons.
        """
        chat = self._chat
        for message in reversed(chat.bot_messages):
            if message is chat.reply_keyboard:
                button = _find_button(message.reply_markup, "keyboard", text)
                if button is not None:
                    return await self._press_reply_button(button, text)
            if message.deleted:
                continue
            button = _find_button(message.reply_markup, "inline_keyboard", text)
            if button is not None:
                data = button.get("callback_data")
                if data is None:
                    kinds = sorted(k for k in button if k != "text")
                    raise AssertionError(f"button {text!r} has no callback_data ({kinds})")
                return self._callback(message, str(data), f"[pressed {text!r}]")
        available = [
            t for m in reversed(chat.bot_messages) if not m.deleted for t in m.button_texts
        ]
        raise AssertionError(
            f"no button {text!r} in chat {self.chat_id}; visible buttons: {available}\n"
            + self.transcript()
        )

    async def _press_reply_button(self, button: Any, text: str) -> UpdateRecord:
        if isinstance(button, dict) and button.get("request_contact"):
            return await self.share_contact()
        if isinstance(button, dict) and button.get("request_location"):
            return await self.send_location(42.8746, 74.5698)
        return await self.send(text)

    async def press_data(self, data: str, *, message: BotMessage | None = None) -> UpdateRecord:
        """A callback_query with arbitrary (possibly forged) data.

        Attached to ``message`` or else the newest bot message with an inline keyboard.
        """
        if message is None:
            candidates = [m for m in self._chat.bot_messages if not m.deleted]
            with_keyboard = [m for m in candidates if m.inline_buttons]
            pool = with_keyboard or candidates
            if not pool:
                raise AssertionError(f"no bot message in chat {self.chat_id} to attach data to")
            message = pool[-1]
        return self._callback(message, data, f"[callback data {data!r}]")

    def _callback(self, message: BotMessage, data: str, log_line: str) -> UpdateRecord:
        state, chat = self._state, self._chat
        query_id = state.new_callback_id(chat.id, data)
        body = {
            "id": query_id,
            "from": self.json,
            "message": message.to_json(state.bot_from, chat.json),
            "chat_instance": str(chat.id),
            "data": data,
        }
        self._last_query_id = query_id
        chat.log.append(f"user: {log_line} on #{message.message_id}")
        return state.updates.push("callback_query", body, chat.id, callback_query_id=query_id)

    async def expect_answer(self, timeout: float = DEFAULT_TIMEOUT) -> CallbackAnswer:
        """Wait until the bot answered the most recent press; returns that answer."""
        query_id = self._last_query_id
        if query_id is None:
            raise AssertionError("expect_answer() before any press()/press_data()")

        def find() -> CallbackAnswer | None:
            for answer in reversed(self._chat.callback_answers):
                if answer.callback_query_id == query_id:
                    return answer
            return None

        await self.wait_until(lambda: find() is not None, timeout, "answerCallbackQuery")
        answer = find()
        assert answer is not None
        return answer


def _find_button(markup: JSON | None, field: str, text: str) -> Any:
    for row in (markup or {}).get(field) or []:
        for button in row:
            label = button if isinstance(button, str) else button.get("text")
            if label == text:
                return button
    return None
