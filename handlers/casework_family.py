"""The family: «📄 My application» and /status, withdrawing, and replies to the caseworker."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.error import TelegramError

from bot import callbacks
from bot.casework import family, keyboards, notify, render
from bot.casework.relay import Content, content_of, deliver
from bot.context import BotContext
from db.repo import cases, conversations
from db.repo.messages import add_entries
from db.repo.users import get_user
from handlers.casework_common import answer_query, parse_id, parsed_parts, reply, sender_id
from handlers.keyboards import main_menu

_LOG = logging.getLogger(__name__)
CW = callbacks.CASEWORK
SHOWN_APPLICATIONS = 3


async def show_my_application(update: Update, context: BotContext) -> None:
    """The status of the family's applications, their history and the next step."""
    user_id = sender_id(update)
    if user_id is None:
        return
    pages: list[tuple[str, int | None]] = []
    async with context.session() as session:
        applications = await cases.family_applications(session, user_id)
        for application in applications[:SHOWN_APPLICATIONS]:
            changes = await cases.history(session, application.id)
            question = await conversations.open_info_request(session, application.id)
            text = family.status_page(context.t, application, changes, question)
            pages.append((text, application.id if family.can_withdraw(application) else None))
    if not pages:
        await reply(
            update,
            context,
            context._(
                "You have no application yet. Check whether your family can apply with "
                "«✅ Check eligibility», then press «📝 Apply»."
            ),
            reply_markup=main_menu(context.t),
        )
        return
    for text, withdrawable in pages:
        markup = keyboards.withdraw(context.t, withdrawable) if withdrawable else None
        await reply(update, context, text, reply_markup=markup)


async def ask_withdraw(update: Update, context: BotContext) -> None:
    """↩️ Withdraw: ask once more, it cannot be undone."""
    parts = parsed_parts(update, CW, "wd", 1)
    application_id = parse_id(parts[0]) if parts else None
    if application_id is None:
        await answer_query(update, context._("This button is no longer valid."))
        return
    await answer_query(update)
    await reply(
        update,
        context,
        context._("Withdraw your application? This cannot be undone."),
        reply_markup=keyboards.withdraw_confirm(context.t, application_id),
    )


async def confirm_withdraw(update: Update, context: BotContext) -> None:
    """Yes, withdraw: only the family's own application, only before a decision."""
    parts, user_id = parsed_parts(update, CW, "wdy", 1), sender_id(update)
    application_id = parse_id(parts[0]) if parts else None
    query = update.callback_query
    if application_id is None or user_id is None or query is None:
        await answer_query(update, context._("This button is no longer valid."))
        return
    async with context.session() as session:
        application = await family.withdraw(
            session, user_id, application_id, context.services.now()
        )
    if application is None:
        await answer_query(update, context._("This application cannot be withdrawn now."), True)
        return
    await query.answer()
    await query.edit_message_text(context._("Your application is withdrawn."))
    await notify.notify_family_status(context.bot, context.services, application.id)
    if application.assigned_to is not None:
        await _tell_caseworker(
            context,
            application.assigned_to,
            "withdrawn",
            render.reference(application),
        )


async def keep_application(update: Update, context: BotContext) -> None:
    """No, keep it."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    await query.edit_message_text(context._("Your application stays as it is."))


async def _tell_caseworker(context: BotContext, caseworker_id: int, what: str, ref: str) -> None:
    async with context.services.transaction() as session:
        person = await get_user(session, caseworker_id)
    t = notify.translator(context.services, person.language if person else None)
    if what == "withdrawn":
        text = t.gettext("↩️ The family withdrew the application {ref}.").format(ref=ref)
        await notify.send_text(context.bot, context.services, caseworker_id, text)


async def consume_family_message(update: Update, context: BotContext) -> bool:
    """A family's answer to a caseworker's info request, or its message in an open conversation.

    Runs before the questionnaire: the family was asked something by a person, and the
    questionnaire must not swallow the answer (see family.take_family_message). One unit of
    work for both checks: every typed message of every family passes here, so a family known
    to have no submitted application (nobody can be waiting) is not even asked.
    """
    if not context.has_case:
        return False
    return await _take(update, context, family.take_family_message)


Taker = Callable[[AsyncSession, int, Content, datetime], Awaitable[family.FamilyReply | None]]


async def _take(update: Update, context: BotContext, taker: Taker) -> bool:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return False
    content = content_of(message)
    if content is None:
        return False
    # The inbound log row commits only with what the taker stored (see consume_staff_input).
    async with context.services.transaction() as session:
        outcome = await taker(session, user.id, content, context.services.now())
        person = None
        if outcome is not None:
            add_entries(session, context.pending_log)
            if outcome.caseworker_id is not None:
                person = await get_user(session, outcome.caseworker_id)
    if outcome is None:
        return False
    context.pending_log = []
    application = outcome.application
    ref = render.reference(application)
    if outcome.caseworker_id is not None:
        t = notify.translator(context.services, person.language if person else None)
        name = application.full_name or t.gettext("the family")
        if outcome.kind == "info_answer":
            heading = t.gettext("📩 Answer of {name} to your question on {ref}:").format(
                name=name, ref=ref
            )
        else:
            heading = t.gettext("💬 {name} ({ref}) writes:").format(name=name, ref=ref)
        try:
            await deliver(
                context.bot,
                outcome.caseworker_id,
                heading,
                content,
                keyboards.relay_received(t, application.id),
            )
        except TelegramError as exc:
            _LOG.warning("relay to caseworker %s failed: %s", outcome.caseworker_id, exc)
    if outcome.kind == "info_answer":
        await reply(
            update,
            context,
            context._(
                "Thank you! Your answer was sent to the social worker. Your application {ref} "
                "is under review again."
            ).format(ref=ref),
        )
    else:
        await reply(update, context, context._("✉️ Sent to the social worker."))
    return True
