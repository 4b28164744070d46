"""The reminder job: plan reminders from the database, then send those that are due.

Runs from PTB's job queue every REMINDER_INTERVAL_SECONDS. The schedule is the `reminders`
table, so a restart loses nothing; each due reminder is claimed with a conditional UPDATE, so
with several processes on one PostgreSQL it is sent once. A claim whose sender died is taken
again after a lease; a reminder whose reason vanished (the draft was edited, the question
answered, someone took the application) is cancelled instead of sent.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application

from bot.casework import keyboards, notify, render
from bot.casework.reminder_rules import (
    CLAIM_LEASE,
    DRAFT_IDLE_AFTER,
    MAX_ATTEMPTS,
    ReminderKind,
    anchor_key,
    due_at,
)
from bot.casework.staff_commands import set_commands
from bot.casework.workdays import default_holidays, working_days_between
from bot.i18n import BISHKEK
from bot.services import Services
from db.enums import Role, Status
from db.models import InfoRequest, Reminder, User
from db.repo import cases, reminders, staff

_LOG = logging.getLogger(__name__)
JOB_NAME = "casework-reminders"


@dataclass(frozen=True, slots=True)
class Outgoing:
    chat_id: int
    text: str
    markup: InlineKeyboardMarkup | None = None
    essential: bool = True  # the reminder counts as sent when an essential one is delivered


def schedule(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Start the reminder job and, once, the staff command menus."""
    services: Services = app.bot_data.services
    default_holidays()  # a broken holiday file stops the start, not the first reminder
    queue = app.job_queue
    if queue is None:
        raise RuntimeError("python-telegram-bot[job-queue] is required for reminders")
    interval = services.settings.reminder_interval_seconds
    claimer = uuid.uuid4().hex  # this process's name on its claims
    queue.run_repeating(
        _job, interval=interval, first=min(interval, 10.0), name=JOB_NAME, data=claimer
    )
    queue.run_once(_staff_menus, when=1.0, name="casework-staff-commands")


async def _job(context: Any) -> None:
    services: Services = context.application.bot_data.services
    try:
        await plan_due(services)
        await send_due(context.bot, services, str(context.job.data))
    except Exception:  # the job must keep running next time
        _LOG.exception("reminder run failed")


async def _staff_menus(context: Any) -> None:
    services: Services = context.application.bot_data.services
    async with services.transaction() as session:
        people = [(u.id, u.role, u.language) for u in await staff.staff_users(session)]
    for user_id, role, language in people:
        await set_commands(context.bot, notify.translator(services, language), user_id, role)


async def plan_due(services: Services) -> None:
    """Insert the reminders the current state calls for (idempotent, any process may run it)."""
    now = services.now()
    holidays = default_holidays()
    async with services.transaction() as session:
        for app in await reminders.idle_drafts(session, now - DRAFT_IDLE_AFTER):
            kind = ReminderKind.DRAFT_IDLE
            await reminders.plan(
                session, kind, app.id, anchor_key(app.updated_at), due_at(kind, app.updated_at)
            )
        for request in await reminders.unanswered_requests(session):
            kind = ReminderKind.INFO_UNANSWERED
            await reminders.plan(
                session,
                kind,
                request.application_id,
                f"request:{request.id}",
                due_at(kind, request.asked_at),
            )
        for app in await reminders.untaken(session):
            assert app.submitted_at is not None
            kind = ReminderKind.UNASSIGNED
            await reminders.plan(
                session,
                kind,
                app.id,
                anchor_key(app.submitted_at),
                due_at(kind, app.submitted_at, holidays),
            )


async def send_due(bot: Bot, services: Services, claimer: str) -> int:
    """Claim and send every due reminder; returns how many were sent."""
    now = services.now()
    lease = now - CLAIM_LEASE
    async with services.transaction() as session:
        ids = await reminders.due_ids(session, now, lease, MAX_ATTEMPTS)
    sent = 0
    for reminder_id in ids:
        async with services.transaction() as session:
            reminder = await reminders.claim(
                session, reminder_id, claimer, now, lease, MAX_ATTEMPTS
            )
            if reminder is None:
                continue  # another process has it
            outgoing = await _compose(session, services, reminder)
            if not outgoing:
                await reminders.finish(
                    session, reminder_id, claimer, now, sent=False, outcome="obsolete"
                )
        if not outgoing:
            continue
        outcome = await _deliver(bot, outgoing)
        async with services.transaction() as session:
            if outcome == "sent":
                await reminders.finish(
                    session, reminder_id, claimer, now, sent=True, outcome="sent"
                )
                sent += 1
            elif outcome == "blocked" or reminder.attempts >= MAX_ATTEMPTS:
                await reminders.finish(
                    session, reminder_id, claimer, now, sent=False, outcome=outcome
                )
            else:
                await reminders.release(session, reminder_id, claimer, outcome)
        _LOG.info(
            "reminder %s (%s) for %s: %s",
            reminder_id,
            reminder.kind,
            reminder.application_id,
            outcome,
        )
    return sent


