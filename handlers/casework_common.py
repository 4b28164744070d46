"""Helpers shared by the casework handlers: parsing untrusted ids, refusing politely, cards."""

from __future__ import annotations

from telegram import Message, Update

from bot import callbacks
from bot.casework import keyboards, render
from bot.casework.actions import Problem, Result
from bot.casework.permissions import Actor, Denial
from bot.context import BotContext
from bot.i18n import Translator
from db.enums import Status
from db.models import Application, User

MAX_ID_DIGITS = 18


def parse_id(text: str | None) -> int | None:
    """A positive database or Telegram id from untrusted text."""
    if not text or not text.isdigit() or len(text) > MAX_ID_DIGITS:
        return None
    value = int(text)
    return value if value > 0 else None


_STATUSES = {s.value: s for s in Status}


def parse_status(text: str | None) -> Status | None:
    return _STATUSES.get(text or "")


def parsed_parts(update: Update, prefix: str, verb: str, count: int) -> tuple[str, ...] | None:
    """The parts after `prefix:verb` when there are exactly `count` of them."""
    query = update.callback_query
    parsed = callbacks.parse(query.data if query else None)
    if parsed is None or parsed.prefix != prefix or not parsed.parts or parsed.parts[0] != verb:
        return None
    rest = parsed.parts[1:]
    return rest if len(rest) == count else None


def problem_text(t: Translator, result: Result) -> str:
    """A polite sentence for a refused or failed action."""
    if result.problem is Problem.TAKEN:
        return t.gettext("This application is already handled by {name}.").format(
            name=render.display_name(result.holder)
        )
    if result.problem is Problem.DENIED:
        return denial_text(t, result.denial)
    if result.problem is Problem.INVALID and result.application is not None:
        return t.gettext("Not possible now: the application is «{status}».").format(
            status=render.status_text(t, result.application.status)
        )
    if result.problem is Problem.CONFLICT:
        return t.gettext("Someone changed this application a moment ago. Please look again.")
    return t.gettext("Application not found.")


def denial_text(t: Translator, denial: Denial | None) -> str:
    if denial is Denial.OTHER_REGION:
        return t.gettext("This application belongs to a region you do not serve.")
    if denial is Denial.NOT_ADMIN:
        return t.gettext("Only administrators may do this.")
    return t.gettext("Sorry, this is only for social workers of the program.")


async def answer_query(update: Update, text: str | None = None, alert: bool = False) -> None:
    query = update.callback_query
    if query is not None:
        await query.answer(text, show_alert=alert)


async def reply(update: Update, context: BotContext, text: str, **kwargs: object) -> None:
    """Answer in the chat of the update (a command or a button press)."""
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, render.clip(text), **kwargs)  # type: ignore[arg-type]


async def refuse(update: Update, context: BotContext, text: str) -> None:
    """A refused command gets a message; a refused button press an alert."""
    if update.callback_query is not None:
        await answer_query(update, text, alert=True)
    else:
        await reply(update, context, text)


async def send_card(
    context: BotContext, chat_id: int, application: Application, holder: User | None, actor: Actor
) -> Message:
    t = context.t
    return await context.bot.send_message(
        chat_id,
        render.card(t, application, holder),
        reply_markup=keyboards.case_card(t, application, actor.role),
    )


def sender_id(update: Update) -> int | None:
    return update.effective_user.id if update.effective_user else None
