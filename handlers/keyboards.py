"""Keyboards shared by several handlers."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot import callbacks
from bot.i18n import LANGUAGES, Translator
from bot.menu import LANGUAGE_NAMES, MENU_LABELS, MENU_LAYOUT


def main_menu(t: Translator) -> ReplyKeyboardMarkup:
    """The main menu as a reply keyboard, always at hand under the text field."""
    rows = [
        [KeyboardButton(t.gettext(MENU_LABELS[action])) for action in row] for row in MENU_LAYOUT
    ]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, is_persistent=True)


def language_picker(current: str | None) -> InlineKeyboardMarkup:
    """«Кыргызча» and «Русский»; the language the bot speaks now carries a check mark."""
    buttons = [
        InlineKeyboardButton(
            ("✓ " if lang == current else "") + LANGUAGE_NAMES[lang],
            callback_data=callbacks.build(callbacks.LANGUAGE, lang),
        )
        for lang in LANGUAGES
    ]
    return InlineKeyboardMarkup([buttons])