async def _deliver(bot: Bot, outgoing: list[Outgoing]) -> str:
    outcome = "failed"
    for item in outgoing:
        try:
            await bot.send_message(item.chat_id, render.clip(item.text), reply_markup=item.markup)
        except Forbidden:
            if item.essential:
                outcome = "blocked"
            continue
        except TelegramError as exc:
            _LOG.warning("reminder to %s not sent: %s", item.chat_id, exc)
            continue
        if item.essential:
            outcome = "sent"
    return outcome


async def _language(session: AsyncSession, services: Services, user_id: int) -> str:
    user = await session.get(User, user_id)
    return (user.language if user else None) or services.settings.default_language


async def _compose(
    session: AsyncSession, services: Services, reminder: Reminder
) -> list[Outgoing]:
    """The messages of a claimed reminder, or [] when its reason has gone."""
    application = await cases.get_application(session, reminder.application_id)
    if application is None:
        return []
    kind = ReminderKind(reminder.kind)
    ref = render.reference(application)
    if kind is ReminderKind.DRAFT_IDLE:
        if application.status is not Status.DRAFT:
            return []
        if anchor_key(application.updated_at) != reminder.anchor:
            return []  # edited since: a new idle spell gets its own reminder
        t = services.i18n.get(await _language(session, services, application.user_id))
        text = t.gettext(
            "📝 Your business plan is waiting for you. Your answers are saved: press «📝 Apply» "
            "to continue where you stopped."
        )
        return [Outgoing(application.user_id, text)]
    if kind is ReminderKind.INFO_UNANSWERED:
        request_id = reminder.anchor.removeprefix("request:")
        request = await session.get(InfoRequest, int(request_id)) if request_id.isdigit() else None
        if (
            request is None
            or request.answered_at is not None
            or application.status is not Status.NEEDS_INFO
        ):
            return []
        t = services.i18n.get(await _language(session, services, application.user_id))
        family = Outgoing(
            application.user_id,
            t.gettext(
                "⏰ Reminder: the social worker is waiting for your answer on your application "
                "{ref}:\n{question}\n\nPlease answer here with a message, a photo or a file."
            ).format(ref=ref, question=request.question),
        )
        st = services.i18n.get(await _language(session, services, request.asked_by))
        caseworker = Outgoing(
            request.asked_by,
            st.gettext("⏰ The family has not answered your question on {ref} for 3 days.").format(
                ref=ref
            ),
            keyboards.case_card(st, application, await _role(session, request.asked_by)),
            essential=False,
        )
        return [family, caseworker]
    if application.status is not Status.SUBMITTED or application.assigned_to is not None:
        return []
    assert application.submitted_at is not None
    days = working_days_between(
        application.submitted_at.astimezone(BISHKEK).date(),
        services.now().astimezone(BISHKEK).date(),
        default_holidays(),
    )
    outgoing = []
    for admin in await staff.admins(session, services.settings.admin_ids):
        t = services.i18n.get(admin.language or services.settings.default_language)
        text = t.ngettext(
            "⚠️ Nobody has taken the application {ref} ({region}) for {days} working day.",
            "⚠️ Nobody has taken the application {ref} ({region}) for {days} working days.",
            days,
        ).format(ref=ref, region=render.region_name(t, application.region), days=days)
        text += "\n\n" + render.card(t, application, None)
        outgoing.append(Outgoing(admin.id, text, keyboards.new_submission(t, application.id)))
    return outgoing


async def _role(session: AsyncSession, user_id: int) -> Role:
    user = await session.get(User, user_id)
    return user.role if user else Role.CASEWORKER
