"""The command menu of staff: setMyCommands for each caseworker's and admin's own chat.

Families see the default menu (bot/commands.py); staff get it plus their tools, in their
language, with BotCommandScopeChat. Set when someone becomes staff, removed when they stop.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.commands import COMMANDS
from bot.i18n import N_, Translator
from db.enums import Role

_LOG = logging.getLogger(__name__)

STAFF_COMMANDS: tuple[tuple[str, str], ...] = (
    ("queue", N_("Applications waiting for review")),
    ("app", N_("An application by its reference")),
    ("find", N_("Find by PIN, phone or reference")),
    ("note", N_("Add an internal note")),
    ("stats", N_("Counts by region and status")),
    ("whoami", N_("Your role")),
)
ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("caseworkers", N_("Caseworkers and their regions")),
    ("addcaseworker", N_("Add a caseworker by user id")),
    ("invite", N_("Invite link for a new caseworker")),
    ("broadcast", N_("Send an announcement to families")),
    ("broadcasts", N_("Recent announcements and their progress")),
)


def commands_for(role: Role) -> tuple[tuple[str, str], ...]:
    if role is Role.ADMIN:
        return COMMANDS + STAFF_COMMANDS + ADMIN_COMMANDS
    if role is Role.CASEWORKER:
        return COMMANDS + STAFF_COMMANDS
    return COMMANDS


async def set_commands(bot: Bot, t: Translator, user_id: int, role: Role) -> None:
    """Staff menu in the person's own chat; a family member's chat falls back to the default."""
    scope = BotCommandScopeChat(user_id)
    try:
        if role is Role.APPLICANT:
            await bot.delete_my_commands(scope=scope)
            return
        commands = [BotCommand(name, t.gettext(text)) for name, text in commands_for(role)]
        await bot.set_my_commands(commands, scope=scope)
    except TelegramError as exc:  # e.g. an ADMIN_ID that never opened the bot: chat not found
        _LOG.info("commands for user %s not set: %s", user_id, exc)
