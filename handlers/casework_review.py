"""Caseworker buttons on an application: take, decide, ask, message, details, documents.

Every press re-reads the presser's role and regions and the application's state in its unit
of work (bot.casework.actions); callback data only names what was pressed.
"""

from __future__ import annotations

from telegram import InputFile, Update

from bot import callbacks
from bot.casework import actions, details, keyboards, notify, render
from bot.casework.actions import Problem, Result
from bot.context import BotContext
from bot.i18n import N_
from bot.lifecycle_text import ADVANCE_LABELS
from db.enums import Status
from db.models import Document
from db.repo import cases, conversations
from db.repo.users import get_user
from handlers.casework_common import (
    answer_query,
    parse_id,
    parse_status,
    parsed_parts,
    problem_text,
    refuse,
    reply,
    send_card,
    sender_id,
)

CW = callbacks.CASEWORK
# What the confirmation question names (the decision buttons' own words).
CONFIRM_LABELS = {**ADVANCE_LABELS, Status.APPROVED: N_("✅ Approve")}
# Typed input the caseworker is asked for after a press (stored in pending_inputs).
ASK_KIND = {"rj": "reject_reason", "ri": "info_question", "m": "relay", "n": "note"}


def _one_id(update: Update, verb: str) -> int | None:
    parts = parsed_parts(update, CW, verb, 1)
    return parse_id(parts[0]) if parts else None


async def _invalid(update: Update, context: BotContext) -> None:
    await answer_query(update, context._("This button is no longer valid."))


async def after_change(context: BotContext, result: Result, reason: str | None = None) -> None:
    """After the commit: the family hears of the new status, other staff see who took it."""
    application = result.application
    if application is None:
        return
    # One message per status change (a decision on a new application is two: "under review",
    # then the decision); the reason goes with the last.
    for number, (_, target) in enumerate(result.changes, 1):
        last = number == len(result.changes)
        await notify.notify_family_status(
            context.bot, context.services, application.id, reason if last else None, target
        )
    if result.took:
        await notify.refresh_notices(context.bot, context.services, application.id)


async def take_application(update: Update, context: BotContext) -> None:
    """🙋 Take: exactly one of two caseworkers pressing at once gets the application."""
    application_id, user_id = _one_id(update, "tk"), sender_id(update)
    if application_id is None or user_id is None:
        await _invalid(update, context)
        return
    async with context.session() as session:
        actor = await actions.load_actor(session, user_id)
        result = await actions.take(session, actor, application_id)
        holder = (
            await actions.holder_of(session, result.application) if result.application else None
        )
    if not result.ok or result.application is None:
        await refuse(update, context, problem_text(context.t, result))
        return
    await answer_query(
        update, context._("You took {ref}.").format(ref=render.reference(result.application))
    )
    await send_card(context, user_id, result.application, holder, actor)
    await after_change(context, result)


async def ask_move(update: Update, context: BotContext) -> None:
    """✅ Approve, ✍️ Contract signed, ...: ask to confirm (a decision reaches the family)."""
    parts, user_id = parsed_parts(update, CW, "to", 2), sender_id(update)
    application_id = parse_id(parts[0]) if parts else None
    target = parse_status(parts[1]) if parts else None
    if application_id is None or target is None or user_id is None:
        await _invalid(update, context)
        return
    async with context.session() as session:
        actor = await actions.load_actor(session, user_id)
        result = await actions.may_act(session, actor, application_id, f"ask {target}")
    application = result.application
    if result.ok and application and not actions.movable(application.status, target, actor.role):
        result.problem = Problem.INVALID
    if not result.ok or application is None:
        await refuse(update, context, problem_text(context.t, result))
        return
    await answer_query(update)
    label = context._(CONFIRM_LABELS.get(target, ADVANCE_LABELS[Status.IN_REVIEW]))
    text = context._("{action}: {ref}?\nThe family will be notified at once.").format(
        action=label, ref=render.reference(application)
    )
    await reply(
        update,
        context,
        text,
        reply_markup=keyboards.confirm_move(context.t, application.id, target),
    )


