"""Updates that Telegram delivers twice are applied once.

After a crash the getUpdates offset may not be confirmed yet (or a webhook answer was lost), so
Telegram sends the same update again. Its inbound log row, committed together with the answer it
carried, tells us it was processed. Applying it again would put the same answer into the NEXT
question, so it is skipped. If the bot died before its reply went out, the family would be left
waiting: then the current question of its open questionnaire is sent again.
"""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import BotContext
from db.repo.forms import active_run
from db.repo.messages import answered_after, redelivery_of
from handlers.forms import current_replies, send_replies

_LOG = logging.getLogger(__name__)


async def is_redelivery(update: Update, context: BotContext) -> bool:
    """True if this update was already processed (then it must not be processed again)."""
    user = update.effective_user
    async with context.services.transaction() as session:
        prior = await redelivery_of(session, update.update_id)
        if prior is None:
            return False
        log_id, chat_id = prior
        answered = await answered_after(session, chat_id, log_id)
        run = None if answered or user is None else await active_run(session, user.id)
    _LOG.warning("update %s was delivered again; not applying it twice", update.update_id)
    if run is not None:
        await send_replies(context, chat_id, current_replies(context, run))
    return True
