"""Updates that Telegram delivers twice are applied once.

After a crash the next process hands over again the updates the dead one had taken and not
finished (bot/polling.py keeps them in the update_inbox table until their handler has finished;
Telegram itself resends a batch whose offset was not confirmed yet, and a webhook retries a
request whose answer was lost). Such an update's inbound log row, committed with the answer it
carried, tells us it was processed. Applying it again would put the same answer into the NEXT
question, so it is skipped.

If the bot died before its reply went out, the family would be left waiting: then the current
question of its open questionnaire is sent again, or, when that answer completed the
eligibility check, the check's verdict. Not when the family has sent anything after this
update: that update's own reply shows where it stands, and a family that had received the
question from the process that died (its log row not written yet) and already answered it
would, seeing it again, answer twice, the second answer landing on the next question. Telegram
returns at most 100 updates per poll, so the decision waits until the backlog has been seen.
Whatever the family did since, a submitted application whose PDF the dead process never
stored gets it then (handlers/plan_pdf.py).
"""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import BotContext
from bot.polling import backlog_fetched, newer_update_seen
from db.repo.forms import active_run
from db.repo.messages import answered_after, redelivery_of
from handlers.eligibility import unseen_verdict
from handlers.forms import current_replies, send_replies
from handlers.forms_registry import Reply
from handlers.plan_pdf import finish_unfinished

_LOG = logging.getLogger(__name__)

BACKLOG_WAIT = 60.0  # seconds; after that, decide with what has been seen


async def is_redelivery(update: Update, context: BotContext) -> bool:
    """True if this update was already processed (then it must not be processed again)."""
    async with context.services.transaction() as session:
        prior = await redelivery_of(session, update.update_id)
    if prior is None:
        return False
    _LOG.warning("update %s was delivered again; not applying it twice", update.update_id)
    if update.effective_user is not None:
        log_id, chat_id = prior
        # A task of its own: it waits for the backlog, and the family's next update (in that
        # backlog, perhaps) must not wait behind it in the chat's order.
        context.application.create_task(
            resend_if_still_waiting(update, context, log_id, chat_id), update=update
        )
    return True


async def resend_if_still_waiting(
    update: Update, context: BotContext, log_id: int, chat_id: int
) -> None:
    """Send the family where it stands, unless its reply went out or it has written since."""
    user = update.effective_user
    if user is None:
        return
    app = context.application
    await backlog_fetched(app, BACKLOG_WAIT)
    # Whatever the family did since: a submission whose PDF was never stored gets it now.
    await finish_unfinished(context, user.id)
    if newer_update_seen(app, chat_id, update.update_id):
        return
    async with context.services.transaction() as session:
        answered = await answered_after(session, chat_id, log_id)
        run = None if answered else await active_run(session, user.id)
        verdict: Reply | None = None
        if run is None:
            # Not gated on `answered`: the press that completes the check edits its question
            # (the tick) before the verdict is sent, and that edit is logged.
            verdict = await unseen_verdict(session, context, user.id)
    if run is not None:
        await send_replies(context, chat_id, current_replies(context, run))
    elif verdict is not None:
        await send_replies(context, chat_id, [verdict])
