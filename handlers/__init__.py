"""The routing table: the ONLY place handlers are added to the Application.

Groups run in order for every update:
  -1  track_user: upsert the user, choose the language, stage the inbound log row
   0  exactly one handler that answers the update (first match wins, so order matters:
      commands, then buttons, then typed answers of an open questionnaire, then fallbacks)
   1  flush_inbound_log: write the inbound row if the answering handler did not
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import callbacks
from bot.menu import MENU_LABELS, MenuAction
from bot.services import BotData
from handlers import fallback, info, middleware, start
from handlers.free_input import FreeInput
from handlers.menu_button import MenuButton


def register(app: Application[Any, Any, Any, Any, BotData, Any]) -> None:
    """Add every handler, in the order described above."""
    i18n = app.bot_data.services.i18n

    def menu(action: MenuAction) -> MenuButton:
        return MenuButton(i18n, MENU_LABELS[action])

    app.add_handler(TypeHandler(Update, middleware.track_user), group=-1)

    # Commands. Each feature adds its own in its section below.
    app.add_handler(CommandHandler("start", start.start_command))
    app.add_handler(CommandHandler("language", start.language_command))
    app.add_handler(CommandHandler("help", info.show_help))
    app.add_handler(CommandHandler("about", info.show_about))
    app.add_handler(CommandHandler(["check", "apply", "status"], info.coming_soon))

    # Inline buttons.
    app.add_handler(
        CallbackQueryHandler(start.choose_language, pattern=callbacks.pattern(callbacks.LANGUAGE))
    )

    # Main-menu reply-keyboard buttons.
    app.add_handler(MessageHandler(menu(MenuAction.ABOUT), info.show_about))
    app.add_handler(MessageHandler(menu(MenuAction.HELP), info.show_help))
    app.add_handler(MessageHandler(menu(MenuAction.LANGUAGE), start.language_command))
    app.add_handler(
        MessageHandler(
            menu(MenuAction.CHECK) | menu(MenuAction.APPLY) | menu(MenuAction.MY_APPLICATION),
            info.coming_soon,
        )
    )

    # --- eligibility (issue 3) ---

    # --- business plan and forms (issue 4) ---

    # --- casework, roles, lifecycle (issue 5) ---

    # --- broadcasts (issue 6) ---

    # Free input: typed text, photos, files, contacts. Consumers in priority order; the first
    # that takes it answers, else "not understood".
    free_input = FreeInput([])
    app.add_handler(MessageHandler(filters.ALL & ~filters.UpdateType.EDITED, free_input.handle))
    # Buttons nobody handles (old messages, forged data).
    app.add_handler(CallbackQueryHandler(fallback.stale_button))

    app.add_handler(TypeHandler(Update, middleware.flush_inbound_log), group=1)
    app.add_error_handler(fallback.on_error)
