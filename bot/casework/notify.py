"""Notifications: new submissions to staff, status changes to families, notices kept current.

Every function here runs after the caller's commit: it reads in its own short transaction,
then talks to Telegram outside any transaction. A recipient who blocked the bot is logged and
skipped; one failed delivery never stops the others.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.casework import keyboards, render
from bot.casework.reminder_rules import ReminderKind, anchor_key, due_at
from bot.casework.workdays import default_holidays
from bot.i18n import Translator
from bot.lifecycle_text import FAMILY_NOTICE, NEXT_STEP
from bot.services import Services
from db.enums import Status
from db.models import User
from db.repo import cases, conversations, reminders, staff
from db.repo.users import mark_blocked

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: int
    language: str


def translator(services: Services, language: str | None) -> Translator:
    return services.i18n.get(language or services.settings.default_language)


def recipient(services: Services, user: User) -> Recipient:
    return Recipient(user.id, user.language or services.settings.default_language)


async def send_text(
    bot: Bot,
    services: Services,
    chat_id: int,
    text: str,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Send, or log why not (blocked, never started the bot); None when it failed."""
    try:
        return await bot.send_message(chat_id, render.clip(text), reply_markup=reply_markup)
    except Forbidden:
        _LOG.info("user %s blocked the bot; message not delivered", chat_id)
        async with services.transaction() as session:
            await mark_blocked(session, chat_id)
    except TelegramError as exc:
        _LOG.warning("could not send to %s: %s", chat_id, exc)
    return None


async def notify_new_submission(bot: Bot, services: Services, application_id: int) -> None:
    """Tell the caseworkers of the application's region (or the admins when it has none).

    Each gets a compact summary, the business-plan PDF and the buttons Take · Approve ·
    Reject · Request info · Message family. The untaken-application reminder is planned here.
    """
    async with services.transaction() as session:
        application = await cases.get_application(session, application_id)
        if application is None or application.status is not Status.SUBMITTED:
            _LOG.warning("new-submission notice for %s skipped: not submitted", application_id)
            return
        people = await staff.caseworkers_of_region(session, application.region or "")
        escalated = not people
        if escalated:
            people = await staff.admins(session, services.settings.admin_ids)
        recipients = [recipient(services, u) for u in people]
        pdf = await cases.plan_pdf(session, application_id)
        submitted = application.submitted_at or services.now()
        await reminders.plan(
            session,
            ReminderKind.UNASSIGNED,
            application_id,
            anchor_key(submitted),
            due_at(ReminderKind.UNASSIGNED, submitted, default_holidays()),
        )
    if not recipients:
        _LOG.error("application %s: no caseworker and no admin to notify", application_id)
        return
    file_id = pdf.telegram_file_id if pdf is not None else None
    sent: list[tuple[int, int]] = []
    for person in recipients:
        t = translator(services, person.language)
        caption = render.card(t, application, None)
        if escalated:
            caption = render.clip(
                t.gettext("⚠️ No caseworker serves this region yet.") + "\n" + caption,
                render.CAPTION_LIMIT,
            )
        markup = keyboards.new_submission(t, application_id)
        try:
            if pdf is not None and (file_id or pdf.content):
                message = await bot.send_document(
                    person.user_id,
                    document=file_id or pdf.content,  # type: ignore[arg-type]
                    filename=pdf.file_name or f"{application.ref}.pdf",
                    caption=caption,
                    reply_markup=markup,
                )
                if file_id is None and message.document is not None:
                    file_id = message.document.file_id  # later recipients reuse the upload
            else:
                message = await bot.send_message(person.user_id, caption, reply_markup=markup)
        except Forbidden:
            _LOG.info("staff member %s blocked the bot: notice not delivered", person.user_id)
            continue
        except (BadRequest, TelegramError) as exc:
            _LOG.warning("notice to staff %s failed: %s", person.user_id, exc)
            continue
        sent.append((person.user_id, message.message_id))
    async with services.transaction() as session:
        for chat_id, message_id in sent:
            conversations.add_notice(session, application_id, chat_id, message_id)
        if pdf is not None and pdf.telegram_file_id is None and file_id is not None:
            stored = await cases.document(session, pdf.id)
            if stored is not None:
                stored.telegram_file_id = file_id
    _LOG.info("application %s: notice sent to %d staff", application_id, len(sent))


async def notify_family_status(
    bot: Bot,
    services: Services,
    application_id: int,
    reason: str | None = None,
    status: Status | None = None,
) -> None:
    """Tell the family a status its application entered (default: the current one) and what
    happens next."""
    async with services.transaction() as session:
        application = await cases.get_application(session, application_id)
        if application is None:
            return
        family = await session.get(User, application.user_id)
    status = status or application.status
    template = FAMILY_NOTICE.get(status)
    if template is None:
        return
    t = translator(services, (family.language if family else None) or application.language)
    text = t.gettext(template).format(ref=application.ref, reason=reason or "—")
    text += "\n\n" + t.gettext("What happens next:") + "\n" + t.gettext(NEXT_STEP[status])
    await send_text(bot, services, application.user_id, text)


async def refresh_notices(
    bot: Bot, services: Services, application_id: int, keep_chat: int | None = None
) -> None:
    """After someone took the application, other staff's notices say who and lose the
    decision buttons (a press would be refused anyway; this saves them the attempt)."""
    async with services.transaction() as session:
        application = await cases.get_application(session, application_id)
        if application is None:
            return
        holder = await session.get(User, application.assigned_to or 0)
        rows = await conversations.notices(session, application_id)
        languages = {}
        for row in rows:
            user = await session.get(User, row.chat_id)
            languages[row.chat_id] = user.language if user else None
    for row in rows:
        if row.chat_id == keep_chat:
            continue
        t = translator(services, languages.get(row.chat_id))
        caption = render.card(t, application, holder)
        try:
            await bot.edit_message_caption(
                row.chat_id,
                row.message_id,
                caption=caption,
                reply_markup=keyboards.taken_notice(t, application_id),
            )
        except BadRequest:
            # A text notice (no PDF) or an unchanged one: edit the text instead, or skip.
            try:
                await bot.edit_message_text(
                    caption,
                    row.chat_id,
                    row.message_id,
                    reply_markup=keyboards.taken_notice(t, application_id),
                )
            except TelegramError as exc:
                _LOG.debug("notice %s/%s not updated: %s", row.chat_id, row.message_id, exc)
        except TelegramError as exc:
            _LOG.debug("notice %s/%s not updated: %s", row.chat_id, row.message_id, exc)
