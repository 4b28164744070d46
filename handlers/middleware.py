"""Handlers that run around every update: who is this user, and log what they sent."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext
from bot.i18n import negotiate
from bot.transcript import inbound_entry
from db.enums import Role
from db.repo import users as user_repo
from db.repo.messages import add_entries
from db.repo.users import Profile, current_profile, upsert_user
from handlers.redelivery import is_redelivery

_LOG = logging.getLogger(__name__)


async def track_user(update: Update, context: BotContext) -> None:
    """Group -1: upsert the user (once per cache period), pick the language, stage the log row."""
    user = update.effective_user
    if user is not None and not context.services.flood.allow(user.id):
        await _refuse_flood(update, context)
        raise ApplicationHandlerStop  # neither answered nor logged: it is noise
    entry = inbound_entry(update)
    if user is None:
        if entry is not None:
            context.pending_log.append(entry)
        return
    services = context.services
    cached = services.cached_user(user.id)
    if cached is None:
        names = (user.first_name or "", user.last_name, user.username)
        admin_ids = services.settings.admin_ids
        # Usually nothing about the user changed: one read without a transaction.
        async with services.reading() as connection:
            known = await current_profile(connection, user.id, *names, admin_ids=admin_ids)
        if known is None:
            async with services.transaction() as session:
                row = await upsert_user(session, user.id, *names, admin_ids=admin_ids)
                known = Profile(row.language, row.role, await user_repo.has_case(session, user.id))
        language, has_case = known.language, known.has_case
        staff = known.role is not Role.APPLICANT
        services.remember_user(user.id, language, staff=staff, has_case=has_case)
    else:
        language, staff, has_case = cached.language, cached.staff, cached.has_case
    context.is_staff = staff
    context.has_case = has_case
    context.language_chosen = language is not None
    context.language = (
        language or negotiate(user.language_code) or services.settings.default_language
    )
    if entry is not None:
        if services.may_be_redelivered(update.update_id) and await is_redelivery(update, context):
            raise ApplicationHandlerStop  # applied once already; see handlers/redelivery.py
        context.pending_log.append(entry)


async def _refuse_flood(update: Update, context: BotContext) -> None:
    """Tell a flooding user once per quiet period to slow down, in their language."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or not context.services.flood.should_notify(user.id):
        return
    cached = context.services.cached_user(user.id)
    language = (cached.language if cached else None) or negotiate(user.language_code)
    context.language = language or context.services.settings.default_language
    _LOG.warning("flood: dropping updates from user %s", user.id)
    try:
        await context.bot.send_message(
            chat.id,
            context._("You are sending messages too fast. Please wait a little, then go on."),
        )
    except TelegramError:
        _LOG.warning("could not send the flood notice to user %s", user.id)


async def flush_inbound_log(update: Update, context: BotContext) -> None:
    """Group 1: log the inbound message if no handler's unit of work already did."""
    if not context.pending_log:
        return
    entries, context.pending_log = context.pending_log, []
    try:
        async with context.services.transaction() as session:
            add_entries(session, entries)
    except Exception:
        # After a handler failed (say, the database was busy) the family already got one
        # apology from the error handler; a failing log write must not send a second.
        _LOG.exception("could not log the inbound message of update %s", update.update_id)
