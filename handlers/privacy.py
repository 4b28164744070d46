"""/mydata: a family's copy of everything stored about it, and its business plan PDF again."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks
from bot.context import BotContext
from bot.i18n import Translator
from bot.privacy import export
from bot.privacy.service import export_family
from bot.privacy.summary import plan_pdfs, summary_messages
from db.repo.privacy import family_document
from handlers.forms_registry import flow_of

_LOG = logging.getLogger(__name__)

RESEND_PDF = "pdf"  # pv:pdf:<document id>
MAX_ID_DIGITS = 18


def _form_titles(t: Translator, form_ids: set[str]) -> dict[str, str]:
    """Questionnaire names in the family's language (the forms declare their msgids)."""
    titles = {}
    for form_id in form_ids:
        flow = flow_of(form_id)
        titles[form_id] = t.gettext(flow.form.title) if flow is not None else form_id
    return titles


def _pdf_button(t: Translator, document_id: int) -> InlineKeyboardMarkup:
    data = callbacks.build(callbacks.PRIVACY, RESEND_PDF, document_id)
    text = t.gettext("📄 Send the business plan PDF again")
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data)]])


async def send_my_data(update: Update, context: BotContext) -> None:
    """/mydata: the JSON file with every stored row, then a short summary in the chat."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    t = context.t
    async with context.session() as session:
        data = await export_family(session, user.id)
    doc = export.document(
        data,
        user_id=user.id,
        generated_at=context.services.now(),
        readme=t.gettext(
            "Everything the «Social contract» bot stores about you, table by table. Times are "
            "in UTC. File contents (the business plan PDF) are not included: the bot sends "
            "them again on request."
        ),
        language=context.language,
    )
    await context.bot.send_document(
        chat.id,
        export.to_bytes(doc),
        filename=f"my-data-{user.id}.json",
        caption=t.gettext("All data the bot stores about you (JSON file)."),
    )
    titles = _form_titles(t, {str(r.get("form_id")) for r in data.get("form_runs", [])})
    messages = summary_messages(t, data, titles)
    pdfs = plan_pdfs(data)
    for index, text in enumerate(messages):
        last = index == len(messages) - 1
        markup = _pdf_button(t, int(pdfs[-1]["id"])) if last and pdfs else None
        await context.bot.send_message(chat.id, text, reply_markup=markup)


def _document_id(data: str | None) -> int | None:
    """The id of pv:pdf:<id>, or None for anything else (forged, old)."""
    parsed = callbacks.parse(data)
    if parsed is None or len(parsed.parts) != 2 or parsed.parts[0] != RESEND_PDF:
        return None
    text = parsed.parts[1]
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_ID_DIGITS:
        return None
    return int(text)


async def resend_plan_pdf(update: Update, context: BotContext) -> None:
    """The PDF button under the summary: only the family's own document."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    document_id = _document_id(query.data)
    async with context.session() as session:
        document = (
            await family_document(session, user.id, document_id)
            if document_id is not None
            else None
        )
    source = (document.telegram_file_id or document.content) if document is not None else None
    if document is None or source is None:
        await query.answer(context._("This button is no longer valid. Please send /mydata again."))
        return
    await query.answer()
    await context.bot.send_document(
        chat.id, source, filename=document.file_name or "business-plan.pdf"
    )
