"""The command menu registered with setMyCommands, in both languages."""

from __future__ import annotations

from bot.i18n import N_
from bot.privacy.commands import PRIVACY_COMMANDS

# (command, description msgid). Order is the order Telegram shows them.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Main menu")),
    ("check", N_("Check eligibility")),
    ("apply", N_("Write the business plan and apply")),
    ("back", N_("Previous question of the questionnaire")),
    ("cancel", N_("Stop the questionnaire and delete its answers")),
    ("status", N_("My application status")),
    ("language", N_("Change language")),
    *PRIVACY_COMMANDS,  # issue 8
    ("help", N_("Help")),
)
