"""The Apply button and /apply: the business-plan questionnaire, its submission and the PDF."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError
from telegram import Update

from bot.context import BotContext
from bot.forms.model import Problem
from bot.i18n import N_
from bot.plan.prefill import prefill_from_check
from bot.plan.questions import PLAN_FORM_ID, build_plan_form
from bot.plan.submission import Refused, duplicate_of, submit_plan, withdraw_draft
from bot.services import Services
from db.base import utcnow
from db.repo.applications import (
    create_draft,
    draft_of_user,
    latest_finished_check,
    open_application_of_user,
)
from db.repo.forms import open_run
from handlers.forms import current_replies, open_form, send_replies, where_the_run_stands
from handlers.forms_registry import Completion, FormFlow, FormResult, Reply
from handlers.keyboards import main_menu
from handlers.plan_pdf import PlanToPrint, finish_submission

_LOG = logging.getLogger(__name__)


def plan_flow(services: Services) -> FormFlow:
    """The business-plan form with its hooks; the budget cap comes from the ruleset."""
    form = build_plan_form(services.program.grant_amount)

    async def on_complete(
        session: AsyncSession, context: BotContext, result: FormResult
    ) -> Completion:
        return await _submit(session, context, result)

    return FormFlow(
        form=form,
        on_complete=on_complete,
        on_cancel=_withdraw,
        checks={"pin": _pin_not_taken},
        cancel_question=N_(
            "Do you want to delete the draft of your application? All its answers will be lost."
        ),
    )


async def _pin_not_taken(
    session: AsyncSession, context: BotContext, result: FormResult, value: Any
) -> Problem | None:
    """Refuse a PIN that already has an open application, at once rather than at Submit."""
    other = await duplicate_of(session, str(value), result.subject_id)
    if other is None:
        return None
    return Problem.custom(
        N_(
            "An application with this PIN is already open ({ref}). A family can have only one "
            "open application. If this is a mistake, please contact your district office."
        ),
        ref=other.ref or "—",
    )


async def _submit(session: AsyncSession, context: BotContext, result: FormResult) -> Completion:
    t = context.t
    now = utcnow()
    outcome = await submit_plan(
        session,
        application_id=result.subject_id,
        user_id=result.user_id,
        answers=result.answers,
        computed=result.computed,
        t=t,
        now=now,
    )
    if isinstance(outcome, Refused):
        if outcome.reason == "duplicate_pin":
            text = t.gettext(
                "This application cannot be submitted: an application with this PIN is already "
                "open ({ref}). A family can have only one open application. Please check the "
                "PIN, or contact your district office."
            ).format(ref=outcome.other_ref or "—")
            return Completion([Reply(text)], accepted=False)
        return Completion(
            [Reply(t.gettext("This draft was already submitted or withdrawn."), main_menu(t))]
        )
    ref = outcome.ref
    context.services.note_case(result.user_id)  # caseworkers may write to the family now
    plan = PlanToPrint(
        outcome.application.id,
        result.user_id,
        ref,
        t.language,
        now,
        result.answers,
        result.prefilled,
    )
    text = t.gettext(
        "Your application is submitted. Its number is {ref}.\n\n"
        "Status: submitted. A social worker of your district will review it and write to you "
        "here. The business plan is in the PDF below: keep it and bring it to the aiyl okmotu."
    ).format(ref=ref)

    async def after() -> None:  # once the confirmation is sent
        await finish_submission(context, plan)

    return Completion([Reply(text, main_menu(t))], after=after)


async def _withdraw(session: AsyncSession, context: BotContext, result: FormResult) -> Completion:
    await withdraw_draft(session, result.subject_id, result.user_id)
    t = context.t
    text = t.gettext(
        "The draft is deleted. You can start a new application at any time with «📝 Apply»."
    )
    return Completion([Reply(text, main_menu(t))])


def _intro(context: BotContext) -> Reply:
    t = context.t
    program = context.services.program
    months = t.ngettext("{n} month", "{n} months", program.benefit_stops_after_months).format(
        n=program.benefit_stops_after_months
    )
    years = t.ngettext("{n} year", "{n} years", program.benefit_suspension_years).format(
        n=program.benefit_suspension_years
    )
    text = t.gettext(
        "Let us write your business plan and the application for a grant of up to {amount}.\n\n"
        "Important: {months} after the social contract is signed, the family stops receiving "
        "the «үй-бүлөгө көмөк» benefit for {years}.\n\n"
        "Each answer is saved at once: you can stop and come back at any time. "
        "/back goes to the previous question, /cancel deletes the draft."
    ).format(amount=t.money(program.grant_amount), months=months, years=years)
    return Reply(text, main_menu(t))


async def apply_command(update: Update, context: BotContext) -> None:
    """/apply and «📝 Apply»: start the business plan, or continue it where it stopped."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return
    try:
        replies = await _open_plan(context, user.id)
    except StaleDataError:  # another instance resumed this plan at the same moment
        replies = await where_the_run_stands(context, user.id)
    await send_replies(context, chat.id, replies)


async def _open_plan(context: BotContext, user_id: int) -> list[Reply]:
    t = context.t
    async with context.session() as session:
        submitted = await open_application_of_user(session, user_id)
        if submitted is not None:
            replies = [
                Reply(
                    t.gettext(
                        "You already have an open application {ref}. A family can have only one "
                        "open application at a time; see «📄 My application» for its status."
                    ).format(ref=submitted.ref or "—"),
                    main_menu(t),
                )
            ]
        else:
            resumed = await open_run(session, user_id, PLAN_FORM_ID) is not None
            draft = await draft_of_user(session, user_id)
            # A check finished after the plan was started still fills its open questions.
            check = await latest_finished_check(session, user_id)
            prefill: dict[str, Any] = prefill_from_check(check.answers) if check else {}
            if draft is None:
                draft = await create_draft(
                    session,
                    user_id,
                    context.language,
                    eligibility_check_id=check.id if check else None,
                    priority_score=check.priority_score if check else 0,
                )
            elif check is not None and draft.eligibility_check_id != check.id:
                draft.eligibility_check_id = check.id
                draft.priority_score = check.priority_score
            run = await open_form(
                session, user_id, PLAN_FORM_ID, prefill=prefill, subject_id=draft.id
            )
            first = (
                Reply(t.gettext("Welcome back! We continue where you stopped."), main_menu(t))
                if resumed
                else _intro(context)
            )
            replies = [first, *current_replies(context, run)]
    return replies