async def confirm_move(update: Update, context: BotContext) -> None:
    """✔️ Yes, confirm: make the status change and tell the family."""
    parts, user_id = parsed_parts(update, CW, "ok", 2), sender_id(update)
    application_id = parse_id(parts[0]) if parts else None
    target = parse_status(parts[1]) if parts else None
    query = update.callback_query
    if application_id is None or target is None or user_id is None or query is None:
        await _invalid(update, context)
        return
    if target in (Status.REJECTED, Status.NEEDS_INFO):  # these need the typed reason
        await _invalid(update, context)
        return
    async with context.session() as session:
        actor = await actions.load_actor(session, user_id)
        result = await actions.move(session, actor, application_id, target)
        holder = (
            await actions.holder_of(session, result.application) if result.application else None
        )
    if not result.ok or result.application is None:
        await refuse(update, context, problem_text(context.t, result))
        return
    await answer_query(update)
    done = context._("Done: {ref} is now «{status}».").format(
        ref=render.reference(result.application),
        status=render.status_text(context.t, result.application.status),
    )
    await query.edit_message_text(done)
    await send_card(context, user_id, result.application, holder, actor)
    await after_change(context, result)


async def ask_typed_input(update: Update, context: BotContext) -> None:
    """❌ Reject, ❓ Request info, ✉️ Message family, 🗒 Note: ask for the text first."""
    query, user_id = update.callback_query, sender_id(update)
    parsed = callbacks.parse(query.data if query else None)
    verb = parsed.parts[0] if parsed and parsed.parts else ""
    application_id = _one_id(update, verb) if verb in ASK_KIND else None
    if application_id is None or user_id is None:
        await _invalid(update, context)
        return
    kind = ASK_KIND[verb]
    needs = {"reject_reason": Status.REJECTED, "info_question": Status.NEEDS_INFO}
    async with context.session() as session:
        actor = await actions.load_actor(session, user_id)
        if kind == "note":
            result = await actions.view(session, actor, application_id)
        else:
            result = await actions.may_act(session, actor, application_id, f"ask {kind}")
        application = result.application
        if result.ok and application is not None:
            target = needs.get(kind)
            stuck = application.status in (Status.WITHDRAWN, Status.DRAFT)
            if (target and not actions.movable(application.status, target, actor.role)) or (
                kind == "relay" and stuck
            ):
                result.problem = Problem.INVALID
            else:
                await conversations.set_pending_input(
                    session, user_id, kind, application.id, now=context.services.now()
                )
    if not result.ok or application is None:
        await refuse(update, context, problem_text(context.t, result))
        return
    await answer_query(update)
    ref = render.reference(application)
    prompts = {
        "reject_reason": context._(
            "Write the reason for rejecting {ref}. The family will read it."
        ),
        "info_question": context._(
            "Write what is missing in {ref}. The family will read your question and can answer "
            "with text or a file."
        ),
        "relay": context._(
            "Write your message to the family of {ref} (text, photo or file). They will see it "
            "from the bot, signed «Social worker», never your account."
        ),
        "note": context._("Write an internal note for {ref}. The family never sees notes."),
    }
    await reply(
        update,
        context,
        prompts[kind].format(ref=ref),
        reply_markup=keyboards.cancel_input(context.t),
    )


async def cancel_input(update: Update, context: BotContext) -> None:
    """✖️ Cancel: forget the question asked (a reason, a message, a confirmation)."""
    query, user_id = update.callback_query, sender_id(update)
    if query is None or user_id is None:
        return
    async with context.session() as session:
        actor = await actions.load_actor(session, user_id)
        if actor.is_staff:  # only staff have typed prompts; a family's press is forged data
            await conversations.clear_pending_input(session, user_id)
    if not actor.is_staff:
        actions.log_refusal(actor, "cancel input", None, "not_staff")
        await _invalid(update, context)
        return
    await query.answer()
    await query.edit_message_text(context._("Cancelled."))


