"""Validation of ``reply_markup`` (cheap checks that catch real bot bugs)."""

from __future__ import annotations

from typing import Any

from .errors import bad_request
from .models import JSON

_MARKUP_KINDS = ("inline_keyboard", "keyboard", "remove_keyboard", "force_reply")
# Fields that give an inline button an action; a button with none of them is rejected.
_INLINE_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "callback_game",
    "pay",
    "web_app",
    "copy_text",
)
MAX_CALLBACK_DATA_BYTES = 64


def validate_reply_markup(markup: Any, *, inline_only: bool = False) -> JSON | None:
    """Return the markup dict if Telegram would accept it, else raise ApiError(400)."""
    if markup is None:
        return None
    if not isinstance(markup, dict) or not any(k in markup for k in _MARKUP_KINDS):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _validate_inline(markup["inline_keyboard"])
    elif inline_only:
        raise bad_request("inline keyboard expected")
    elif "keyboard" in markup:
        _validate_reply_keyboard(markup["keyboard"])
    return markup


def _validate_inline(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise bad_request("can't parse inline keyboard button: Text must be non-empty")
            if not any(k in button for k in _INLINE_ACTIONS):
                raise bad_request(
                    "can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None:
                size = len(str(data).encode("utf-8"))
                if size == 0 or size > MAX_CALLBACK_DATA_BYTES:
                    raise bad_request("BUTTON_DATA_INVALID")


def _validate_reply_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array')
    for row in rows:
        for button in row:
            text = (
                button
                if isinstance(button, str)
                else (button.get("text") if isinstance(button, dict) else None)
            )
            if not text:
                raise bad_request("can't parse keyboard button: Text must be non-empty")
