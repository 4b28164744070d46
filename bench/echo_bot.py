"""The ceiling: a bare python-telegram-bot echo bot with default settings.

Run as `python -m bench.echo_bot` with BOT_TOKEN, TELEGRAM_API_URL set. Used by the intake
benchmark to measure what the framework itself manages on the same fake server and load.
"""

from __future__ import annotations

import logging
import os

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer every message with its text."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(update.effective_message.text or "ok")


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a button press with a message, as our bot answers each step."""
    if update.callback_query is not None and update.effective_chat is not None:
        await update.callback_query.answer()
        await context.bot.send_message(update.effective_chat.id, update.callback_query.data or "")


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    app = (
        Application.builder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_URL"])
        .base_file_url(os.environ.get("TELEGRAM_FILE_URL", os.environ["TELEGRAM_API_URL"]))
        .build()
    )
    app.add_handler(MessageHandler(filters.ALL, echo))
    app.add_handler(CallbackQueryHandler(press))
    app.run_polling()


if __name__ == "__main__":
    main()
