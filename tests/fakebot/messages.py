"""Bot API methods that create, change or remove messages.

Each handler takes the server state and the request Params, validates like Telegram where
it is cheap, and returns the ``result`` JSON or raises ApiError. Handlers are synchronous:
a request's whole state change happens without yielding to the event loop.
"""

from __future__ import annotations

import time
from typing import Any

from .errors import bad_request, forbidden_blocked
from .formatting import render
from .keyboards import validate_reply_markup
from .models import JSON, BotMessage, MessageVersion, StoredFile
from .params import Params, UploadedPart
from .state import ChatState, ServerState

_Rendered = tuple[str, str, list[JSON] | None]  # (raw, plain, entities)
MAX_TEXT = 4096
MAX_CAPTION = 1024
# Message fields that carry content, copied by copyMessage/forwardMessage from user messages.
_MEDIA_KINDS = (
    "photo",
    "document",
    "audio",
    "video",
    "animation",
    "voice",
    "video_note",
    "sticker",
)
_PLAIN_CONTENT = ("contact", "location", "venue", "poll", "dice")
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


def _writable_chat(st: ServerState, p: Params, key: str = "chat_id") -> ChatState:
    chat = st.resolve_chat(p.chat_id(key))
    if chat.blocked:
        raise forbidden_blocked()
    return chat


def _new_message(st: ServerState, chat: ChatState, method: str) -> BotMessage:
    return BotMessage(
        chat_id=chat.id,
        message_id=chat.new_message_id(),
        date=st.now_date(),
        sent_at=time.monotonic(),
        method=method,
    )


def _render_text(p: Params) -> _Rendered:
    raw = p.get_str("text") or ""
    plain, entities = render(raw, p.get_str("parse_mode"), p.get_obj("entities"))
    if not plain.strip():
        raise bad_request("message text is empty")
    if len(plain) > MAX_TEXT:
        raise bad_request("message is too long")
    return raw, plain, entities


def _render_caption(p: Params) -> _Rendered | None:
    raw = p.get_str("caption")
    if raw is None or raw == "":
        return None
    plain, entities = render(raw, p.get_str("parse_mode"), p.get_obj("caption_entities"))
    if len(plain) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return raw, plain, entities


def _apply_caption(message: BotMessage, caption: _Rendered | None, parse_mode: str | None) -> None:
    if caption is None:
        return
    message.raw_caption, message.caption, message.caption_entities = caption
    message.parse_mode = parse_mode


def _apply_common(st: ServerState, chat: ChatState, p: Params, message: BotMessage) -> None:
    """reply_markup and reply_parameters, shared by every send method."""
    message.reply_markup = validate_reply_markup(p.get_obj("reply_markup"))
    reply = p.get_obj("reply_parameters") or {}
    reply_to = reply.get("message_id") if isinstance(reply, dict) else None
    if reply_to is None:
        reply_to = p.get_int("reply_to_message_id")
    if reply_to is None:
        return
    reply_to = int(reply_to)
    replied = _message_json(st, chat, reply_to)
    if replied is None:
        allow = bool(reply.get("allow_sending_without_reply")) or p.get_bool(
            "allow_sending_without_reply"
        )
        if not allow:
            raise bad_request("message to be replied not found")
        return
    message.reply_to_message_id = reply_to
    message.extra["reply_to_message"] = replied


def _message_json(st: ServerState, chat: ChatState, message_id: int) -> JSON | None:
    bot_message = chat.by_id.get(message_id)
    if bot_message is not None:
        return None if bot_message.deleted else bot_message.to_json(st.bot_from, chat.json)
    return chat.user_messages.get(message_id)


def _deliver(st: ServerState, chat: ChatState, message: BotMessage) -> JSON:
    st.add_bot_message(chat, message)
    return message.to_json(st.bot_from, chat.json)


def send_message(st: ServerState, p: Params) -> Any:
    chat = _writable_chat(st, p)
    raw, plain, entities = _render_text(p)
    message = _new_message(st, chat, "sendMessage")
    message.raw_text, message.text, message.entities = raw, plain, entities
    message.parse_mode = p.get_str("parse_mode")
    _apply_common(st, chat, p, message)
    preview = p.get_obj("link_preview_options")
    if preview:
        message.extra["link_preview_options"] = preview
    return _deliver(st, chat, message)


def _resolve_input_file(st: ServerState, p: Params, kind: str) -> StoredFile:
    value = p.input_file(kind)
    if isinstance(value, UploadedPart):
        return st.add_file(value.data, kind, value.filename, value.content_type)
    if not value:
        raise bad_request(f"there is no {kind} in the request")
    existing = st.files.get(value)
    if existing is not None:
        return existing
    if value.startswith(("http://", "https://")):
        # Telegram would download the URL; keep a placeholder so getFile still works.
        name = value.rstrip("/").rsplit("/", 1)[-1] or None
        return st.add_file(b"", kind, name, None)
    raise bad_request("wrong file identifier/HTTP URL specified")


