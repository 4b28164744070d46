"""The privacy commands for the command menu (their descriptions are this domain's msgids)."""

from __future__ import annotations

from bot.i18n import N_

PRIVACY_COMMANDS: tuple[tuple[str, str], ...] = (
    ("mydata", N_("Get a copy of all my data")),
    ("deleteme", N_("Erase my data")),
)
