"""The business plan's PDF, made after the family has been told its application went in.

A Submit press commits the submission and sends the confirmation at once; then the PDF is
rendered (by the worker process, while this update lends its slot to other families), sent to
the family, stored beside the application, and the caseworkers are notified. Rendering it
first made a family wait for every PDF queued before its own: at a wave of Submits, seconds.

The update is not finished until all of this is done, so a process that dies meanwhile gets
the Submit press again after its restart (the update inbox, or Telegram's webhook retry).
Then the press is not applied twice (handlers/redelivery.py), and `finish_unfinished` makes
the PDF that was never stored. A PDF sent but not yet stored when the process died is sent
once more: a family is better off with two copies than with none.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram.error import TelegramError

from bot.casework.notify import notify_new_submission
from bot.context import BotContext
from bot.plan.questions import PLAN_FORM_ID
from bot.plan.submission import store_plan_pdf
from bot.update_processor import slot_released
from db.enums import Status
from db.repo.applications import get_application, open_application_of_user
from db.repo.cases import plan_pdf
from db.repo.forms import completed_run_of_subject
from handlers.forms_registry import flow_of
from handlers.forms_state import result_of, state_of

_LOG = logging.getLogger(__name__)

# Applications whose PDF this process is making now: a redelivered press of the same family
# must not make it a second time meanwhile.
_IN_PROGRESS: set[int] = set()


@dataclass(frozen=True, slots=True)
class PlanToPrint:
    """What the PDF shows, as it was submitted."""

    application_id: int
    user_id: int  # also the private chat's id
    ref: str
    language: str
    submitted_at: datetime
    answers: dict[str, Any]
    prefilled: frozenset[str]


async def finish_submission(context: BotContext, plan: PlanToPrint, notify: bool = True) -> None:
    """The PDF to the family and into the application, then the caseworkers' notice."""
    if plan.application_id in _IN_PROGRESS:
        return
    _IN_PROGRESS.add(plan.application_id)
    try:
        await _print_and_send(context, plan)
    finally:
        _IN_PROGRESS.discard(plan.application_id)
    if not notify:
        return
    try:
        await notify_new_submission(context.bot, context.services, plan.application_id)
    except Exception:  # the family's submission stands even if a notification fails
        _LOG.exception("notifying caseworkers about application %s failed", plan.ref)


async def _print_and_send(context: BotContext, plan: PlanToPrint) -> None:
    services = context.services
    flow = flow_of(PLAN_FORM_ID)
    if flow is None:
        return
    t = services.i18n.get(plan.language)
    try:
        async with slot_released():  # the worker has its own queue; others go on meanwhile
            pdf = await services.pdf.render(
                t,
                flow.form,
                plan.answers,
                ref=plan.ref,
                submitted_at=plan.submitted_at,
                prefilled=plan.prefilled,
            )
    except Exception:  # the application stands; caseworkers still see every answer
        _LOG.exception("the PDF of application %s could not be made", plan.ref)
        return
    file_id: str | None = None
    try:
        message = await context.bot.send_document(
            plan.user_id,
            pdf,
            filename=f"{plan.ref}.pdf",
            caption=t.gettext("Business plan, application {ref}").format(ref=plan.ref),
        )
        file_id = message.document.file_id if message.document is not None else None
    except TelegramError:  # stored all the same: caseworkers need it, the family can ask
        _LOG.exception("the PDF of application %s could not be sent to the family", plan.ref)
    async with services.transaction() as session:
        application = await get_application(session, plan.application_id)
        if application is not None:
            await store_plan_pdf(session, application, pdf, file_id)


async def finish_unfinished(context: BotContext, user_id: int) -> None:
    """The family's submitted application without its PDF (the process died between the
    confirmation and storing the PDF): made and sent now."""
    flow = flow_of(PLAN_FORM_ID)
    if flow is None:
        return
    async with context.services.transaction() as session:
        application = await open_application_of_user(session, user_id)
        if (
            application is None
            or application.ref is None
            or application.submitted_at is None
            or await plan_pdf(session, application.id) is not None
        ):
            return
        run = await completed_run_of_subject(session, user_id, PLAN_FORM_ID, application.id)
        if run is None:
            return
        result = result_of(flow.form, run, state_of(run))
        plan = PlanToPrint(
            application.id,
            user_id,
            application.ref,
            application.language,
            application.submitted_at,
            result.answers,
            result.prefilled,
        )
        was_submitted = application.status is Status.SUBMITTED
    _LOG.warning("application %s has no PDF (the process died before it was stored)", plan.ref)
    # Once a caseworker has taken it, the new-submission notice would only confuse.
    await finish_submission(context, plan, notify=was_submitted)
