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
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import callbacks
from bot.casework import reminders as casework_jobs
from bot.menu import MENU_LABELS, MenuAction
from bot.services import BotData
from handlers import (
    broadcast,
    broadcast_members,
    casework_admin,
    casework_family,
    casework_input,
    casework_queue,
    casework_review,
    eligibility,
    fallback,
    forms,
    info,
    middleware,
    plan,
    privacy,
    privacy_erase,
    start,
)
from handlers.forms_registry import register_form
from handlers.free_input import FreeInput
from handlers.menu_button import MenuButton


def register(app: Application[Any, Any, Any, Any, BotData, Any]) -> None:
    """Add every handler, in the order described above."""
    i18n = app.bot_data.services.i18n

    def menu(action: MenuAction) -> MenuButton:
        return MenuButton(i18n, MENU_LABELS[action])

    app.add_handler(TypeHandler(Update, middleware.track_user), group=-1)

    # Commands. Each feature adds its own in its section below.
    # Caseworker invite deep links (issue 5) must be seen before the plain /start.
    app.add_handler(
        CommandHandler(
            "start", casework_admin.accept_invite, filters=filters.Regex(r"^/start inv_")
        )
    )
    app.add_handler(CommandHandler("start", start.start_command))
    app.add_handler(CommandHandler("language", start.language_command))
    app.add_handler(CommandHandler("help", info.show_help))
    app.add_handler(CommandHandler("about", info.show_about))

    # Inline buttons.
    app.add_handler(
        CallbackQueryHandler(start.choose_language, pattern=callbacks.pattern(callbacks.LANGUAGE))
    )

    # Main-menu reply-keyboard buttons.
    app.add_handler(MessageHandler(menu(MenuAction.ABOUT), info.show_about))
    app.add_handler(MessageHandler(menu(MenuAction.HELP), info.show_help))
    app.add_handler(MessageHandler(menu(MenuAction.LANGUAGE), start.language_command))

    # --- eligibility (issue 3) ---
    # The check is a form of the generic runner, built from the loaded ruleset.
    register_form(eligibility.eligibility_flow(app.bot_data.services))
    app.add_handler(CommandHandler("check", eligibility.check_command))
    app.add_handler(MessageHandler(menu(MenuAction.CHECK), eligibility.check_command))
    app.add_handler(
        CallbackQueryHandler(
            eligibility.start_plan_from_result, pattern=callbacks.pattern(callbacks.ELIGIBILITY)
        )
    )

    # --- business plan and forms (issue 4) ---
    # Forms run by the generic runner (handlers/forms.py): register each here.
    register_form(plan.plan_flow(app.bot_data.services))
    app.add_handler(CommandHandler("apply", plan.apply_command))
    app.add_handler(MessageHandler(menu(MenuAction.APPLY), plan.apply_command))
    app.add_handler(CommandHandler("back", forms.back_command))
    app.add_handler(CommandHandler("skip", forms.skip_command))
    app.add_handler(CommandHandler("cancel", forms.cancel_command))
    app.add_handler(
        CallbackQueryHandler(forms.press_form_button, pattern=callbacks.pattern(callbacks.FORM))
    )

    # --- casework, roles, lifecycle (issue 5) ---
    # The family: status page and withdrawing.
    app.add_handler(CommandHandler("status", casework_family.show_my_application))
    app.add_handler(
        MessageHandler(menu(MenuAction.MY_APPLICATION), casework_family.show_my_application)
    )
    # Staff tools (each re-checks role and region on the server).
    app.add_handler(CommandHandler("whoami", casework_admin.show_whoami))
    app.add_handler(CommandHandler("queue", casework_queue.show_queue))
    app.add_handler(CommandHandler("app", casework_queue.show_application))
    app.add_handler(CommandHandler("find", casework_queue.find_applications))
    app.add_handler(CommandHandler("note", casework_queue.add_note))
    app.add_handler(CommandHandler("stats", casework_queue.show_stats))
    app.add_handler(CommandHandler("caseworkers", casework_admin.list_caseworkers))
    app.add_handler(CommandHandler("addcaseworker", casework_admin.add_caseworker))
    app.add_handler(CommandHandler("invite", casework_admin.create_invite))

    def cw(verb: str) -> str:
        return callbacks.pattern(f"{callbacks.CASEWORK}{callbacks.SEP}{verb}")

    def adm(verb: str) -> str:
        return callbacks.pattern(f"{callbacks.ADMIN}{callbacks.SEP}{verb}")

    for verb, handler in (
        ("tk", casework_review.take_application),
        ("to", casework_review.ask_move),
        ("ok", casework_review.confirm_move),
        ("rj", casework_review.ask_typed_input),
        ("ri", casework_review.ask_typed_input),
        ("m", casework_review.ask_typed_input),
        ("n", casework_review.ask_typed_input),
        ("cx", casework_review.cancel_input),
        ("end", casework_review.end_conversation),
        ("v", casework_review.show_details),
        ("pdf", casework_review.send_plan_pdf),
        ("d", casework_review.send_document_file),
        ("q", casework_queue.turn_queue_page),
        ("qs", casework_queue.turn_queue_page),
        ("qr", casework_queue.turn_queue_page),
        ("x", casework_queue.export_queue),
        ("wd", casework_family.ask_withdraw),
        ("wdy", casework_family.confirm_withdraw),
        ("wdn", casework_family.keep_application),
    ):
        app.add_handler(CallbackQueryHandler(handler, pattern=cw(verb)))
    for verb, handler in (
        ("add", casework_admin.add_caseworker),
        ("inv", casework_admin.create_invite),
        ("rg", casework_admin.toggle_region),
        ("ok", casework_admin.finish_regions),
        ("ed", casework_admin.edit_regions),
        ("rm", casework_admin.ask_remove),
        ("rmy", casework_admin.confirm_remove),
    ):
        app.add_handler(CallbackQueryHandler(handler, pattern=adm(verb)))
    # Reminders (idle drafts, unanswered questions, untaken applications) and staff menus.
    casework_jobs.schedule(app)

    # --- broadcasts (issue 6) ---
    # Admins only, checked in the database on every command and press; typed drafts below.
    app.add_handler(CommandHandler("broadcast", broadcast.start_broadcast))
    app.add_handler(CommandHandler("broadcasts", broadcast.list_broadcasts))
    app.add_handler(
        CallbackQueryHandler(
            broadcast.press_broadcast_button, pattern=callbacks.pattern(callbacks.BROADCAST)
        )
    )
    # A family blocking or unblocking the bot: left out of (or back in) later audiences.
    app.add_handler(ChatMemberHandler(broadcast_members.track_membership))

    # --- privacy (issue 8) ---
    # A family's copy of its data (/mydata) and its erasure (/deleteme, confirmed by a button).
    app.add_handler(CommandHandler("mydata", privacy.send_my_data))
    app.add_handler(CommandHandler("deleteme", privacy_erase.ask_erasure))

    def pv(verb: str) -> str:
        return callbacks.pattern(f"{callbacks.PRIVACY}{callbacks.SEP}{verb}")

    for verb, handler in (
        (privacy.RESEND_PDF, privacy.resend_plan_pdf),
        (privacy_erase.CONFIRM, privacy_erase.confirm_erasure),
        (privacy_erase.CANCEL, privacy_erase.cancel_erasure_press),
    ):
        app.add_handler(CallbackQueryHandler(handler, pattern=pv(verb)))

    # Free input: typed text, photos, files, contacts. Consumers in priority order; the first
    # that takes it answers, else "not understood".
    # Casework first: a staff member's reply to a prompt (a reason, a question), then a
    # family's answer to a caseworker's info request, which must win over the questionnaire
    # (a person asked), then its messages to the caseworker while a conversation is open
    # (unless it has worked on a questionnaire since: that one gets its answers).
    free_input = FreeInput(
        [
            casework_input.consume_staff_input,
            broadcast.consume_broadcast_input,  # an admin's text, attachment or time
            casework_family.consume_family_message,  # info answer, then caseworker chat
            forms.consume_form_input,
        ]
    )
    app.add_handler(MessageHandler(filters.ALL & ~filters.UpdateType.EDITED, free_input.handle))
    # Buttons nobody handles (old messages, forged data).
    app.add_handler(CallbackQueryHandler(fallback.stale_button))

    app.add_handler(TypeHandler(Update, middleware.flush_inbound_log), group=1)
    app.add_error_handler(fallback.on_error)