async def end_conversation(update: Update, context: BotContext) -> None:
    """🔚 End conversation: the family's messages stop going to the caseworker."""
    application_id, user_id = _one_id(update, "end"), sender_id(update)
    if application_id is None or user_id is None:
        await _invalid(update, context)
        return
    async with context.session() as session:
        actor = await actions.load_actor(session, user_id)
        result = await actions.may_act(session, actor, application_id, "end conversation")
        closed = False
        if result.ok and result.application is not None:
            closed = await conversations.close_conversation(
                session, application_id, context.services.now()
            )
    if not result.ok or result.application is None:
        await refuse(update, context, problem_text(context.t, result))
        return
    await answer_query(update, context._("Conversation ended."))
    if closed:
        family = result.application.user_id
        async with context.services.transaction() as session:
            person = await get_user(session, family)
        language = person.language if person else None
        t = notify.translator(context.services, language or result.application.language)
        await notify.send_text(
            context.bot,
            context.services,
            family,
            t.gettext(
                "The social worker ended the conversation about {ref}. You can see the status "
                "with «📄 My application»."
            ).format(ref=render.reference(result.application)),
        )


async def show_details(update: Update, context: BotContext) -> None:
    """🔍 Details: the card, then answers, eligibility, documents, history and transcript."""
    application_id, user_id = _one_id(update, "v"), sender_id(update)
    if application_id is None or user_id is None:
        await _invalid(update, context)
        return
    await send_details(update, context, user_id, application_id)


async def send_details(
    update: Update, context: BotContext, user_id: int, application_id: int
) -> None:
    """Shared by the Details button and /app."""
    async with context.session() as session:
        actor = await actions.load_actor(session, user_id)
        result = await actions.view(session, actor, application_id)
        info = (
            await details.load(
                session, context.t, result.application, context.services.program.grant_amount
            )
            if result.ok and result.application
            else None
        )
    if info is None:
        await refuse(update, context, problem_text(context.t, result))
        return
    await answer_query(update)
    await send_card(context, user_id, info.application, info.holder, actor)
    messages = render.split_messages(info.blocks)
    for number, text in enumerate(messages, 1):
        markup = (
            keyboards.documents(context.t, info.documents) if number == len(messages) else None
        )
        await context.bot.send_message(user_id, text, reply_markup=markup)


async def send_plan_pdf(update: Update, context: BotContext) -> None:
    """📎 Plan PDF: the generated business plan."""
    application_id, user_id = _one_id(update, "pdf"), sender_id(update)
    if application_id is None or user_id is None:
        await _invalid(update, context)
        return
    async with context.session() as session:
        actor = await actions.load_actor(session, user_id)
        result = await actions.view(session, actor, application_id)
        pdf = await cases.plan_pdf(session, application_id) if result.ok else None
    if not result.ok:
        await refuse(update, context, problem_text(context.t, result))
        return
    if pdf is None or not (pdf.telegram_file_id or pdf.content):
        await answer_query(update, context._("This application has no business-plan PDF."))
        return
    await answer_query(update)
    await send_stored_file(context, user_id, pdf)


async def send_document_file(update: Update, context: BotContext) -> None:
    """📎 a document of the application: re-checked against the document's application."""
    document_id, user_id = _one_id(update, "d"), sender_id(update)
    if document_id is None or user_id is None:
        await _invalid(update, context)
        return
    async with context.session() as session:
        actor = await actions.load_actor(session, user_id)
        document = await cases.document(session, document_id)
        if document is None:
            result = Result(problem=Problem.NOT_FOUND)
        else:
            result = await actions.view(session, actor, document.application_id)
    if not result.ok or document is None:
        await refuse(update, context, problem_text(context.t, result))
        return
    await answer_query(update)
    await send_stored_file(context, user_id, document)


async def send_stored_file(context: BotContext, chat_id: int, document: Document) -> None:
    """A stored document: by Telegram file id when we have one, else its bytes."""
    if document.telegram_file_id:
        # A compressed photo has no file name; Telegram refuses it as a document.
        if document.file_name is None and (document.mime_type or "").startswith("image/"):
            await context.bot.send_photo(chat_id, document.telegram_file_id)
        else:
            await context.bot.send_document(chat_id, document.telegram_file_id)
    elif document.content:
        name = document.file_name or "document.pdf"
        await context.bot.send_document(chat_id, InputFile(document.content, filename=name))