def send_media(kind: str) -> Any:
    """Handler factory for sendPhoto, sendDocument, sendVoice, ... (field name == kind)."""
    method = "send" + "".join(part.capitalize() for part in kind.split("_"))

    def handler(st: ServerState, p: Params) -> Any:
        chat = _writable_chat(st, p)
        caption = _render_caption(p)
        stored = _resolve_input_file(st, p, kind)
        message = _new_message(st, chat, method)
        message.media_kind, message.media = kind, stored
        _apply_caption(message, caption, p.get_str("parse_mode"))
        _apply_common(st, chat, p, message)
        return _deliver(st, chat, message)

    return handler


def send_media_group(st: ServerState, p: Params) -> Any:
    chat = _writable_chat(st, p)
    media = p.get_obj("media")
    if not isinstance(media, list) or not 1 <= len(media) <= 10:
        raise bad_request("wrong number of media in the message")
    group_id = f"{chat.id}{time.monotonic_ns()}"
    planned: list[tuple[str, StoredFile, _Rendered | None, str | None]] = []
    for item in media:
        if not isinstance(item, dict) or "media" not in item or "type" not in item:
            raise bad_request("can't parse InputMedia JSON object")
        kind = str(item["type"])
        sub = Params(
            {
                kind: item["media"],
                "caption": item.get("caption"),
                "parse_mode": item.get("parse_mode"),
            },
            p.files,
        )
        parse_mode = item.get("parse_mode")
        planned.append(
            (
                kind,
                _resolve_input_file(st, sub, kind),
                _render_caption(sub),
                str(parse_mode) if parse_mode else None,
            )
        )
    results = []
    for kind, stored, caption, parse_mode in planned:
        message = _new_message(st, chat, "sendMediaGroup")
        message.media_kind, message.media = kind, stored
        message.extra["media_group_id"] = group_id
        _apply_caption(message, caption, parse_mode)
        results.append(_deliver(st, chat, message))
    return results


def send_contact(st: ServerState, p: Params) -> Any:
    chat = _writable_chat(st, p)
    message = _new_message(st, chat, "sendContact")
    contact: JSON = {
        "phone_number": p.get_str("phone_number") or "",
        "first_name": p.get_str("first_name") or "",
    }
    if not contact["phone_number"] or not contact["first_name"]:
        raise bad_request("phone_number and first_name are required")
    message.extra["contact"] = contact
    _apply_common(st, chat, p, message)
    return _deliver(st, chat, message)


def send_location(st: ServerState, p: Params) -> Any:
    chat = _writable_chat(st, p)
    latitude, longitude = p.get_float("latitude"), p.get_float("longitude")
    if latitude is None or longitude is None:
        raise bad_request("latitude and longitude are required")
    message = _new_message(st, chat, "sendLocation")
    message.extra["location"] = {"latitude": latitude, "longitude": longitude}
    _apply_common(st, chat, p, message)
    return _deliver(st, chat, message)


def send_chat_action(st: ServerState, p: Params) -> Any:
    chat = _writable_chat(st, p)
    action = p.get_str("action") or ""
    if action not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat.actions.append(action)
    return True


def _copy_source_into(st: ServerState, p: Params, target: BotMessage, missing: str) -> JSON:
    """Fill ``target`` with the content of (from_chat_id, message_id); returns source JSON."""
    source_chat = st.resolve_chat(p.chat_id("from_chat_id"))
    message_id = p.req_int("message_id", "message identifier is not specified")
    source = _message_json(st, source_chat, message_id)
    if source is None:
        raise bad_request(missing)
    bot_source = source_chat.by_id.get(message_id)
    if bot_source is not None:
        target.text, target.raw_text, target.entities = (
            bot_source.text,
            bot_source.raw_text,
            bot_source.entities,
        )
        target.caption, target.raw_caption = bot_source.caption, bot_source.raw_caption
        target.caption_entities = bot_source.caption_entities
        target.media_kind, target.media = bot_source.media_kind, bot_source.media
        target.extra.update({k: v for k, v in bot_source.extra.items() if k in _PLAIN_CONTENT})
        return source
    target.text = source.get("text")
    target.raw_text = target.text
    target.entities = source.get("entities")
    target.caption = target.raw_caption = source.get("caption")
    target.caption_entities = source.get("caption_entities")
    for kind in _MEDIA_KINDS:
        if kind in source:
            media = source[kind]
            file_id = (media[-1] if isinstance(media, list) else media)["file_id"]
            target.media_kind, target.media = kind, st.files.get(file_id)
            break
    target.extra.update({k: source[k] for k in _PLAIN_CONTENT if k in source})
    return source


def copy_message(st: ServerState, p: Params) -> Any:
    chat = _writable_chat(st, p)
    message = _new_message(st, chat, "copyMessage")
    _copy_source_into(st, p, message, "message to copy not found")
    if "caption" in p and message.media is not None:
        caption = _render_caption(p)
        message.caption = message.raw_caption = message.caption_entities = None
        _apply_caption(message, caption, p.get_str("parse_mode"))
    _apply_common(st, chat, p, message)
    st.add_bot_message(chat, message)
    return {"message_id": message.message_id}


