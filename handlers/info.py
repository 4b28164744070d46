"""About the program, help, and honest placeholders for what is not built yet."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.info import about_messages, help_message
from handlers.keyboards import main_menu


async def show_about(update: Update, context: BotContext) -> None:
    """Several short messages about the program; amounts come from the ruleset."""
    chat = update.effective_chat
    if chat is None:
        return
    await context.save_inbound()
    for text in about_messages(context.t, context.services.program):
        await context.bot.send_message(chat.id, text)


async def show_help(update: Update, context: BotContext) -> None:
    """What each button and command does."""
    message = update.effective_message
    if message is None:
        return
    await context.save_inbound()
    await message.reply_text(help_message(context.t), reply_markup=main_menu(context.t))


async def coming_soon(update: Update, context: BotContext) -> None:
    """A menu item whose capability is not built yet says so plainly."""
    message = update.effective_message
    if message is None:
        return
    await context.save_inbound()
    await message.reply_text(
        context._(
            "This part of the bot is not ready yet. It is coming soon. "
            "Meanwhile you can read about the program."
        ),
        reply_markup=main_menu(context.t),
    )
