"""The generic Telegram runner of any registered form (see bot/forms/README.md).

One FreeInput consumer takes typed answers, contacts, photos and files; one
CallbackQueryHandler (prefix callbacks.FORM) takes every button; /back, /skip and /cancel
navigate. Each answer is committed in the update's unit of work before the next question is
sent, so a restart resumes at the same question. A user has at most one active form: starting
another pauses it, and starting it again resumes it where it stopped.

Several instances: form_runs has a version column (optimistic locking). When two updates of
one family are decided at once on two instances (a double tap, a retried delivery), the
second commit finds the version changed, stores nothing of its update and raises
StaleDataError; the family is then shown the question the run stands at now. Two instances
starting the same form at once both insert a run; the unique index keeps one, and the other
resumes it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError
from telegram import CallbackQuery, Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot import callbacks
from bot.context import BotContext
from bot.forms import engine
from bot.forms.engine import REVIEW, FormState
from bot.forms.model import is_digits
from db.models.forms import FormRun, RunStatus
from db.repo.forms import active_run, create_run, get_run, open_run, pause_others
from handlers.forms_registry import Reply, flow_of
from handlers.forms_state import save_state, state_of
from handlers.forms_steps import (
    Outcome,
    back_from_review,
    on_press,
    question_press,
    take_input,
)
from handlers.forms_view import (
    cancel_confirm_reply,
    step_replies,
)
from handlers.keyboards import main_menu

_LOG = logging.getLogger(__name__)

# -- starting a form (API for features) --------------------------------------------------------


async def open_form(
    session: AsyncSession,
    user_id: int,
    form_id: str,
    *,
    prefill: Mapping[str, Any] | None = None,
    subject_id: int | None = None,
) -> FormRun:
    """Inside a unit of work: resume the user's unfinished run of the form, or start one.

    Any other active form of the user is paused (it resumes when started again). `prefill`
    answers are shown in the summary but not asked; on resume, prefill only adds answers
    the family has not given yet.
    """
    flow = flow_of(form_id)
    if flow is None:
        raise KeyError(f"form {form_id!r} is not registered")
    await pause_others(session, user_id, form_id)
    run = await open_run(session, user_id, form_id)
    if run is None:
        state = engine.start(flow.form, prefill)
        try:
            async with session.begin_nested():
                return await create_run(
                    session,
                    user_id=user_id,
                    form_id=form_id,
                    current=state.current,
                    answers=state.answers,
                    prefilled=sorted(state.prefilled),
                    subject_id=subject_id,
                )
        except IntegrityError:
            # Another instance started this form for the user at the same moment (a double
            # tap): the unique index let one run in, committed by now. Resume that one.
            run = await open_run(session, user_id, form_id)
            if run is None:
                raise
            _LOG.info("form %s was started twice at once; resuming the run that won", form_id)
    run.status = RunStatus.ACTIVE
    if subject_id is not None:
        run.subject_id = subject_id
    state = state_of(run)
    new = {k: v for k, v in (prefill or {}).items() if k not in state.answers}
    if new:
        fresh = engine.start(flow.form, new)
        merged = FormState(
            {**state.answers, **fresh.answers}, state.current, state.prefilled | fresh.prefilled
        )
        if merged.current in fresh.answers or merged.current not in flow.form._index:
            # The question shown was just answered from elsewhere: go on to the next one.
            merged = FormState(
                merged.answers, engine.next_step(flow.form, merged), merged.prefilled
            )
        save_state(run, merged)
    return run


def current_replies(context: BotContext, run: FormRun) -> list[Reply]:
    """The messages that show where the run stands (after open_form, once committed)."""
    flow = flow_of(run.form_id)
    if flow is None:
        return []
    state = state_of(run)
    if state.current not in flow.form._index and state.current != REVIEW:
        state = FormState(state.answers, engine.next_step(flow.form, state), state.prefilled)
    return step_replies(context.t, flow.form, state, run.id)


async def start_form(
    update: Update,
    context: BotContext,
    form_id: str,
    *,
    prefill: Mapping[str, Any] | None = None,
    subject_id: int | None = None,
    before: list[Reply] | None = None,
) -> None:
    """Start or resume a form in its own unit of work, then send `before` and the question."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return
    try:
        async with context.session() as session:
            run = await open_form(
                session, user.id, form_id, prefill=prefill, subject_id=subject_id
            )
        replies = current_replies(context, run)
    except StaleDataError:
        replies = (await _after_race(update, context, user.id)).replies
    await send_replies(context, chat.id, [*(before or []), *replies])


async def send_replies(context: BotContext, chat_id: int, replies: list[Reply]) -> None:
    for reply in replies:
        await context.bot.send_message(
            chat_id,
            reply.text,
            parse_mode=ParseMode.HTML if reply.html else None,
            reply_markup=reply.reply_markup,
        )


