"""The steps of composing a broadcast, for typed input and for button presses.

Each step opens one unit of work, checks the presser is an admin and the draft is theirs and
still a draft, changes it, commits, and only then answers. A button from an old message (a
draft since replaced, a broadcast already finished) is refused politely.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Message, Update

from bot.broadcast.compose import (
    ComposeError,
    Step,
    check_attachment,
    check_text,
    parse_schedule,
    plain_length,
)
from bot.broadcast.content import DOCUMENT, PHOTO, content_for, send_content
from bot.broadcast.segments import Audience, AudienceError, AudienceKind
from bot.context import BotContext
from bot.i18n import LANGUAGES, N_
from db.enums import BroadcastState, Role
from db.models import Broadcast
from db.repo import broadcasts as repo
from db.repo.broadcast_audience import count_by_language
from db.repo.users import get_user
from handlers.broadcast_views import (
    attachment_keyboard,
    audience_keyboard,
    audience_of,
    summary_keyboard,
    summary_text,
    value_keyboard,
)


@dataclass(frozen=True, slots=True)
class Prompt:
    """What to say next, decided inside the unit of work, sent after it commits."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    summary: bool = False  # show the summary (recipients, time, confirm buttons) instead


async def is_admin(session: AsyncSession, user_id: int) -> bool:
    user = await get_user(session, user_id)
    return user is not None and user.role is Role.ADMIN


