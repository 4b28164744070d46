"""What one answer, press or command does to a run: decided inside the unit of work.

Each function returns an Outcome (replies, the toast, an edit of the pressed message)
that handlers/forms.py sends once the unit of work has committed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Message

from bot.context import BotContext
from bot.forms import engine
from bot.forms.engine import DONE, REVIEW, FormState
from bot.forms.model import Kind, Problem, Question, is_digits
from bot.forms.parse import (
    Accepted,
    FileInfo,
    parse_choice_index,
    parse_contact,
    parse_selection,
    parse_typed,
    parse_upload,
)
from db.models.forms import FormRun, RunStatus
from db.repo.forms import finish_run
from handlers.forms_registry import Completion, FormFlow, Reply
from handlers.forms_state import result_of, save_state, state_of, today
from handlers.forms_view import (
    answered_text,
    cancel_confirm_reply,
    edit_questions_markup,
    edit_sections_markup,
    question_reply,
    review_replies,
    selection,
    step_replies,
)
from handlers.keyboards import main_menu


@dataclass(slots=True)
class Outcome:
    """The replies of one update, decided inside the unit of work and sent after commit."""

    replies: list[Reply] = field(default_factory=list)
    toast: str | None = None  # the answer to a button press
    edit_text: str | None = None  # replaces the pressed message (its buttons go)
    edit_markup: InlineKeyboardMarkup | None = None  # replaces only the pressed buttons
    clear_buttons: bool = False
    after: Callable[[], Awaitable[None]] | None = None


async def _advance(
    session: AsyncSession,
    context: BotContext,
    flow: FormFlow,
    run: FormRun,
    state: FormState,
    warnings: tuple[Problem, ...] = (),
    restore_menu: bool = False,
) -> Outcome:
    """Save the new state; complete the form if nothing is left (no-review forms)."""
    form = flow.form
    t = context.t
    before: list[Reply] = []
    if restore_menu:  # a contact keyboard replaced the main menu: bring it back
        before.append(Reply(t.gettext("Saved."), main_menu(t)))
    if state.current == DONE:
        save_state(run, state)
        return await _complete(session, context, flow, run, state, before)
    save_state(run, state)
    replies = step_replies(t, form, state, run.id, warnings)
    return Outcome(before + replies)


async def _complete(
    session: AsyncSession,
    context: BotContext,
    flow: FormFlow,
    run: FormRun,
    state: FormState,
    before: list[Reply],
) -> Outcome:
    missing = engine.missing_required(flow.form, state.answers)
    if missing:  # an edit made a required question relevant that has no answer yet
        moved = engine.goto(flow.form, state, missing[0].id)
        save_state(run, moved)
        return Outcome(before + step_replies(context.t, flow.form, moved, run.id))
    result = result_of(flow.form, run, state)
    completion: Completion = await flow.on_complete(session, context, result)
    if completion.accepted:
        save_state(run, engine.FormState(state.answers, DONE, state.prefilled))
        finish_run(run, RunStatus.COMPLETED)
        return Outcome(before + completion.messages, after=completion.after)
    review = FormState(state.answers, REVIEW, state.prefilled)
    save_state(run, review)
    replies = completion.messages + review_replies(context.t, flow.form, review, run.id)
    return Outcome(before + replies, after=completion.after)


def _file_of(message: Message) -> FileInfo | None:
    if message.photo:
        largest = message.photo[-1]
        return FileInfo(
            "photo", largest.file_id, largest.file_unique_id, largest.file_size, "image/jpeg"
        )
    document = message.document
    if document is not None:
        return FileInfo(
            "document",
            document.file_id,
            document.file_unique_id,
            document.file_size,
            document.mime_type,
            document.file_name,
        )
    return None


def _parse_message(
    context: BotContext, question: Question, message: Message, answers: dict[str, Any]
) -> Accepted | Problem:
    t = context.t

    def label_of(choice: Any) -> str:
        return str(choice.text(t.language, t.gettext))

    if message.contact is not None:
        if question.kind is Kind.PHONE:
            return parse_contact(question, message.contact.phone_number, answers)
        return Problem("use_buttons" if question.kind in (Kind.CHOICE,) else "text_expected")
    file = _file_of(message)
    if question.kind is Kind.UPLOAD:
        if file is None:
            return Problem("upload_expected")
        return parse_upload(question, file, answers)
    if file is not None or message.text is None:
        if question.kind in (Kind.CHOICE, Kind.YES_NO, Kind.MULTI_CHOICE):
            return Problem("choose_button")
        return Problem("text_expected")
    return parse_typed(question, message.text, answers, today=today(), label_of=label_of)


async def take_input(
    session: AsyncSession, context: BotContext, flow: FormFlow, run: FormRun, message: Message
) -> Outcome:
    form = flow.form
    t = context.t
    state = state_of(run)
    question = form.question(state.current)
    if question is None:  # at the review (or the form changed): show where we are
        if state.current != REVIEW:
            state = FormState(state.answers, engine.next_step(form, state), state.prefilled)
            save_state(run, state)
        return Outcome(step_replies(t, form, state, run.id, (Problem("use_buttons"),)))
    target = question
    if question.kind is Kind.REPEAT:
        field_ = engine.repeat_field(state, question)
        if field_ is None:
            return Outcome([question_reply(t, form, state, run.id, (Problem("use_buttons"),))])
        target = field_
    result = _parse_message(context, target, message, state.answers)
    if isinstance(result, Accepted) and target is question and question.id in flow.checks:
        problem = await flow.checks[question.id](
            session, context, result_of(form, run, state), result.value
        )
        if problem is not None and not problem.soft:
            result = problem
        elif problem is not None:
            result = Accepted(result.value, (*result.warnings, problem))
    if isinstance(result, Problem):
        return Outcome([question_reply(t, form, state, run.id, (result,))])
    if target is not question:
        state = engine.repeat_set_field(state, question, target.id, result.value)
    else:
        state = engine.answer(form, state, question.id, result.value)
    return await _advance(
        session,
        context,
        flow,
        run,
        state,
        result.warnings,
        restore_menu=question.kind is Kind.PHONE,
    )


async def on_press(
    session: AsyncSession,
    context: BotContext,
    flow: FormFlow,
    run: FormRun,
    action: str,
    args: tuple[str, ...],
) -> Outcome:
    form = flow.form
    t = context.t
    state = state_of(run)
    stale = Outcome(toast=t.gettext("This question was already answered; see the latest message."))
    on_review = state.current == REVIEW
    # Buttons of one question are valid only while it is the current one.
    if action in ("c", "t", "d", "s", "b", "k", "ra", "rd", "rx"):
        if not args or args[0] != state.current:
            return stale
        question = form.question(args[0])
        if question is None:
            return stale
        return await question_press(session, context, flow, run, state, question, action, args)
    if action == "e" and on_review:
        return Outcome(edit_markup=edit_sections_markup(t, form, state, run.id))
    if action == "es" and on_review and args and is_digits(args[0]):
        index = int(args[0])
        if index >= len(form.sections):
            return stale
        section = form.sections[index]
        return Outcome(edit_markup=edit_questions_markup(t, form, state, run.id, section.id))
    if action == "eq" and on_review and args and form.question(args[0]) is not None:
        question = form.question(args[0])
        assert question is not None
        effective = engine.effective_answers(form, state.answers)
        if not question.is_relevant(effective):
            return stale
        moved = engine.goto(form, state, question.id)
        if question.kind is Kind.REPEAT:
            moved = FormState(moved.answers, moved.current, moved.prefilled, {})
        save_state(run, moved)
        return Outcome(step_replies(t, form, moved, run.id), clear_buttons=True)
    if action == "rv" and on_review:
        return Outcome(review_replies(t, form, state, run.id), clear_buttons=True)
    if action == "ok" and on_review:
        outcome = await _complete(session, context, flow, run, state, [])
        outcome.clear_buttons = True
        return outcome
    if action == "x":
        return Outcome([cancel_confirm_reply(t, run.id, flow.cancel_question)])
    if action == "xy":
        return await _cancel(session, context, flow, run, state)
    if action == "xn":
        return Outcome(step_replies(t, form, state, run.id), clear_buttons=True)
    if action in ("e", "es", "eq", "rv", "ok"):
        return stale  # a summary button while a question is open again
    return Outcome(toast=t.gettext("This button is no longer valid."))


async def question_press(
    session: AsyncSession,
    context: BotContext,
    flow: FormFlow,
    run: FormRun,
    state: FormState,
    question: Question,
    action: str,
    args: tuple[str, ...],
) -> Outcome:
    form = flow.form
    t = context.t
    if action == "b":
        moved = engine.back(form, state)
        if moved is None:
            return Outcome(toast=t.gettext("This is the first question."))
        save_state(run, moved)
        return Outcome(step_replies(t, form, moved, run.id), clear_buttons=True)
    if action == "k":
        if question.id not in state.answers:
            return Outcome(toast=t.gettext("This question has no answer yet."))
        moved = engine.answer(form, state, question.id, state.answers[question.id])
        outcome = await _advance(session, context, flow, run, moved)
        outcome.clear_buttons = True
        return outcome
    if action == "s":
        if question.required:
            return Outcome(toast=t.gettext("This question must be answered."))
        outcome = await _advance(
            session, context, flow, run, engine.skip(form, state, question.id)
        )
        outcome.edit_text = answered_text(t, question, None, state.answers)
        return outcome
    if action == "t" and question.kind is Kind.MULTI_CHOICE and len(args) == 2:
        options = question.options(state.answers)
        if not is_digits(args[1]) or int(args[1]) >= len(options):
            return Outcome(toast=t.gettext("This button is no longer valid."))
        value = options[int(args[1])].value
        chosen = selection(state, question)
        chosen = [v for v in chosen if v != value] if value in chosen else [*chosen, value]
        toggled = FormState(state.answers, state.current, state.prefilled, {"selected": chosen})
        save_state(run, toggled)
        reply = question_reply(t, form, toggled, run.id)
        markup = reply.reply_markup
        return Outcome(edit_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None)
    if action == "d" and question.kind is Kind.MULTI_CHOICE:
        result = parse_selection(question, selection(state, question), state.answers)
        return await _accept_press(session, context, flow, run, state, question, result)
    if action == "c" and len(args) == 2 and question.kind in (Kind.CHOICE, Kind.YES_NO):
        result = parse_choice_index(question, args[1], state.answers)
        return await _accept_press(session, context, flow, run, state, question, result)
    if question.kind is Kind.REPEAT:
        return await _repeat_press(session, context, flow, run, state, question, action, args)
    return Outcome(toast=t.gettext("This button is no longer valid."))


async def _accept_press(
    session: AsyncSession,
    context: BotContext,
    flow: FormFlow,
    run: FormRun,
    state: FormState,
    question: Question,
    result: Accepted | Problem,
) -> Outcome:
    t = context.t
    if isinstance(result, Problem) and result.code == "stale":
        return Outcome(toast=t.gettext("This button is no longer valid."))
    if isinstance(result, Accepted) and question.id in flow.checks:
        problem = await flow.checks[question.id](
            session, context, result_of(flow.form, run, state), result.value
        )
        if problem is not None and not problem.soft:
            result = problem
    if isinstance(result, Problem):
        return Outcome([question_reply(t, flow.form, state, run.id, (result,))], toast="⚠️")
    moved = engine.answer(flow.form, state, question.id, result.value)
    outcome = await _advance(session, context, flow, run, moved, result.warnings)
    outcome.edit_text = answered_text(t, question, result.value, moved.answers)
    return outcome


async def _repeat_press(
    session: AsyncSession,
    context: BotContext,
    flow: FormFlow,
    run: FormRun,
    state: FormState,
    question: Question,
    action: str,
    args: tuple[str, ...],
) -> Outcome:
    form = flow.form
    t = context.t
    items = engine.repeat_items(state, question)
    if action == "ra":
        if len(items) >= question.max_items:
            return Outcome(toast=t.gettext("No more items can be added."))
        moved = engine.repeat_begin_item(state, question)
    elif action == "rx" and len(args) == 2 and is_digits(args[1]):
        moved = engine.repeat_remove(state, question, int(args[1]))
    elif action == "rd":
        problem: Problem | None = None
        if len(items) < question.min_items:
            problem = Problem("repeat_too_few", {"count": question.min_items})
        elif len(items) > question.max_items:
            problem = Problem("repeat_too_many", {"count": question.max_items})
        result = _repeat_constraint(question, items, state)
        if problem is None and isinstance(result, Problem):
            problem = result
        if problem is not None:
            return Outcome([question_reply(t, form, state, run.id, (problem,))], toast="⚠️")
        moved = engine.answer(form, state, question.id, items)
        outcome = await _advance(session, context, flow, run, moved)
        outcome.clear_buttons = True
        return outcome
    else:
        return Outcome(toast=t.gettext("This button is no longer valid."))
    save_state(run, moved)
    return Outcome([question_reply(t, form, moved, run.id)], clear_buttons=True)


def _repeat_constraint(
    question: Question, items: list[dict[str, Any]], state: FormState
) -> Problem | None:
    """The repeat's own constraint (e.g. the budget total within the grant)."""
    if question.constraint is None:
        return None
    problem = question.constraint(items, state.answers)
    return problem if problem is not None and not problem.soft else None


async def _cancel(
    session: AsyncSession, context: BotContext, flow: FormFlow, run: FormRun, state: FormState
) -> Outcome:
    t = context.t
    completion = Completion()
    if flow.on_cancel is not None:
        completion = await flow.on_cancel(session, context, result_of(flow.form, run, state))
    save_state(run, FormState(state.answers, DONE, state.prefilled))
    finish_run(run, RunStatus.CANCELLED)
    messages = completion.messages or [Reply(t.gettext("Cancelled. Your answers were deleted."))]
    if messages[-1].reply_markup is None:
        last = messages[-1]
        messages[-1] = Reply(last.text, main_menu(t), last.html)
    return Outcome(messages, clear_buttons=True, after=completion.after)


async def back_from_review(
    context: BotContext, flow: FormFlow, run: FormRun, state: FormState
) -> Outcome:
    moved = engine.back(flow.form, state)
    if moved is None:
        return Outcome(step_replies(context.t, flow.form, state, run.id))
    save_state(run, moved)
    return Outcome(step_replies(context.t, flow.form, moved, run.id))