def forward_message(st: ServerState, p: Params) -> Any:
    chat = _writable_chat(st, p)
    message = _new_message(st, chat, "forwardMessage")
    source = _copy_source_into(st, p, message, "message to forward not found")
    message.extra["forward_origin"] = {
        "type": "user",
        "sender_user": source.get("from") or st.bot_from,
        "date": source.get("date", message.date),
    }
    return _deliver(st, chat, message)


# -- edits ----------------------------------------------------------------------------------------


def _editable(st: ServerState, p: Params) -> tuple[ChatState, BotMessage]:
    if "inline_message_id" in p:
        raise bad_request("message to edit not found")  # inline mode is not simulated
    chat = _writable_chat(st, p)
    message_id = p.req_int("message_id", "message identifier is not specified")
    message = chat.by_id.get(message_id)
    if message is None and message_id in chat.user_messages:
        raise bad_request("message can't be edited")
    if message is None or message.deleted:
        raise bad_request("message to edit not found")
    return chat, message


def _edited_markup(p: Params, message: BotMessage) -> JSON | None:
    """Telegram drops an inline keyboard that an edit does not repeat."""
    new = validate_reply_markup(p.get_obj("reply_markup"), inline_only=True)
    if new is not None:
        return new
    old = message.reply_markup
    return None if old is None or "inline_keyboard" in old else old


def _commit_edit(st: ServerState, chat: ChatState, message: BotMessage, unchanged: bool) -> JSON:
    if unchanged:
        raise bad_request(
            "message is not modified: specified new message content and reply markup are "
            "exactly the same as a current content and reply markup of the message"
        )
    message.edit_date = st.now_date()
    message.edited_at = time.monotonic()
    chat.edits.append(message)
    chat.notify()
    return message.to_json(st.bot_from, chat.json)


def _snapshot(message: BotMessage, method: str) -> None:
    message.history.append(
        MessageVersion(
            replaced_at=time.monotonic(),
            method=method,
            text=message.text,
            caption=message.caption,
            reply_markup=message.reply_markup,
        )
    )


def edit_message_text(st: ServerState, p: Params) -> Any:
    chat, message = _editable(st, p)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    raw, plain, entities = _render_text(p)
    markup = _edited_markup(p, message)
    unchanged = (
        plain == message.text
        and (entities or None) == (message.entities or None)
        and markup == message.reply_markup
    )
    if not unchanged:
        _snapshot(message, "editMessageText")
        message.raw_text, message.text, message.entities = raw, plain, entities
        message.parse_mode = p.get_str("parse_mode")
        message.reply_markup = markup
    return _commit_edit(st, chat, message, unchanged)


def edit_message_caption(st: ServerState, p: Params) -> Any:
    chat, message = _editable(st, p)
    if message.media is None:
        raise bad_request("there is no caption in the message to edit")
    caption = _render_caption(p)
    plain = caption[1] if caption else None
    entities = caption[2] if caption else None
    markup = _edited_markup(p, message)
    unchanged = (
        plain == message.caption
        and (entities or None) == (message.caption_entities or None)
        and markup == message.reply_markup
    )
    if not unchanged:
        _snapshot(message, "editMessageCaption")
        message.caption = message.raw_caption = message.caption_entities = None
        _apply_caption(message, caption, p.get_str("parse_mode"))
        message.reply_markup = markup
    return _commit_edit(st, chat, message, unchanged)


def edit_message_reply_markup(st: ServerState, p: Params) -> Any:
    chat, message = _editable(st, p)
    markup = _edited_markup(p, message)
    unchanged = markup == message.reply_markup
    if not unchanged:
        _snapshot(message, "editMessageReplyMarkup")
        message.reply_markup = markup
    return _commit_edit(st, chat, message, unchanged)


def delete_message(st: ServerState, p: Params) -> Any:
    chat = st.resolve_chat(p.chat_id())
    message_id = p.req_int("message_id", "message identifier is not specified")
    if not _delete_one(chat, message_id):
        raise bad_request("message to delete not found")
    chat.notify()
    return True


def delete_messages(st: ServerState, p: Params) -> Any:
    chat = st.resolve_chat(p.chat_id())
    ids = p.get_obj("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message_ids must be a list of 1-100 identifiers")
    for message_id in ids:
        _delete_one(chat, int(message_id))  # Telegram silently skips missing ones
    chat.notify()
    return True


def _delete_one(chat: ChatState, message_id: int) -> bool:
    message = chat.by_id.get(message_id)
    if message is not None:
        if message.deleted:
            return False
        # A deleted message's reply keyboard stays on the client, as in Telegram.
        message.deleted = True
        return True
    return chat.user_messages.pop(message_id, None) is not None
