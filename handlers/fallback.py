"""Input the bot does not understand, and the one error handler."""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import BotContext
from bot.i18n import negotiate
from handlers.keyboards import main_menu

_LOG = logging.getLogger(__name__)


async def not_understood(update: Update, context: BotContext) -> None:
    """Stickers, voice, random text, unknown commands: point to the menu."""
    message = update.effective_message
    if message is None:
        return
    await context.save_inbound()
    await message.reply_text(
        context._("Sorry, I did not understand. Please use the menu buttons below."),
        reply_markup=main_menu(context.t),
    )


async def stale_button(update: Update, context: BotContext) -> None:
    """A press on a button nobody handles (old message, forged data): refuse politely."""
    query = update.callback_query
    if query is None:
        return
    await context.save_inbound()
    await query.answer(context._("This button is no longer valid."))


async def on_error(update: object, context: BotContext) -> None:
    """Log the exception with context and tell the user, in their language, that it failed."""
    user_id = (
        update.effective_user.id if isinstance(update, Update) and update.effective_user else None
    )
    _LOG.error("error while handling an update of user %s", user_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    # PTB gives the error handler a fresh context: find the user's language again.
    user = update.effective_user
    if user is not None:
        cached = context.services.cached_user(user.id)
        context.language = (
            (cached.language if cached else None)
            or negotiate(user.language_code)
            or context.services.settings.default_language
        )
    try:
        await context.bot.send_message(
            update.effective_chat.id,
            context._("Sorry, something went wrong. Please try again in a minute."),
        )
    except Exception:  # the apology itself failed (network, blocked): nothing more to do
        _LOG.warning("could not send the error apology to user %s", user_id)
