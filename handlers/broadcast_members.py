"""A family blocks or unblocks the bot: Telegram says so with a my_chat_member update.

Blocked families are left out of later broadcasts; unblocking (or simply writing again, see
db/repo/users.upsert_user) brings them back. Without this, we would only learn of a block
from a failed send.
"""

from __future__ import annotations

from telegram import ChatMember, Update

from bot.context import BotContext
from db.repo.users import get_user, mark_blocked


async def track_membership(update: Update, context: BotContext) -> None:
    """my_chat_member in a private chat: "kicked" means blocked, "member" means back."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    blocked = change.new_chat_member.status == ChatMember.BANNED
    async with context.session() as session:
        if await get_user(session, change.chat.id) is not None:
            await mark_blocked(session, change.chat.id, blocked)
    # The next message from them must reach upsert_user (which un-blocks), not the cache.
    context.services.users.pop(change.chat.id, None)
