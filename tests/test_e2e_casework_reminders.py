"""End to end: reminders fire after a simulated clock jump and after a restart, once each.

The clock is the one the bot reads (Services.clock); the reminder job runs every 0.2 s here.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from bot.casework.reminder_rules import CLAIM_LEASE, MAX_ATTEMPTS, UNASSIGNED_WORKING_DAYS
from bot.casework.reminders import plan_due, send_due
from bot.casework.workdays import add_working_days, default_holidays
from db.models import Reminder
from db.repo import reminders
from tests.casework_seed import (
    CW_CHUI,
    FAMILY,
    FAMILY_2,
    add_caseworker,
    application_row,
    casework,
    seed_draft,
    seed_submitted,
    start_user,
)
from tests.conftest import ADMIN_ID
from tests.harness import BotHarness, eventually

__all__ = ["casework"]


def jump(harness: BotHarness, to: datetime) -> None:
    harness.services.clock = lambda: to


async def reminders_of(harness: BotHarness, kind: str) -> list[Reminder]:
    async with harness.db() as db:
        rows = await db.scalars(select(Reminder).where(Reminder.kind == kind))
        return list(rows)


async def test_draft_idle_reminder_after_a_clock_jump_fires_once(casework: BotHarness) -> None:
    family = await start_user(casework, FAMILY, "ky")
    await seed_draft(casework, FAMILY)
    await family.expect_silence(0.6)  # not idle yet: nothing

    jump(casework, datetime.now(UTC) + timedelta(days=2, hours=23))
    await family.expect_silence(0.6)
    jump(casework, datetime.now(UTC) + timedelta(days=3, minutes=1))
    reminder = await family.expect_one()
    assert "«📝 Арыз берүү»" in reminder.text
    await family.expect_silence(0.8)  # once, though the job keeps running
    rows = await reminders_of(casework, "draft_idle")
    assert len(rows) == 1 and rows[0].sent_at is not None and rows[0].outcome == "sent"

    # After a restart the sent reminder stays sent.
    await casework.restart()
    jump(casework, datetime.now(UTC) + timedelta(days=5))
    await family.expect_silence(0.8)


async def test_info_request_unanswered_reminds_family_and_caseworker(
    casework: BotHarness,
) -> None:
    admin = await start_user(casework, ADMIN_ID, "ru")
    family = await start_user(casework, FAMILY, "ru")
    worker = await start_user(casework, CW_CHUI, "ky")
    await add_caseworker(casework, admin, worker, ["KG-C"])
    app_id, ref = await seed_submitted(casework, FAMILY, language="ru")
    notice = await worker.expect_one()
    await worker.press_data(f"cw:ri:{app_id}", message=notice)
    await worker.expect_one()
    await worker.send("Жер тилкесинин документин жөнөтүңүз.")
    await worker.expect(2)
    await family.expect(2)  # "under review", then the question

    jump(casework, datetime.now(UTC) + timedelta(days=3, minutes=1))
    reminded = await family.expect_one()
    assert "Напоминание" in reminded.text and ref in reminded.text
    assert "Жер тилкесинин документин жөнөтүңүз." in reminded.text
    nudge = await worker.expect_one()
    assert ref in nudge.text and "3 күндөн бери" in nudge.text
    await family.expect_silence(0.6)
    rows = await reminders_of(casework, "info_unanswered")
    assert len(rows) == 1 and rows[0].sent_at is not None


async def test_untaken_application_escalates_to_admins_after_5_working_days(
    casework: BotHarness,
) -> None:
    admin = await start_user(casework, ADMIN_ID, "ru")
    worker = await start_user(casework, CW_CHUI, "ky")
    await add_caseworker(casework, admin, worker, ["KG-C"])
    await start_user(casework, FAMILY, "ky")
    app_id, ref = await seed_submitted(casework, FAMILY)
    await worker.expect_one()
    submitted = (await application_row(casework, app_id)).submitted_at
    assert submitted is not None
    due = add_working_days(submitted, UNASSIGNED_WORKING_DAYS, default_holidays())
    assert due - submitted >= timedelta(days=5)  # weekends (and holidays) do not count
    rows = await reminders_of(casework, "unassigned")
    assert len(rows) == 1 and rows[0].due_at == due

    jump(casework, due - timedelta(minutes=1))
    await admin.expect_silence(0.6)
    jump(casework, due + timedelta(minutes=1))
    escalation = await admin.expect_one()
    assert ref in escalation.text and "5 рабочих дней" in escalation.text
    assert next(d.split(":")[1] for row in escalation.inline_buttons for _, d in row if d) == "tk"
    await worker.expect_silence(0.3)  # the escalation goes to the admins

    # The admin takes it from the escalation.
    await admin.press("🙋 Взять")
    await admin.expect_answer()
    await admin.expect_one()
    assert (await application_row(casework, app_id)).assigned_to == ADMIN_ID


async def test_reminders_planned_before_a_restart_fire_after_it(casework: BotHarness) -> None:
    admin = await start_user(casework, ADMIN_ID, "ru")
    family = await start_user(casework, FAMILY, "ky")
    await seed_draft(casework, FAMILY)
    # Another family's application in a region with no caseworker: the admins are told now.
    await start_user(casework, FAMILY_2, "ru")
    _app_id, ref = await seed_submitted(casework, FAMILY_2, region="KG-N")
    notice = await admin.expect_one()
    assert ref in notice.content and "нет социального работника" in notice.content

    async def planned() -> bool:
        return len(await reminders_of(casework, "unassigned")) == 1

    await eventually(planned, what="the escalation planned")
    await casework.stop()  # the bot is down while the reminders fall due
    await asyncio.sleep(0.2)
    await casework.start()
    jump(casework, datetime.now(UTC) + timedelta(days=12))
    assert "«📝 Арыз берүү»" in (await family.expect_one()).text
    escalation = await admin.expect_one()
    assert ref in escalation.text
    await family.expect_silence(0.6)
    await admin.expect_silence(0.1)
    for kind in ("draft_idle", "unassigned"):
        rows = await reminders_of(casework, kind)
        assert len(rows) == 1 and rows[0].sent_at is not None, kind


async def test_two_processes_send_a_due_reminder_once(casework: BotHarness) -> None:
    """Two reminder runners on one database (as two bot processes would): one message."""
    family = await start_user(casework, FAMILY, "ky")
    await seed_draft(casework, FAMILY)
    services = casework.services
    later = datetime.now(UTC) + timedelta(days=4)
    # A copy of the services with a jumped clock; the bot's own job stays on the real clock,
    # so only the two runners below can send.
    jumped = replace(services, clock=lambda: later)
    await plan_due(jumped)
    assert casework.app is not None
    bot = casework.app.bot
    sent = await asyncio.gather(
        send_due(bot, jumped, "process-a"), send_due(bot, jumped, "process-b")
    )
    assert sorted(sent) == [0, 1]
    await family.expect_one()
    await family.expect_silence(0.4)
    (row,) = await reminders_of(casework, "draft_idle")
    assert row.claimed_by in ("process-a", "process-b") and row.attempts == 1


async def test_a_claim_rechecks_what_the_due_list_saw(casework: BotHarness) -> None:
    """Between listing due reminders and claiming one, another process may have sent it, used
    its last attempt or claimed it: the conditional UPDATE must then take nothing."""
    await start_user(casework, FAMILY, "ky")
    await seed_draft(casework, FAMILY)
    services = casework.services
    now = datetime.now(UTC) + timedelta(days=4)
    await plan_due(replace(services, clock=lambda: now))
    (row,) = await reminders_of(casework, "draft_idle")
    lease = now - CLAIM_LEASE

    async def claim(claimer: str) -> Reminder | None:
        async with services.transaction() as session:
            return await reminders.claim(session, row.id, claimer, now, lease, MAX_ATTEMPTS)

    async def set_row(**values: object) -> None:
        async with casework.db() as db:
            await db.execute(update(Reminder).where(Reminder.id == row.id).values(**values))
            await db.commit()

    await set_row(attempts=MAX_ATTEMPTS)  # the other process used the last attempt
    assert await claim("process-a") is None
    await set_row(attempts=0, sent_at=now)  # ... or sent it
    assert await claim("process-a") is None
    await set_row(sent_at=None)
    first = await claim("process-a")
    assert first is not None and first.claimed_by == "process-a" and first.attempts == 1
    assert await claim("process-b") is None  # held, and the lease has not run out
    await set_row(claimed_at=lease - timedelta(seconds=1))  # its holder died long ago
    again = await claim("process-b")
    assert again is not None and again.claimed_by == "process-b" and again.attempts == 2
