"""The main menu: its actions, their labels and their layout on the reply keyboard."""

from __future__ import annotations

import enum

from bot.i18n import N_


class MenuAction(enum.StrEnum):
    CHECK = "check"
    APPLY = "apply"
    MY_APPLICATION = "my_application"
    ABOUT = "about"
    LANGUAGE = "language"
    HELP = "help"


MENU_LABELS: dict[MenuAction, str] = {
    MenuAction.CHECK: N_("✅ Check eligibility"),
    MenuAction.APPLY: N_("📝 Apply"),
    MenuAction.MY_APPLICATION: N_("📄 My application"),
    MenuAction.ABOUT: N_("ℹ️ About the program"),
    MenuAction.LANGUAGE: N_("🌐 Language"),
    MenuAction.HELP: N_("❓ Help"),
}

MENU_LAYOUT: tuple[tuple[MenuAction, ...], ...] = (
    (MenuAction.CHECK, MenuAction.APPLY),
    (MenuAction.MY_APPLICATION, MenuAction.ABOUT),
    (MenuAction.LANGUAGE, MenuAction.HELP),
)

# Language names are shown in their own language, never translated.
LANGUAGE_NAMES = {"ky": "Кыргызча", "ru": "Русский"}
