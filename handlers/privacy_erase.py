"""/deleteme: erase the family's data after a confirmation (contract data kept, explained)."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardRemove, Update

from bot import callbacks
from bot.casework.notify import send_text, translator
from bot.context import BotContext
from bot.privacy import texts
from bot.privacy.retention import load_retention
from bot.privacy.service import (
    AppRef,
    Erased,
    ErasureConflict,
    assess,
    cancel_erasure,
    erase_family,
)
from db.repo.privacy import audit, purge_chat_log
from db.repo.users import get_user

_LOG = logging.getLogger(__name__)

CONFIRM = "del"  # pv:del:<minute issued>
CANCEL = "no"
# A confirmation button older than this is refused: a press days later is likely a mistake.
CONFIRM_VALID_MINUTES = 24 * 60


def _minute(context: BotContext) -> int:
    return int(context.services.now().timestamp() // 60)


def _confirm_markup(context: BotContext) -> InlineKeyboardMarkup:
    t = context.t
    confirm = callbacks.build(callbacks.PRIVACY, CONFIRM, _minute(context))
    cancel = callbacks.build(callbacks.PRIVACY, CANCEL)
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t.gettext("🗑 Yes, erase my data"), callback_data=confirm)],
            [InlineKeyboardButton(t.gettext("Cancel, keep my data"), callback_data=cancel)],
        ]
    )


async def ask_erasure(update: Update, context: BotContext) -> None:
    """/deleteme: say what goes and what stays, then ask to confirm."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    t = context.t
    async with context.session() as session:
        found = await assess(session, user.id)
        refusal = None
        if found.is_staff:
            refusal = texts.staff_refusal(t)
            audit(session, user.id, "erase_refused", outcome="staff")
        elif found.undecided:
            refusal = texts.decision_pending(t, found.undecided)
            audit(
                session,
                user.id,
                "erase_refused",
                outcome="decision_pending",
                kept=[a.id for a in found.undecided],
            )
    if refusal is not None:
        await context.bot.send_message(chat.id, refusal)
        return
    years = load_retention().contract_years
    await context.bot.send_message(
        chat.id, texts.erasure_question(t, found, years), reply_markup=_confirm_markup(context)
    )


def _issued_minute(data: str | None) -> int | None:
    parsed = callbacks.parse(data)
    if parsed is None or len(parsed.parts) != 2 or parsed.parts[0] != CONFIRM:
        return None
    text = parsed.parts[1]
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 12 else None


async def confirm_erasure(update: Update, context: BotContext) -> None:
    """«🗑 Yes, erase my data»: withdraw, erase, say what was kept, forget the chat log."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    t = context.t
    issued = _issued_minute(query.data)
    if issued is None or not 0 <= _minute(context) - issued <= CONFIRM_VALID_MINUTES:
        await context.save_inbound()
        await query.answer(
            t.gettext("This button is no longer valid. Please send /deleteme again.")
        )
        return
    # The press is not logged: the log is among what is erased.
    context.pending_log = []
    try:
        async with context.session() as session:
            result = await erase_family(session, user.id, context.services.now())
    except ErasureConflict:
        _LOG.warning("privacy: erasure of user %s hit a concurrent change", user.id)
        await query.answer(
            t.gettext("Your application changed a moment ago. Please send /deleteme again."),
            show_alert=True,
        )
        return
    # The saved language is gone: the next update must not reuse the cached one.
    context.services.users.pop(user.id, None)
    await query.answer()
    await query.edit_message_reply_markup(None)
    if not isinstance(result, Erased):
        text = (
            texts.staff_refusal(t)
            if result.reason == "staff"
            else texts.decision_pending(t, result.applications)
        )
        await context.bot.send_message(chat.id, text)
        return
    years = load_retention().contract_years
    await context.bot.send_message(
        chat.id, texts.erasure_done(t, result.contracts, years), reply_markup=ReplyKeyboardRemove()
    )
    for application in result.withdrawn:
        await _tell_caseworker(context, application)
    # The goodbye was logged by the transcribing bot after the erasure: it goes too.
    async with context.services.transaction() as session:
        await purge_chat_log(session, chat.id)


async def _tell_caseworker(context: BotContext, application: AppRef) -> None:
    """The caseworker holding a withdrawn application learns it, with the reference only."""
    if application.assigned_to is None:
        return
    async with context.services.transaction() as session:
        person = await get_user(session, application.assigned_to)
    t = translator(context.services, person.language if person else None)
    text = t.gettext(
        "↩️ The family withdrew the application {ref} and asked the bot to erase its personal "
        "data. Only an anonymous record of the application stays."
    ).format(ref=application.ref or f"#{application.id}")
    await send_text(context.bot, context.services, application.assigned_to, text)


async def cancel_erasure_press(update: Update, context: BotContext) -> None:
    """«Cancel, keep my data»: nothing changes (the request is still on record)."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    async with context.session() as session:
        cancel_erasure(session, user.id)
    await query.answer()
    await query.edit_message_text(context._("Nothing was erased. Your data stays as it was."))
