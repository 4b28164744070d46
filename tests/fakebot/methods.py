"""The Bot API method table plus the methods that are not about messages.

``METHODS`` maps lower-cased method names (Telegram matches them case-insensitively) to a
MethodSpec. getUpdates is listed for routing and counting but served by the server itself,
because it is the only method that waits.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import messages
from .errors import bad_request
from .models import JSON, CallbackAnswer
from .params import Params
from .state import BOT_FIRST_NAME, BOT_USERNAME, ServerState

Handler = Callable[[ServerState, Params], Any]


@dataclass(frozen=True, slots=True)
class MethodSpec:
    name: str  # canonical spelling, used in stats
    handler: Handler | None  # None: served by the server (getUpdates)
    counted: bool = False  # delivers a message: subject to rate limits


# -- bot identity and settings --------------------------------------------------------------------


def get_me(st: ServerState, p: Params) -> Any:
    return {
        "id": st.bot_id,
        "is_bot": True,
        "first_name": BOT_FIRST_NAME,
        "username": BOT_USERNAME,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def scope_key(scope: Any) -> str:
    """Stable key for a BotCommandScope (default when omitted)."""
    if not isinstance(scope, dict):
        return "default"
    parts = [str(scope.get("type", "default"))]
    parts += [str(scope[k]) for k in ("chat_id", "user_id") if k in scope]
    return ":".join(parts)


_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


def set_my_commands(st: ServerState, p: Params) -> Any:
    commands = p.get_obj("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("commands must be a list of at most 100 BotCommand")
    cleaned: list[JSON] = []
    for item in commands:
        command = str(item.get("command", "")) if isinstance(item, dict) else ""
        description = str(item.get("description", "")) if isinstance(item, dict) else ""
        if not _COMMAND_RE.match(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        cleaned.append({"command": command, "description": description})
    key = (scope_key(p.get_obj("scope")), p.get_str("language_code") or "")
    if cleaned:
        st.commands[key] = cleaned
    else:
        st.commands.pop(key, None)
    return True


def get_my_commands(st: ServerState, p: Params) -> Any:
    key = (scope_key(p.get_obj("scope")), p.get_str("language_code") or "")
    return st.commands.get(key, [])


def delete_my_commands(st: ServerState, p: Params) -> Any:
    st.commands.pop((scope_key(p.get_obj("scope")), p.get_str("language_code") or ""), None)
    return True


def _description_setter(kind: str) -> Handler:
    def handler(st: ServerState, p: Params) -> Any:
        st.descriptions[(kind, p.get_str("language_code") or "")] = p.get_str(kind) or ""
        return True

    return handler


def _description_getter(kind: str) -> Handler:
    def handler(st: ServerState, p: Params) -> Any:
        return {kind: st.descriptions.get((kind, p.get_str("language_code") or ""), "")}

    return handler


def accept(st: ServerState, p: Params) -> Any:
    """Methods we only need to acknowledge (close, logOut, setChatMenuButton...)."""
    return True


# -- chats, files, callbacks ----------------------------------------------------------------------


def get_chat(st: ServerState, p: Params) -> Any:
    chat = st.resolve_chat(p.chat_id())
    info = dict(chat.json)
    # Fields PTB's ChatFullInfo requires.
    info.update(
        accent_color_id=0,
        max_reaction_count=11,
        accepted_gift_types={
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    )
    return info


def get_file(st: ServerState, p: Params) -> Any:
    return st.get_file(p.get_str("file_id") or "").file_json()


def answer_callback_query(st: ServerState, p: Params) -> Any:
    query_id = p.get_str("callback_query_id") or ""
    pending = st.callbacks.get(query_id)
    if pending is None or pending.answered:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    pending.answered = True
    answer = CallbackAnswer(
        callback_query_id=query_id,
        chat_id=pending.chat_id,
        data=pending.data,
        text=p.get_str("text"),
        show_alert=p.get_bool("show_alert"),
        url=p.get_str("url"),
        cache_time=p.get_int("cache_time") or 0,
        answered_at=time.monotonic(),
    )
    st.callback_answers.append(answer)
    chat = st.chats.get(pending.chat_id) if pending.chat_id is not None else None
    if chat is not None:
        chat.callback_answers.append(answer)
        alert = " (alert)" if answer.show_alert else ""
        chat.log.append(f"bot answered callback: {answer.text!r}{alert}")
        chat.notify()
    return True


# -- webhook --------------------------------------------------------------------------------------

_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def set_webhook(st: ServerState, p: Params) -> Any:
    url = p.get_str("url") or ""
    drop = p.get_bool("drop_pending_updates")
    if not url:
        return delete_webhook(st, p)
    secret = p.get_str("secret_token")
    if secret is not None and not _SECRET_RE.match(secret):
        raise bad_request("secret token contains unallowed characters")
    if drop:
        st.updates.clear()
    allowed = p.get_obj("allowed_updates")
    st.webhook.activate(
        url,
        secret,
        p.get_int("max_connections") or 40,
        allowed if isinstance(allowed, list) else None,
    )
    return True


def delete_webhook(st: ServerState, p: Params) -> Any:
    drop = p.get_bool("drop_pending_updates")
    if st.webhook.active:
        st.webhook.deactivate(drop_pending=drop)
    if drop:
        st.updates.clear()
    return True


def get_webhook_info(st: ServerState, p: Params) -> Any:
    hook = st.webhook
    info: JSON = {
        "url": hook.url,
        "has_custom_certificate": False,
        "pending_update_count": st.updates.pending_count + hook.pending_count,
    }
    if hook.active:
        info["max_connections"] = hook.max_connections
        info["ip_address"] = "127.0.0.1"
        if hook.allowed_updates is not None:
            info["allowed_updates"] = hook.allowed_updates
    if hook.last_error_date is not None:
        info["last_error_date"] = hook.last_error_date
        info["last_error_message"] = hook.last_error_message
    return info


# -- the table ------------------------------------------------------------------------------------


def _spec(name: str, handler: Handler | None, counted: bool = False) -> tuple[str, MethodSpec]:
    return name.lower(), MethodSpec(name, handler, counted)


METHODS: dict[str, MethodSpec] = dict(
    [
        _spec("getMe", get_me),
        _spec("getUpdates", None),
        _spec("sendMessage", messages.send_message, counted=True),
        _spec("sendPhoto", messages.send_media("photo"), counted=True),
        _spec("sendDocument", messages.send_media("document"), counted=True),
        _spec("sendAudio", messages.send_media("audio"), counted=True),
        _spec("sendVideo", messages.send_media("video"), counted=True),
        _spec("sendAnimation", messages.send_media("animation"), counted=True),
        _spec("sendVoice", messages.send_media("voice"), counted=True),
        _spec("sendVideoNote", messages.send_media("video_note"), counted=True),
        _spec("sendSticker", messages.send_media("sticker"), counted=True),
        _spec("sendMediaGroup", messages.send_media_group, counted=True),
        _spec("sendContact", messages.send_contact, counted=True),
        _spec("sendLocation", messages.send_location, counted=True),
        _spec("copyMessage", messages.copy_message, counted=True),
        _spec("forwardMessage", messages.forward_message, counted=True),
        _spec("sendChatAction", messages.send_chat_action),
        _spec("editMessageText", messages.edit_message_text),
        _spec("editMessageCaption", messages.edit_message_caption),
        _spec("editMessageReplyMarkup", messages.edit_message_reply_markup),
        _spec("deleteMessage", messages.delete_message),
        _spec("deleteMessages", messages.delete_messages),
        _spec("answerCallbackQuery", answer_callback_query),
        _spec("getFile", get_file),
        _spec("getChat", get_chat),
        _spec("setMyCommands", set_my_commands),
        _spec("getMyCommands", get_my_commands),
        _spec("deleteMyCommands", delete_my_commands),
        _spec("setMyDescription", _description_setter("description")),
        _spec("getMyDescription", _description_getter("description")),
        _spec("setMyShortDescription", _description_setter("short_description")),
        _spec("getMyShortDescription", _description_getter("short_description")),
        _spec("setMyName", _description_setter("name")),
        _spec("getMyName", _description_getter("name")),
        _spec("setWebhook", set_webhook),
        _spec("deleteWebhook", delete_webhook),
        _spec("getWebhookInfo", get_webhook_info),
        _spec("setChatMenuButton", accept),
        _spec("close", accept),
        _spec("logOut", accept),
    ]
)
