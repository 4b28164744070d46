"""Confirming a broadcast (now or at its time) and stopping one that waits or runs."""

from __future__ import annotations

from telegram import Update

from bot.broadcast.keyboards import stop_keyboard
from bot.broadcast.progress import Figures, render
from bot.context import BotContext
from db.enums import BroadcastState
from db.repo import broadcasts as repo
from db.repo.broadcast_audience import count_by_language
from handlers.broadcast_flow import edit_query, is_admin, own_draft, stale
from handlers.broadcast_views import audience_of, stop_confirm_keyboard


async def send_now(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """📤 Send now: the broadcast is queued for the sender at once."""
    await _confirm(update, context, args, scheduled=False)


async def confirm_schedule(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """✅ Confirm the schedule: the sender starts it at the chosen time."""
    await _confirm(update, context, args, scheduled=True)


async def _confirm(
    update: Update, context: BotContext, args: tuple[str, ...], *, scheduled: bool
) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    now = context.services.now()
    default = context.services.settings.default_language
    async with context.session() as session:
        draft = await own_draft(session, user.id, args)
        audience = audience_of(draft) if draft is not None else None
        total = 0
        if draft is not None and audience is not None and draft.step is None:
            counts = await count_by_language(session, audience.kind, audience.value, default)
            total = sum(counts.values())
            if not scheduled:
                draft.scheduled_at = None
            elif draft.scheduled_at is None or draft.scheduled_at <= now:
                total = 0
            if total:
                await repo.confirm(session, draft, now, total)
                if not scheduled:
                    draft.progress_chat_id = chat.id
    if draft is None or not total:
        await stale(update, context)
        return
    query = update.callback_query
    assert query is not None
    await query.answer()
    t = context.t
    if scheduled:
        assert draft.scheduled_at is not None
        await edit_query(
            update,
            t.gettext(
                "🕒 Broadcast #{number} is scheduled for {time} (Bishkek time). "
                "/broadcasts shows it; you can stop it there."
            ).format(number=draft.id, time=t.datetime(draft.scheduled_at)),
        )
    else:
        await edit_query(
            update,
            t.ngettext(
                "✅ Broadcast #{number} confirmed: it goes to {count} family.",
                "✅ Broadcast #{number} confirmed: it goes to {count} families.",
                total,
            ).format(number=draft.id, count=t.number(total)),
        )
        progress = await context.bot.send_message(
            chat.id,
            render(
                t,
                number=draft.id,
                state=BroadcastState.QUEUED,
                figures=Figures({}),
                rate=0.0,
            ),
            reply_markup=stop_keyboard(t, draft.id),
        )
        async with context.session() as session:
            await repo.set_progress_message(session, draft.id, chat.id, progress.message_id)
    worker = context.services.broadcasts
    if worker is not None:
        worker.wake()


async def ask_stop(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """⛔ Stop: ask to confirm, in a message of its own (the progress message keeps changing)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or not args or not args[0].isdigit():
        await stale(update, context)
        return
    async with context.session() as session:
        admin = await is_admin(session, user.id)
        broadcast = await repo.get(session, int(args[0])) if admin else None
    if broadcast is None or broadcast.state not in repo.ACTIVE:
        await stale(update, context)
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    await context.bot.send_message(
        chat.id,
        context._(
            "Stop broadcast #{number}? Families who have not received it yet will not get it."
        ).format(number=broadcast.id),
        reply_markup=stop_confirm_keyboard(context.t, broadcast.id),
    )


async def confirm_stop(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """Yes, stop: cancel it in the database; every sender sees it within a moment."""
    user = update.effective_user
    if user is None or not args or not args[0].isdigit():
        await stale(update, context)
        return
    broadcast_id = int(args[0])
    async with context.session() as session:
        admin = await is_admin(session, user.id)
        stopped = admin and await repo.cancel(
            session, broadcast_id, user.id, context.services.now()
        )
    if not stopped:
        await stale(update, context)
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    await edit_query(
        update,
        context._("⛔ Broadcast #{number} is stopped. Nothing more will be sent.").format(
            number=broadcast_id
        ),
    )
    worker = context.services.broadcasts
    if worker is not None:
        worker.wake()


async def keep_sending(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """No, keep sending."""
    user = update.effective_user
    async with context.session() as session:
        admin = user is not None and await is_admin(session, user.id)
    if not admin:  # even a harmless button is refused to a non-admin (forged data)
        await stale(update, context)
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    await edit_query(update, context._("OK, the broadcast goes on."))
