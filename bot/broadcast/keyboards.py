"""Inline buttons of broadcasts. Callback data: `bc:<action>[:<broadcast id>[:<value>]]`."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.i18n import Translator


class Action:
    """The <action> part of broadcast callback data (short: 64 bytes in all)."""

    MODE = "mode"  # text mode: separate | one
    SKIP = "skip"  # no attachment
    AUDIENCE = "aud"  # audience kind
    VALUE = "val"  # audience value (language, region, status)
    SEND = "send"  # confirm: send now
    SCHEDULE = "sched"  # ask for a time
    CONFIRM_SCHEDULE = "csched"  # confirm the scheduled time
    CHANGE = "chg"  # back to the audience
    DISCARD = "discard"  # throw the draft away
    STOP = "stop"  # ask to cancel a running or scheduled broadcast
    STOP_YES = "stopy"  # confirmed
    STOP_NO = "stopn"
    LIST = "list"  # refresh /broadcasts


def data(action: str, *parts: str | int) -> str:
    return callbacks.build(callbacks.BROADCAST, action, *parts)


def button(text: str, action: str, *parts: str | int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data(action, *parts))


def stop_keyboard(t: Translator, broadcast_id: int) -> InlineKeyboardMarkup:
    """Under the progress message while it goes out."""
    return InlineKeyboardMarkup(
        [[button(t.gettext("⛔ Stop sending"), Action.STOP, broadcast_id)]]
    )
