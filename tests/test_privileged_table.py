"""Every privileged command and button, in ONE table, tried by people who may not use it.

The first test derives the bot's entry points from the routing table itself: a new privileged
command or button added without a row here fails the suite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.app import build_application
from bot.broadcast.keyboards import Action
from bot.config import load_settings
from db.models import Application, Base, Broadcast, CaseworkerRegion, User
from handlers.broadcast import BUTTON_ACTIONS
from tests.casework_seed import (
    CW_CHUI,
    CW_ISSYK,
    FAMILY,
    add_caseworker,
    casework,
    seed_submitted,
    start_user,
)
from tests.conftest import ADMIN_ID
from tests.harness import BotHarness

__all__ = ["casework"]

# Entry points everyone may use: the family's own commands and buttons.
PUBLIC_COMMANDS = frozenset(
    {
        "start",
        "language",
        "help",
        "about",
        "check",
        "apply",
        "status",
        "back",
        "skip",
        "cancel",
        "mydata",
        "deleteme",
        "whoami",
    }
)
PUBLIC_BUTTONS = frozenset(
    {
        "lang", "el", "f",
        "pv:pdf", "pv:del", "pv:no",  # the family's own data: its PDF again, erase, keep
        "cw:wd", "cw:wdy", "cw:wdn",  # the family withdraws its own application
    }
)


@dataclass(frozen=True)
class Entry:
    """One privileged entry point, refused to a family and to a caseworker of another region
    (admin-only entries are refused to every caseworker)."""

    text: str  # a command line or callback data; {app} {ref} {pin} {family} {cw} {bc} filled
    admin_only: bool = False
    any_staff: bool = False  # acts on the presser's own staff state: refused to families only

    @property
    def is_command(self) -> bool:
        return self.text.startswith("/")


TABLE: dict[str, Entry] = {
    # Staff commands (any caseworker, within the regions they serve).
    "queue": Entry("/queue"),
    "app": Entry("/app {ref}"),
    "find": Entry("/find {pin}"),
    "note": Entry("/note {ref} a forged note"),
    "stats": Entry("/stats"),
    # Admin commands.
    "caseworkers": Entry("/caseworkers", admin_only=True),
    "addcaseworker": Entry("/addcaseworker {family}", admin_only=True),
    "invite": Entry("/invite", admin_only=True),
    "broadcast": Entry("/broadcast", admin_only=True),
    "broadcasts": Entry("/broadcasts", admin_only=True),
    # Caseworker buttons on an application.
    "cw:tk": Entry("cw:tk:{app}"),
    "cw:to": Entry("cw:to:{app}:approved"),
    "cw:ok": Entry("cw:ok:{app}:approved"),
    "cw:rj": Entry("cw:rj:{app}"),
    "cw:ri": Entry("cw:ri:{app}"),
    "cw:m": Entry("cw:m:{app}"),
    "cw:n": Entry("cw:n:{app}"),
    "cw:cx": Entry("cw:cx", any_staff=True),
    "cw:end": Entry("cw:end:{app}"),
    "cw:v": Entry("cw:v:{app}"),
    "cw:pdf": Entry("cw:pdf:{app}"),
    "cw:d": Entry("cw:d:1"),
    "cw:q": Entry("cw:q:all:KG-C:0"),
    "cw:qs": Entry("cw:qs:all:KG-C:0"),
    "cw:qr": Entry("cw:qr:all:KG-C:0"),
    "cw:x": Entry("cw:x:csv:all:KG-C"),
    # Admin buttons.
    "adm:add": Entry("adm:add", admin_only=True),
    "adm:inv": Entry("adm:inv", admin_only=True),
    "adm:rg": Entry("adm:rg:{cw}:KG-C", admin_only=True),
    "adm:ok": Entry("adm:ok:{cw}", admin_only=True),
    "adm:ed": Entry("adm:ed:{cw}", admin_only=True),
    "adm:rm": Entry("adm:rm:{cw}", admin_only=True),
    "adm:rmy": Entry("adm:rmy:{cw}", admin_only=True),
    # Broadcast buttons (every action, on the admin's real draft).
    **{
        f"bc:{action}": Entry(f"bc:{action}:{{bc}}:x", admin_only=True)
        for action in (*BUTTON_ACTIONS, Action.LIST)
    },
}

_PATTERN = re.compile(r"^\^([a-z]+)(?::([a-z]+))?\(")


def registered_entry_points(tmp_path: Path) -> tuple[set[str], set[str]]:
    """(commands, button keys) as the routing table registers them."""
    settings = load_settings(
        _env_file=None,
        bot_token="123456:TEST-token",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
    )
    app = build_application(settings)
    commands: set[str] = set()
    buttons: set[str] = set()
    for group in app.handlers.values():
        for handler in group:
            if isinstance(handler, CommandHandler):
                commands |= set(handler.commands)
            elif isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
                pattern = handler.pattern
                match = _PATTERN.match(pattern.pattern if hasattr(pattern, "pattern") else "")
                assert match, f"unrecognised callback pattern {pattern!r}"
                prefix, verb = match.groups()
                if prefix == "bc":  # one handler routes every broadcast action
                    buttons |= {f"bc:{a}" for a in (*BUTTON_ACTIONS, Action.LIST)}
                else:
                    buttons.add(f"{prefix}:{verb}" if verb else prefix)
    return commands, buttons


def test_every_privileged_entry_point_is_in_the_table(tmp_path: Path) -> None:
    commands, buttons = registered_entry_points(tmp_path)
    privileged_commands = commands - PUBLIC_COMMANDS
    privileged_buttons = buttons - PUBLIC_BUTTONS
    table_commands = {k for k, e in TABLE.items() if e.is_command}
    table_buttons = {k for k, e in TABLE.items() if not e.is_command}
    assert privileged_commands == table_commands, "add the new command to TABLE (or PUBLIC)"
    assert privileged_buttons == table_buttons, "add the new button to TABLE (or PUBLIC)"


async def snapshot(harness: BotHarness) -> dict[str, Any]:
    """Everything a refused action could have changed."""
    async with harness.db() as db:
        apps = (
            await db.execute(
                select(
                    Application.id,
                    Application.status,
                    Application.assigned_to,
                    Application.version,
                )
            )
        ).all()
        roles = (await db.execute(select(User.id, User.role))).all()
        regions = (
            await db.execute(select(CaseworkerRegion.user_id, CaseworkerRegion.region))
        ).all()
        broadcasts = (
            await db.execute(select(Broadcast.id, Broadcast.state, Broadcast.step))
        ).all()
        counts = {}
        for table in Base.metadata.sorted_tables:
            # update_inbox: every update passes through it (bot/polling.py), refused or not.
            if table.name in ("message_log", "users", "privacy_requests", "update_inbox"):
                continue
            counts[table.name] = len((await db.execute(select(table))).all())
    return {
        "apps": sorted(apps),
        "roles": sorted(roles),
        "regions": sorted(regions),
        "broadcasts": sorted(broadcasts),
        "counts": counts,
    }


@pytest.mark.parametrize("key", sorted(TABLE))
async def test_table_entry_refused_to_a_family_and_another_regions_caseworker(
    casework: BotHarness, key: str
) -> None:
    entry = TABLE[key]
    admin = await start_user(casework, ADMIN_ID, "ru")
    family = await start_user(casework, FAMILY, "ky")
    worker = await start_user(casework, CW_CHUI, "ky")
    stranger = await start_user(casework, CW_ISSYK, "ru")
    await add_caseworker(casework, admin, worker, ["KG-C"])
    await add_caseworker(casework, admin, stranger, ["KG-Y"])
    app_id, ref = await seed_submitted(casework, FAMILY, region="KG-C")
    await worker.expect_one()  # the new-application notice
    await admin.send("/broadcast")  # a real draft, so forged bc: buttons name a real id
    await admin.expect(1)
    async with casework.db() as db:
        bc_id = (await db.scalars(select(Broadcast.id))).one()
        pin = (await db.get(Application, app_id)).pin  # type: ignore[union-attr]
    values = {"app": app_id, "ref": ref, "pin": pin, "family": FAMILY, "cw": CW_CHUI, "bc": bc_id}
    text = entry.text.format(**values)

    people = [family] if entry.any_staff else [family, stranger]
    before = await snapshot(casework)
    for person in people:
        if entry.is_command:
            await person.send(text)
            reply = await person.expect_one()
            shown = reply.text or reply.caption or ""
            assert ref not in shown and "start=inv_" not in shown, (key, person.user_id, shown)
            assert reply.document is None and reply.photo is None, (key, person.user_id)
        else:
            await person.press_data(text)
            answer = await person.expect_answer()
            assert answer.show_alert or answer.text, (key, person.user_id, answer)
            await person.expect_silence(0.1)  # nothing else: no details, no document
    assert await snapshot(casework) == before, key
