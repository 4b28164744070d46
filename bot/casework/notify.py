"""Notifications to caseworkers. Called by the business-plan flow after a submission commits."""

from __future__ import annotations

from telegram import Bot

from bot.services import Services


async def notify_new_submission(bot: Bot, services: Services, application_id: int) -> None:
    """Tell the caseworkers of the application's region (or the admins) about it.

    Placeholder until the casework feature lands; the submission flow already calls it.
    """
    return None
