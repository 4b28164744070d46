"""The eligibility check: /check and «✅ Check eligibility», the stored verdict, the next step.

The questions are a form of the generic runner (handlers/forms.py); this module starts it,
turns its completion into a stored check with its explained verdict, and starts the business
plan from the result's button.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks
from bot.context import BotContext
from bot.eligibility.evaluator import final_evaluation
from bot.eligibility.form import FORM_ID, build_check_form
from bot.eligibility.result import HEADLINES, Facts, is_plan_offered, result_text
from bot.eligibility.rules import Outcome
from bot.eligibility.service import record_check
from bot.i18n import LANGUAGES, Translator
from bot.services import Services
from db.repo.eligibility import latest_check, verdict_sent_since
from db.repo.forms import get_run, open_run
from handlers import plan
from handlers.forms import current_replies, open_form, send_replies, where_the_run_stands
from handlers.forms_registry import Completion, FormFlow, FormResult, Reply, ReplyMarkup
from handlers.keyboards import main_menu

_LOG = logging.getLogger(__name__)

START_PLAN = "plan"  # el:plan:<check id>


def eligibility_flow(services: Services) -> FormFlow:
    """The check's form, built from the loaded ruleset, with its completion hook."""
    return FormFlow(form=build_check_form(services.ruleset), on_complete=finish_check)


async def check_command(update: Update, context: BotContext) -> None:
    """/check and «✅ Check eligibility»: start the check, or continue it where it stopped."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return
    try:
        replies = await _start_or_resume(context, user.id, update)
    except StaleDataError:  # another instance resumed this check at the same moment
        replies = await where_the_run_stands(context, user.id)
    await send_replies(context, chat.id, replies)


async def _start_or_resume(context: BotContext, user_id: int, update: Update) -> list[Reply]:
    t = context.t
    async with context.session() as session:
        resumed = await open_run(session, user_id, FORM_ID) is not None
        # Seen means: sent before the family wrote this (it may have asked because nothing came,
        # and the verdict went out meanwhile, re-sent for the redelivered last answer).
        asked = update.effective_message.message_id if update.effective_message else None
        verdict = None if resumed else await unseen_verdict(session, context, user_id, asked)
        if verdict is not None:  # the check was complete, its result never arrived: show it
            back = t.gettext("Welcome back! Your check is complete. Here is its result:")
            replies = [Reply(back, main_menu(t)), verdict]
        else:
            run = await open_form(session, user_id, FORM_ID)
            first = (
                Reply(
                    t.gettext("Welcome back! The check continues where you stopped."),
                    main_menu(t),
                )
                if resumed
                else _intro(context)
            )
            replies = [first, *current_replies(context, run)]
    return replies


async def unseen_verdict(
    session: AsyncSession, context: BotContext, user_id: int, asked: int | None = None
) -> Reply | None:
    """The verdict of the family's latest check if it never reached them, else None.

    The last answer's unit of work stores the check and completes the form; the verdict is
    sent after the commit. A bot that stopped in between (a crash, a failed send) left a
    finished check whose result the family has not seen: no message starting with its
    headline went to the chat since the check was stored (before message `asked`, the
    family's request, when given).
    """
    services = context.services
    ruleset = services.ruleset
    check = await latest_check(session, user_id)
    if (
        check is None
        or check.finished_at is None
        or check.outcome is None
        or check.ruleset_version != ruleset.version
    ):
        return None  # nothing finished, or a check of another ruleset (not re-rendered)
    outcome = Outcome(check.outcome)
    headlines = [services.i18n.get(language).gettext(HEADLINES[outcome]) for language in LANGUAGES]
    if await verdict_sent_since(session, user_id, check.finished_at, headlines, asked):
        return None
    try:
        evaluation = final_evaluation(ruleset, check.answers)
    except ValueError:
        return None
    if evaluation.outcome != outcome:
        return None
    t = context.t
    text = result_text(t, ruleset, evaluation, check.answers, context.language)
    return Reply(text, _next_step_markup(t, outcome, check.id))


def _intro(context: BotContext) -> Reply:
    t = context.t
    facts = Facts.of(t, context.services.ruleset)
    text = t.gettext(
        "✅ Let us check whether your family can apply for the social contract: a few short "
        "questions, about two minutes. Most are answered with buttons.\n\n"
        "Important to know first: {months} after the contract is signed, the family stops "
        "receiving the «үй-бүлөгө көмөк» benefit for {years}.\n\n"
        "Each answer is saved at once. /back goes to the previous question, /cancel stops "
        "the check."
    ).format(months=facts.months, years=facts.years)
    return Reply(text, main_menu(t))


async def finish_check(
    session: AsyncSession, context: BotContext, result: FormResult
) -> Completion:
    """The last answer: evaluate, store the check (in this unit of work), show the verdict."""
    ruleset = context.services.ruleset
    run = await get_run(session, result.run_id)
    check, evaluation = await record_check(
        session,
        ruleset,
        user_id=result.user_id,
        language=context.language,
        answers=result.answers,
        started_at=run.created_at if run is not None else None,
    )
    assert evaluation.outcome is not None
    _LOG.info(
        "eligibility check %s of user %s: %s (ruleset %s, priority %s)",
        check.id,
        result.user_id,
        evaluation.outcome.value,
        ruleset.version,
        evaluation.priority_score,
    )
    t = context.t
    text = result_text(t, ruleset, evaluation, check.answers, context.language)
    return Completion([Reply(text, _next_step_markup(t, evaluation.outcome, check.id))])


def _next_step_markup(t: Translator, outcome: Outcome, check_id: int) -> ReplyMarkup:
    """The plan button when the family may go on; else the main menu (the text says what to do)."""
    if not is_plan_offered(outcome):
        return main_menu(t)
    data = callbacks.build(callbacks.ELIGIBILITY, START_PLAN, check_id)
    button = InlineKeyboardButton(t.gettext("📝 Start the business plan"), callback_data=data)
    return InlineKeyboardMarkup([[button]])


async def start_plan_from_result(update: Update, context: BotContext) -> None:
    """«📝 Start the business plan» under a verdict: only from the family's latest check."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    check_id = _plan_check_id(query.data)
    async with context.session() as session:
        latest = await latest_check(session, user.id) if check_id is not None else None
    # A button under an older verdict (the family checked again since) or forged data.
    if latest is None or latest.id != check_id or latest.outcome == Outcome.NOT_ELIGIBLE:
        await query.answer(context._("This button is no longer valid."))
        return
    await asyncio.gather(query.answer(), plan.apply_command(update, context))  # independent


def _plan_check_id(data: str | None) -> int | None:
    """The check id of `el:plan:<id>`, or None for anything else (forged, old format)."""
    parsed = callbacks.parse(data)
    if parsed is None or len(parsed.parts) != 2 or parsed.parts[0] != START_PLAN:
        return None
    text = parsed.parts[1]
    # isdigit() alone accepts "²"; int() would then fail on forged data.
    return int(text) if text.isascii() and text.isdigit() else None
