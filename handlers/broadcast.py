"""/broadcast, /broadcasts, their buttons and the admin's typed answers while composing.

Every command, button press and typed answer re-checks in the database that the user is an
admin (role admin) and that the draft or broadcast is in the state the button expects;
callback data is untrusted. Non-admins get the ordinary "not understood" answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.error import BadRequest

from bot import callbacks
from bot.broadcast.compose import DRAFT_TTL, ComposeError
from bot.broadcast.keyboards import Action
from bot.broadcast.progress import Figures
from bot.context import BotContext
from db.repo import broadcasts as repo
from handlers import broadcast_confirm as confirm
from handlers import broadcast_flow as flow
from handlers.broadcast_flow import is_admin, show_summary, stale, take_input
from handlers.broadcast_views import list_entry, list_keyboard, mode_keyboard
from handlers.fallback import not_understood

RECENT = 10  # broadcasts listed by /broadcasts

ButtonAction = Callable[[Update, BotContext, tuple[str, ...]], Awaitable[None]]
BUTTON_ACTIONS: dict[str, ButtonAction] = {
    Action.MODE: flow.choose_mode,
    Action.SKIP: flow.skip_attachment,
    Action.AUDIENCE: flow.choose_audience,
    Action.VALUE: flow.choose_value,
    Action.CHANGE: flow.change_audience,
    Action.SCHEDULE: flow.ask_schedule,
    Action.DISCARD: flow.discard_draft,
    Action.SEND: confirm.send_now,
    Action.CONFIRM_SCHEDULE: confirm.confirm_schedule,
    Action.STOP: confirm.ask_stop,
    Action.STOP_YES: confirm.confirm_stop,
    Action.STOP_NO: confirm.keep_sending,
}


async def start_broadcast(update: Update, context: BotContext) -> None:
    """/broadcast: start a new announcement (admins only); an unfinished draft is replaced."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    async with context.session() as session:
        admin = await is_admin(session, user.id)
        draft = await repo.new_draft(session, user.id, context.services.now()) if admin else None
    if draft is None:
        await not_understood(update, context)
        return
    await message.reply_text(
        context._(
            "📣 New broadcast.\n\nShould every family get the text in its own language "
            "(you write it in Kyrgyz and in Russian), or one text for everyone?"
        ),
        reply_markup=mode_keyboard(context.t, draft.id),
    )


async def list_broadcasts(update: Update, context: BotContext) -> None:
    """/broadcasts and its Refresh button: recent broadcasts with their figures."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    async with context.session() as session:
        admin = await is_admin(session, user.id)
        recent = await repo.recent(session, RECENT) if admin else []
        counts = await repo.figures(session, [b.id for b in recent])
    query = update.callback_query
    if not admin:
        await (stale(update, context) if query else not_understood(update, context))
        return
    t, now = context.t, context.services.now()
    if recent:
        entries = [list_entry(t, b, Figures(counts.get(b.id, {})), now) for b in recent]
        text = context._("📣 Recent broadcasts") + "\n\n" + "\n\n".join(entries)
    else:
        text = context._("No broadcasts yet. Start one with /broadcast.")
    markup = list_keyboard(t, recent)
    if query is not None and query.message is not None:
        await query.answer()
        try:
            await query.edit_message_text(text, reply_markup=markup)
        except BadRequest as error:  # Refresh with nothing new
            if "not modified" not in str(error).lower():
                raise
        return
    await context.bot.send_message(chat.id, text, reply_markup=markup)


async def press_broadcast_button(update: Update, context: BotContext) -> None:
    """Any `bc:` button, routed by its action; unknown or malformed data is refused."""
    query = update.callback_query
    if query is None:
        return
    parsed = callbacks.parse(query.data)
    action = parsed.parts[0] if parsed is not None and parsed.parts else ""
    if action == Action.LIST:
        await list_broadcasts(update, context)
        return
    handler = BUTTON_ACTIONS.get(action)
    if handler is None or parsed is None:
        await stale(update, context)
        return
    await handler(update, context, parsed.parts[1:])


async def consume_broadcast_input(update: Update, context: BotContext) -> bool:
    """Free input: the text, attachment or time an admin's draft is waiting for."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None or not context.is_staff:
        return False  # only admins have drafts
    since = context.services.now() - DRAFT_TTL
    # Every family's typed message passes here: a plain read first, no unit of work unless
    # this user has a draft waiting for input (only admins ever do).
    async with context.services.sessions() as peek:
        waiting = await repo.get_draft(peek, user.id, since)
    if waiting is None or waiting.step is None:
        return False
    problem: str | None = None
    async with context.session() as session:
        draft = await repo.get_draft(session, user.id, since)
        if draft is None or draft.step is None or not await is_admin(session, user.id):
            return False
        try:
            prompt = take_input(context, draft, message)
        except ComposeError as error:
            problem = context._(error.message).format(**error.params)
        else:
            draft.updated_at = context.services.now()
    if problem is not None:
        await message.reply_text(problem)
    elif prompt.summary:
        await show_summary(update, context, draft.id)
    else:
        await message.reply_text(prompt.text, reply_markup=prompt.markup)
    return True
