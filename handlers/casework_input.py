"""Typed input of staff after a prompt: a rejection reason, an info request, a message to the
family, a note, a search, a user id to make a caseworker.

A FreeInput consumer: it takes the message only when the sender has a pending prompt stored
in pending_inputs (so a restart in between loses nothing).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.casework import actions, notify, render
from bot.casework.relay import Content, content_of, deliver
from bot.casework.reminder_rules import ReminderKind, due_at
from bot.context import BotContext
from db.enums import Status
from db.models import Application, User
from db.repo import conversations, reminders
from handlers import casework_admin, casework_queue
from handlers.casework_common import problem_text, reply, send_card
from handlers.casework_review import after_change

# A prompt older than this no longer captures text: the caseworker has moved on.
PENDING_TTL = timedelta(hours=24)
TEXT_KINDS = {"reject_reason", "info_question", "note", "find", "add_caseworker"}


async def consume_staff_input(update: Update, context: BotContext) -> bool:
    """Take the message if the sender (staff) was asked for something; True when handled."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not context.is_staff:
        return False  # a family's message: no staff prompt can be waiting for it
    content = content_of(message)
    if content is None:
        return False
    now = context.services.now()
    # Not context.session(): that would commit the family's inbound log row here, apart from
    # the answer a later consumer stores (a kill in between: the answer lost, the update
    # taken for applied when Telegram delivers it again).
    async with context.services.transaction() as session:
        pending = await conversations.pending_input(session, user.id)
        if pending is None:
            return False
        if pending.created_at < now - PENDING_TTL:
            await conversations.clear_pending_input(session, user.id)
            return False
        kind, application_id = pending.kind, pending.application_id
    if kind in TEXT_KINDS and (content.file_id is not None or not content.text):
        await reply(update, context, context._("Please write it as a text message."))
        return True
    text = (content.text or "").strip()
    if kind == "find":
        await casework_queue.run_find(update, context, user.id, text)
    elif kind == "add_caseworker":
        await casework_admin.add_caseworker_by_id(update, context, text)
    elif application_id is None:
        return False
    elif kind == "note":
        await _save_note(update, context, user.id, application_id, text)
    elif kind == "relay":
        await _relay_to_family(update, context, user.id, application_id, content)
    elif kind in ("reject_reason", "info_question"):
        await _decide(update, context, user.id, application_id, kind, text)
    else:
        return False
    return True


async def _save_note(
    update: Update, context: BotContext, user_id: int, application_id: int, text: str
) -> None:
    async with context.session() as session:
        actor = await actions.load_actor(session, user_id)
        result = await actions.view(session, actor, application_id)
        await conversations.clear_pending_input(session, user_id)
        if result.ok:
            conversations.add_note(session, application_id, user_id, text[:4000])
    if not result.ok or result.application is None:
        await reply(update, context, problem_text(context.t, result))
        return
    await reply(
        update,
        context,
        context._("🗒 Note saved on {ref}.").format(ref=render.reference(result.application)),
    )


async def _decide(
    update: Update,
    context: BotContext,
    user_id: int,
    application_id: int,
    kind: str,
    text: str,
) -> None:
    """Reject with the reason, or ask the family for information."""
    target = Status.REJECTED if kind == "reject_reason" else Status.NEEDS_INFO
    now = context.services.now()
    async with context.session() as session:
        actor = await actions.load_actor(session, user_id)
        await conversations.clear_pending_input(session, user_id)
        result = await actions.move(session, actor, application_id, target, text[:2000])
        application = result.application
        if result.ok and application is not None and target is Status.NEEDS_INFO:
            request = await conversations.add_info_request(
                session, application.id, user_id, text[:2000], now
            )
            # The family's answer and later messages come back to the one who asked.
            await conversations.open_conversation(session, application, user_id, now)
            kind_ = ReminderKind.INFO_UNANSWERED
            await reminders.plan(
                session, kind_, application.id, f"request:{request.id}", due_at(kind_, now)
            )
        holder = await actions.holder_of(session, application) if application else None
    if not result.ok or application is None:
        await reply(update, context, problem_text(context.t, result))
        return
    done = (
        context._("❌ {ref} is rejected. The family was told the reason.")
        if target is Status.REJECTED
        else context._("❓ Your question on {ref} was sent to the family.")
    )
    await reply(update, context, done.format(ref=render.reference(application)))
    await send_card(context, user_id, application, holder, actor)
    await after_change(context, result, text)


async def _relay_to_family(
    update: Update, context: BotContext, user_id: int, application_id: int, content: Content
) -> None:
    """The caseworker's message reaches the family from the bot, signed «Social worker»."""
    now = context.services.now()
    async with context.session() as session:
        actor = await actions.load_actor(session, user_id)
        await conversations.clear_pending_input(session, user_id)
        result = await actions.may_act(session, actor, application_id, "message family")
        if result.ok and result.application is not None:
            if result.application.assigned_to is None:
                result = await actions.take(session, actor, application_id)
            application = result.application
            if result.ok and application is not None:
                await conversations.open_conversation(session, application, user_id, now)
                conversations.add_relay_message(
                    session,
                    application.id,
                    "to_family",
                    user_id,
                    content.text,
                    content.file_id,
                    content.kind,
                )
        family = await _family_language(session, result.application)
    application = result.application
    if not result.ok or application is None:
        await reply(update, context, problem_text(context.t, result))
        return
    # A message on an untaken application took it: the family first hears "under review".
    await after_change(context, result)
    t = notify.translator(context.services, family or application.language)
    heading = t.gettext("💬 Social worker (application {ref}):").format(
        ref=render.reference(application)
    )
    footer = t.gettext("You can answer here: your message goes to the social worker.")
    try:
        await deliver(
            context.bot,
            application.user_id,
            heading,
            Content(
                f"{content.text}\n\n{footer}" if content.text else footer,
                content.file_id,
                content.kind,
            ),
        )
    except Forbidden:
        await reply(update, context, context._("Not delivered: the family blocked the bot."))
        return
    except TelegramError:
        await reply(update, context, context._("Not delivered. Please try again later."))
        return
    await reply(
        update,
        context,
        context._("✉️ Delivered to the family of {ref}.").format(ref=render.reference(application)),
    )


async def _family_language(session: AsyncSession, application: Application | None) -> str | None:
    if application is None:
        return None
    user = await session.get(User, application.user_id)
    return user.language if user else None