async def consume_form_input(update: Update, context: BotContext) -> bool:
    """FreeInput consumer: the typed answer, contact, photo or file of the active form."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or update.effective_chat is None:
        return False
    if message.text is not None and message.text.startswith("/"):
        return False  # an unknown command is not an answer
    try:
        async with context.session() as session:
            run = await active_run(session, user.id)
            flow = flow_of(run.form_id) if run is not None else None
            if run is None or flow is None:
                return False
            outcome = await take_input(session, context, flow, run, message)
    except StaleDataError:
        outcome = await _after_race(update, context, user.id)
    await _deliver(update, context, outcome)
    return True


async def _after_race(update: Update, context: BotContext, user_id: int) -> Outcome:
    """Another instance advanced the run while this update was decided; nothing of this
    update was stored (its unit of work rolled back). Show where the run stands now."""
    _LOG.info("update %s lost a race for the form run of a user; re-showing", update.update_id)
    toast = None
    if update.callback_query is not None:
        toast = context._("This question was already answered; see the latest message.")
    # No run: the other update finished the form; its reply says so.
    return Outcome(await where_the_run_stands(context, user_id), toast=toast)


async def where_the_run_stands(context: BotContext, user_id: int) -> list[Reply]:
    """The active run's current question (none without a run), after a lost version race."""
    async with context.session() as session:  # commits this update's inbound log row
        run = await active_run(session, user_id)
    return current_replies(context, run) if run is not None else []


# -- buttons -------------------------------------------------------------------------------------


async def press_form_button(update: Update, context: BotContext) -> None:
    """Every button of every form: parse, re-check ownership and state, act, reply."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    parsed = callbacks.parse(query.data)
    invalid = context._("This button is no longer valid.")
    if parsed is None or len(parsed.parts) < 2 or not is_digits(parsed.parts[0]):
        await context.save_inbound()
        await query.answer(invalid)
        return
    run_id, action, args = int(parsed.parts[0]), parsed.parts[1], parsed.parts[2:]
    try:
        async with context.session() as session:
            run = await get_run(session, run_id)
            flow = flow_of(run.form_id) if run is not None else None
            valid = run is not None and run.user_id == user.id and run.status is RunStatus.ACTIVE
            if run is None or flow is None or not valid:
                outcome = Outcome(toast=invalid)
            else:
                outcome = await on_press(session, context, flow, run, action, tuple(args))
    except StaleDataError:
        outcome = await _after_race(update, context, user.id)
    await _deliver(update, context, outcome)


async def _deliver(update: Update, context: BotContext, outcome: Outcome) -> None:
    """Send what the unit of work decided (it has committed by now)."""
    query = update.callback_query
    chat = update.effective_chat
    replies = outcome.replies if chat is not None else []
    first: list[Awaitable[None]] = []
    if query is not None:
        first += [_answer(query, outcome.toast), _edit_pressed(query, outcome)]
    if chat is not None and replies:
        first.append(send_replies(context, chat.id, replies[:1]))
    # The toast, the edit of the pressed message and the first reply do not depend on each
    # other: one round trip to Telegram, not three. Further replies keep their order.
    await asyncio.gather(*first)
    if chat is not None and len(replies) > 1:
        await send_replies(context, chat.id, replies[1:])
    if outcome.after is not None:
        await outcome.after()


async def _answer(query: CallbackQuery, toast: str | None) -> None:
    """Stop the button's spinner. Telegram refuses it for an old press (after a restart, say);
    the answer was stored, so the family still gets the next question."""
    try:
        await query.answer(toast)
    except TelegramError as error:
        _LOG.info("could not answer a button press: %s", error)


async def _edit_pressed(query: CallbackQuery, outcome: Outcome) -> None:
    if not isinstance(query.message, Message):
        return
    if outcome.edit_text is not None:
        await query.edit_message_text(outcome.edit_text, parse_mode=ParseMode.HTML)
    elif outcome.edit_markup is not None:
        await query.edit_message_reply_markup(outcome.edit_markup)
    elif outcome.clear_buttons and query.message.reply_markup is not None:
        await query.edit_message_reply_markup(None)


# -- commands ------------------------------------------------------------------------------------


async def _command(update: Update, context: BotContext, action: str) -> None:
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return
    try:
        async with context.session() as session:
            outcome = await _decide_command(session, context, user.id, action)
    except StaleDataError:
        outcome = await _after_race(update, context, user.id)
    if outcome.toast:  # a command has no button to answer: say it in the chat
        outcome.replies.insert(0, Reply(outcome.toast))
        outcome.toast = None
    outcome.edit_text = None
    await _deliver(update, context, outcome)


async def _decide_command(
    session: AsyncSession, context: BotContext, user_id: int, action: str
) -> Outcome:
    t = context.t
    run = await active_run(session, user_id)
    flow = flow_of(run.form_id) if run is not None else None
    if run is None or flow is None:
        return Outcome(
            [Reply(t.gettext("You are not filling in a questionnaire now."), main_menu(t))]
        )
    if action == "x":
        return Outcome([cancel_confirm_reply(t, run.id, flow.cancel_question)])
    state = state_of(run)
    question = flow.form.question(state.current)
    if question is None and action == "s":
        return Outcome(step_replies(t, flow.form, state, run.id))
    if question is None:
        return await back_from_review(context, flow, run, state)
    return await question_press(
        session, context, flow, run, state, question, action, (question.id,)
    )


async def back_command(update: Update, context: BotContext) -> None:
    """/back: one question back; the answer given there is kept and shown."""
    await _command(update, context, "b")


async def skip_command(update: Update, context: BotContext) -> None:
    """/skip: skip the current question if it is optional."""
    await _command(update, context, "s")


async def cancel_command(update: Update, context: BotContext) -> None:
    """/cancel: ask to confirm, then withdraw the draft and delete the answers."""
    await _command(update, context, "x")
