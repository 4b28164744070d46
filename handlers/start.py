"""/start, the language picker and /language."""

from __future__ import annotations

import asyncio

from telegram import CallbackQuery, Update

from bot import callbacks
from bot.context import BotContext
from bot.menu import LANGUAGE_NAMES
from db.repo.users import set_language
from handlers.keyboards import language_picker, main_menu


async def start_command(update: Update, context: BotContext) -> None:
    """Greet; on the very first visit ask for the language, already speaking the likely one."""
    message = update.effective_message
    if message is None:
        return
    await context.save_inbound()
    if not context.language_chosen:
        await message.reply_text(
            context._("Welcome! This is the assistant of the «Social contract» program.")
            + "\n\n"
            + context._("Please choose your language:"),
            reply_markup=language_picker(context.language),
        )
        return
    await send_welcome(update, context)


async def send_welcome(update: Update, context: BotContext) -> None:
    """The greeting with the main menu keyboard."""
    chat = update.effective_chat
    if chat is None:
        return
    await context.bot.send_message(
        chat.id,
        context._(
            "Welcome! This is the assistant of the «Social contract» program.\n\n"
            "Here you can learn about the program, check whether your family can apply, "
            "write a business plan and follow your application. Choose from the menu below."
        ),
        reply_markup=main_menu(context.t),
    )


async def language_command(update: Update, context: BotContext) -> None:
    """/language and the menu button: show the picker."""
    message = update.effective_message
    if message is None:
        return
    await message.reply_text(
        context._("Please choose your language:"), reply_markup=language_picker(context.language)
    )


async def choose_language(update: Update, context: BotContext) -> None:
    """A press on «Кыргызча» or «Русский»: save it, then greet in that language."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    parsed = callbacks.parse(query.data)
    if parsed is None or len(parsed.parts) != 1 or parsed.parts[0] not in LANGUAGE_NAMES:
        await query.answer(context._("This button is no longer valid."), show_alert=False)
        return
    language = parsed.parts[0]
    async with context.session() as session:
        await set_language(session, user.id, language)
    context.services.remember_user(user.id, language)
    context.language = language
    context.language_chosen = True
    # Independent requests: one round trip to Telegram, not three.
    await asyncio.gather(
        query.answer(), _show_choice(query, context, language), send_welcome(update, context)
    )


async def _show_choice(query: CallbackQuery, context: BotContext, language: str) -> None:
    if query.message is not None:
        await query.edit_message_text(
            context._("Language: {name}").format(name=LANGUAGE_NAMES[language])
        )