async def stale(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is not None:
        await query.answer(context._("This button is no longer valid."))


async def own_draft(
    session: AsyncSession, user_id: int, args: tuple[str, ...]
) -> Broadcast | None:
    """The draft a button names, if the presser is an admin and it is still their draft."""
    if not args or not args[0].isdigit() or not await is_admin(session, user_id):
        return None
    draft = await repo.get(session, int(args[0]))
    if draft is None or draft.created_by != user_id or draft.state is not BroadcastState.DRAFT:
        return None
    return draft


# -- typed input -----------------------------------------------------------------------------


def audience_prompt(context: BotContext, draft: Broadcast) -> Prompt:
    return Prompt(context._("Who should receive it?"), audience_keyboard(context.t, draft.id))


def take_input(context: BotContext, draft: Broadcast, message: Message) -> Prompt:
    """Apply the admin's message to the step the draft waits for; ComposeError if unusable."""
    step = Step(draft.step or "")
    if step is Step.SCHEDULE:
        draft.scheduled_at = parse_schedule(message.text or "", context.services.now()).at
        draft.step = None
        return Prompt("", summary=True)
    if step is Step.ATTACHMENT:
        if message.photo:
            draft.attachment_kind, draft.attachment_file_id = PHOTO, message.photo[-1].file_id
        elif message.document is not None:
            draft.attachment_kind, draft.attachment_file_id = DOCUMENT, message.document.file_id
        else:
            raise ComposeError(N_("Please send a photo or a document, or press Skip."))
        check_attachment([plain_length(t) for t in (draft.text_ky, draft.text_ru) if t])
        draft.step = None
        return audience_prompt(context, draft)
    if message.text is None:
        raise ComposeError(N_("Please send the announcement as text first."))
    check_text(message.text, with_attachment=False)
    html = message.text_html
    t = context.t
    if step is Step.TEXT_ALL:
        draft.text_ky = draft.text_ru = html
        draft.step = Step.ATTACHMENT
    elif step is Step.TEXT_KY:
        draft.text_ky = html
        draft.step = Step.TEXT_RU
        return Prompt(context._("Now send the same announcement in Russian."))
    else:
        draft.text_ru = html
        draft.step = Step.ATTACHMENT
    return Prompt(
        context._("Attach a photo or a document? Send it now, or press Skip to send text only."),
        attachment_keyboard(t, draft.id),
    )


async def show_preview(update: Update, context: BotContext, draft: Broadcast) -> None:
    """The message exactly as families get it (each language), then the exact count."""
    chat = update.effective_chat
    if chat is None:
        return
    languages = ("ky",) if draft.one_text else LANGUAGES
    for language in languages:
        await send_content(context.bot, chat.id, content_for(draft, language))
    await show_summary(update, context, draft.id)


async def show_summary(update: Update, context: BotContext, draft_id: int) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    default = context.services.settings.default_language
    async with context.session() as session:
        draft = await repo.get(session, draft_id)
        if draft is None:
            return
        audience = audience_of(draft)
        by_language = (
            await count_by_language(session, audience.kind, audience.value, default)
            if audience
            else {}
        )
    await context.bot.send_message(
        chat.id,
        summary_text(context.t, draft, by_language),
        reply_markup=summary_keyboard(context.t, draft, sum(by_language.values())),
    )


# -- buttons ---------------------------------------------------------------------------------


async def edit_query(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_text(text, reply_markup=markup)


async def choose_mode(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """Separate Kyrgyz and Russian texts, or one text for everyone."""
    user = update.effective_user
    if user is None or len(args) != 2 or args[1] not in ("separate", "one"):
        await stale(update, context)
        return
    async with context.session() as session:
        draft = await own_draft(session, user.id, args)
        if draft is not None:
            draft.one_text = args[1] == "one"
            draft.step = Step.TEXT_ALL if draft.one_text else Step.TEXT_KY
            draft.updated_at = context.services.now()
    if draft is None:
        await stale(update, context)
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    if draft.one_text:
        text = context._("Send the announcement text. It goes to every family as it is.")
    else:
        text = context._("Send the announcement in Kyrgyz.")
    await edit_query(update, text)


async def skip_attachment(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """No photo or document: go on to the audience."""
    user = update.effective_user
    if user is None:
        return
    async with context.session() as session:
        draft = await own_draft(session, user.id, args)
        if draft is not None and draft.step == Step.ATTACHMENT:
            draft.step = None
            draft.attachment_kind = draft.attachment_file_id = None
            draft.updated_at = context.services.now()
        else:
            draft = None
    if draft is None:
        await stale(update, context)
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    prompt = audience_prompt(context, draft)
    await edit_query(update, prompt.text, prompt.markup)


async def choose_audience(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """An audience kind; those that need a value (language, region, status) ask for it."""
    user = update.effective_user
    try:
        kind = AudienceKind(args[1] if len(args) == 2 else "")
    except ValueError:
        await stale(update, context)
        return
    if user is None:
        return
    if kind in (AudienceKind.LANGUAGE, AudienceKind.REGION, AudienceKind.STATUS):
        async with context.session() as session:
            draft = await own_draft(session, user.id, args)
        if draft is None or draft.step is not None:
            await stale(update, context)
            return
        await update.callback_query.answer()  # type: ignore[union-attr]
        await edit_query(
            update,
            context._("Choose one:"),
            value_keyboard(context.t, draft.id, kind),
        )
        return
    await _set_audience(update, context, args[0], Audience(kind))


async def choose_value(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """The language, region or status of the audience."""
    if len(args) != 3:
        await stale(update, context)
        return
    try:
        audience = Audience.parse(args[1], args[2])
    except AudienceError:
        await stale(update, context)
        return
    await _set_audience(update, context, args[0], audience)


async def _set_audience(
    update: Update, context: BotContext, draft_arg: str, audience: Audience
) -> None:
    user = update.effective_user
    if user is None:
        return
    async with context.session() as session:
        draft = await own_draft(session, user.id, (draft_arg,))
        if draft is not None and draft.step is None:
            draft.audience, draft.audience_value = audience.kind.value, audience.value
            draft.updated_at = context.services.now()
        else:
            draft = None
    if draft is None:
        await stale(update, context)
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    await edit_query(
        update,
        context._("Audience: {audience}").format(audience=audience.describe(context.t)),
    )
    await show_preview(update, context, draft)


async def change_audience(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """Back to the list of audiences."""
    user = update.effective_user
    if user is None:
        return
    async with context.session() as session:
        draft = await own_draft(session, user.id, args)
        if draft is not None:
            draft.step = None
            draft.updated_at = context.services.now()
    if draft is None or draft.text_ky is None:
        await stale(update, context)
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    prompt = audience_prompt(context, draft)
    await edit_query(update, prompt.text, prompt.markup)


async def ask_schedule(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """Ask for the date and time to send at."""
    user = update.effective_user
    if user is None:
        return
    async with context.session() as session:
        draft = await own_draft(session, user.id, args)
        if draft is not None and draft.audience:
            draft.step = Step.SCHEDULE
            draft.updated_at = context.services.now()
        else:
            draft = None
    if draft is None:
        await stale(update, context)
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    await edit_query(
        update,
        context._(
            "Send the date and time to send it at, in Bishkek time, like this: {example}"
        ).format(example="25.12.2026 14:30"),
    )


async def discard_draft(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """Throw the draft away; nothing was sent."""
    user = update.effective_user
    if user is None:
        return
    async with context.session() as session:
        draft = await own_draft(session, user.id, args)
        if draft is not None:
            await repo.discard_drafts(session, user.id)
    if draft is None:
        await stale(update, context)
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    await edit_query(update, context._("Broadcast discarded. Nothing was sent."))
