"""BotContext: the CallbackContext with typed services, the language and a unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import Application, CallbackContext, ExtBot

from bot.i18n import Translator
from bot.services import BotData, Services
from db.models import MessageLog
from db.repo.messages import add_entries


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """One per update. The group -1 handler fills `language` and the pending inbound log row."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.language: str = application.bot_data.services.settings.default_language
        # False while the family has not picked a language (we speak the pre-selected one).
        self.language_chosen = False
        self.pending_log: list[MessageLog] = []
        # False only for a user known to be a family: staff-only input consumers skip them.
        self.is_staff = True
        # False only for a user known to have no submitted application (no caseworker waits).
        self.has_case = True

    @property
    def services(self) -> Services:
        return self.bot_data.services

    @property
    def t(self) -> Translator:
        """Gettext and Babel formatting in the user's language."""
        return self.services.i18n.get(self.language)

    def _(self, message: str) -> str:
        """Translate a literal msgid into the user's language."""
        return self.t.gettext(message)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """The handler's unit of work; the update's inbound log row commits with it.

        Commit happens when the block exits, before the handler sends its reply, so a crash after
        the reply can never lose an answer the user already saw acknowledged.
        """
        async with self.services.sessions() as session, session.begin():
            if self.pending_log:
                add_entries(session, self.pending_log)
            yield session
        self.pending_log = []

    async def save_inbound(self) -> None:
        """Commit the inbound log row now, for handlers that store nothing else before replying."""
        if self.pending_log:
            async with self.session():
                pass
