"""Caseworker tools: /queue with filters and pages, exports, /app, /find, /note, /stats."""

from __future__ import annotations

import asyncio
import re

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InputFile, Update
from telegram.error import BadRequest

from bot import callbacks
from bot.casework import actions, exports, render, stats
from bot.casework import queue as q
from bot.casework.permissions import Actor, Denial, visible_regions
from bot.context import BotContext
from bot.i18n import BISHKEK
from bot.regions import REGIONS
from db.models import Application, User
from db.repo import cases, conversations
from handlers.casework_common import (
    answer_query,
    denial_text,
    parsed_parts,
    problem_text,
    refuse,
    reply,
    sender_id,
)
from handlers.casework_review import send_details

CW = callbacks.CASEWORK
EXPORT_LIMIT = 20_000
_REF_RE = re.compile(r"^(?:SC-)?(?:\d{4}-)?\d{1,6}$", re.IGNORECASE)
_PIN_RE = re.compile(r"^[12]\d{13}$")


async def _staff(update: Update, context: BotContext, session: AsyncSession) -> Actor | None:
    """The sender as staff, or None after a polite refusal (logged)."""
    user_id = sender_id(update)
    actor = await actions.load_actor(session, user_id or 0)
    if not actor.is_staff:
        actions.log_refusal(actor, "staff tool", "-", "not staff")
        return None
    return actor


def _region_refused(actor: Actor | None, flt: q.QueueFilter) -> bool:
    """A caseworker asking for a region that is not theirs (forged or stale data)."""
    if actor is None or actor.is_admin or flt.region_code() is None:
        return False
    if flt.region in actor.regions:
        return False
    actions.log_refusal(actor, "queue or export", flt.region, "other_region")
    return True


async def _holders(session: AsyncSession, rows: list[Application]) -> dict[int, str]:
    names: dict[int, str] = {}
    for user_id in {a.assigned_to for a in rows if a.assigned_to}:
        assert user_id is not None
        names[user_id] = render.display_name(await session.get(User, user_id), user_id)
    return names


async def _page(
    session: AsyncSession, context: BotContext, actor: Actor, flt: q.QueueFilter
) -> tuple[str, object]:
    regions = visible_regions(actor, flt.region_code())
    rows, total = await cases.list_applications(
        session, flt.statuses(), regions, flt.page * q.PAGE_SIZE, q.PAGE_SIZE
    )
    holders = await _holders(session, rows)
    t = context.t
    return q.page_text(t, flt, rows, total, holders), q.page_keyboard(t, flt, rows, total)


async def show_queue(update: Update, context: BotContext) -> None:
    """/queue: applications waiting for the office in the caseworker's regions."""
    async with context.session() as session:
        actor = await _staff(update, context, session)
        if actor is not None:
            text, markup = await _page(session, context, actor, q.QueueFilter())
    if actor is None:
        await refuse(update, context, denial_text(context.t, None))
        return
    if not actor.is_admin and not actor.regions:
        await reply(
            update, context, context._("No region is assigned to you yet. Please ask an admin.")
        )
        return
    await reply(update, context, text, reply_markup=markup)


async def turn_queue_page(update: Update, context: BotContext) -> None:
    """◀️ ▶️ and the filter choices: the queue message is edited in place."""
    query = update.callback_query
    parsed = callbacks.parse(query.data if query else None)
    flt = q.parse_filter(parsed.parts[1:]) if parsed and parsed.parts else None
    if query is None or parsed is None or flt is None:
        await answer_query(update, context._("This button is no longer valid."))
        return
    verb = parsed.parts[0]
    async with context.session() as session:
        actor = await _staff(update, context, session)
        refused = _region_refused(actor, flt)
        if actor is not None and verb == "q" and not refused:
            text, markup = await _page(session, context, actor, flt)
    if actor is None or refused:
        await refuse(
            update, context, denial_text(context.t, Denial.OTHER_REGION if refused else None)
        )
        return
    await query.answer()
    try:
        if verb == "qs":
            await query.edit_message_reply_markup(q.status_chooser(context.t, flt))
        elif verb == "qr":
            regions = [r.code for r in REGIONS if actor.is_admin or r.code in actor.regions]
            await query.edit_message_reply_markup(q.region_chooser(context.t, flt, regions))
        else:
            await query.edit_message_text(text, reply_markup=markup)  # type: ignore[arg-type]
    except BadRequest as exc:  # "message is not modified": the same page pressed twice
        if "not modified" not in str(exc):
            raise


async def export_queue(update: Update, context: BotContext) -> None:
    """⬇️ CSV / XLSX of the filtered list (every page), sent as a document."""
    parts = parsed_parts(update, CW, "x", 3)
    flt = q.parse_filter(parts[1:]) if parts else None
    fmt = parts[0] if parts else ""
    user_id = sender_id(update)
    if flt is None or fmt not in ("csv", "xlsx") or user_id is None:
        await answer_query(update, context._("This button is no longer valid."))
        return
    async with context.session() as session:
        actor = await _staff(update, context, session)
        refused = _region_refused(actor, flt)
        if actor is not None and not refused:
            regions = visible_regions(actor, flt.region_code())
            data = await exports.load(session, flt.statuses(), regions, EXPORT_LIMIT)
    if actor is None or refused:
        await refuse(
            update, context, denial_text(context.t, Denial.OTHER_REGION if refused else None)
        )
        return
    await answer_query(update, context._("Preparing the file…"))
    stamp = context.services.now().astimezone(BISHKEK).strftime("%Y%m%d-%H%M")
    stem = f"applications-{flt.status}-{flt.region}-{stamp}"
    # 20,000 rows take about half a second to build: in a thread, so other chats get answers.
    export = await asyncio.to_thread(exports.build, context.t, fmt, data, stem)
    count = len(data.applications)
    caption = context.t.ngettext("{count} application", "{count} applications", count).format(
        count=count
    )
    await context.bot.send_document(
        user_id, InputFile(export.content, filename=export.file_name), caption=caption
    )


async def show_application(update: Update, context: BotContext) -> None:
    """/app <ref>: details, answers, eligibility, documents, history and transcript."""
    user_id = sender_id(update)
    args = context.args or []
    if user_id is None:
        return
    if len(args) != 1 or not _REF_RE.match(args[0]):
        await reply(update, context, context._("Usage: /app SC-2026-000123"))
        return
    async with context.session() as session:
        actor = await _staff(update, context, session)
        found = await _by_ref(session, args[0]) if actor else None
    if actor is None:
        await refuse(update, context, denial_text(context.t, None))
        return
    if found is None:
        await reply(update, context, context._("Application not found."))
        return
    await send_details(update, context, user_id, found.id)


async def _by_ref(session: AsyncSession, text: str) -> Application | None:
    text = text.upper()
    if text.startswith("SC-") and text.count("-") == 2:
        return await cases.by_ref(session, text)
    number = text.rsplit("-", 1)[-1]
    matches = await cases.find(session, regions=None, ref=f"-{int(number):06d}", limit=2)
    return matches[0] if len(matches) == 1 else None


async def find_applications(update: Update, context: BotContext) -> None:
    """/find <PIN | phone | reference>; without an argument, asks for it."""
    user_id = sender_id(update)
    if user_id is None:
        return
    query = " ".join(context.args or []).strip()
    if query:
        await run_find(update, context, user_id, query)
        return
    async with context.session() as session:
        actor = await _staff(update, context, session)
        if actor is not None:
            await conversations.set_pending_input(
                session, user_id, "find", now=context.services.now()
            )
    if actor is None:
        await refuse(update, context, denial_text(context.t, None))
        return
    await reply(update, context, context._("Send a PIN, a phone number or a reference."))


def normalise_phone(text: str) -> str | None:
    digits = re.sub(r"[\s\-()+]", "", text)
    if not digits.isdigit():
        return None
    if digits.startswith("996") and len(digits) == 12:
        return "+" + digits
    if digits.startswith("0") and len(digits) == 10:
        return "+996" + digits[1:]
    if len(digits) == 9:
        return "+996" + digits
    return None


async def run_find(update: Update, context: BotContext, user_id: int, text: str) -> None:
    """Search in the regions the caseworker serves (admins: everywhere)."""
    text = text.strip()
    async with context.session() as session:
        await conversations.clear_pending_input(session, user_id)
        actor = await _staff(update, context, session)
        found: list[Application] = []
        if actor is not None:
            regions = visible_regions(actor, None)
            if _PIN_RE.match(text):
                found = await cases.find(session, regions=regions, pin=text)
            elif _REF_RE.match(text):
                number = text.upper().rsplit("-", 1)[-1]
                found = await cases.find(session, regions=regions, ref=f"-{int(number):06d}")
            elif (phone := normalise_phone(text)) is not None:
                found = await cases.find(session, regions=regions, phone=phone)
            holders = await _holders(session, found)
    if actor is None:
        await refuse(update, context, denial_text(context.t, None))
        return
    if not found:
        await reply(update, context, context._("Nothing found."))
        return
    t = context.t
    lines = [t.gettext("🔎 Found:")]
    for app in found:
        holder = holders.get(app.assigned_to or 0)
        line = f"• {app.ref} · {render.status_text(t, app.status)} · {app.full_name or '—'}"
        lines.append(line + (f" · 👷 {holder}" if holder else ""))
    markup = q.InlineKeyboardMarkup(
        [
            [q.button(f"🔍 {app.ref}", callbacks.build(CW, "v", app.id))]
            for app in found[: q.PAGE_SIZE]
        ]
    )
    await reply(update, context, "\n".join(lines), reply_markup=markup)


async def add_note(update: Update, context: BotContext) -> None:
    """/note <ref> <text>: an internal note (the family never sees it)."""
    user_id = sender_id(update)
    args = context.args or []
    if user_id is None:
        return
    if len(args) < 2 or not _REF_RE.match(args[0]):
        await reply(update, context, context._("Usage: /note SC-2026-000123 your note"))
        return
    text = " ".join(args[1:]).strip()[:4000]
    async with context.session() as session:
        actor = await _staff(update, context, session)
        application = await _by_ref(session, args[0]) if actor else None
        result = (
            await actions.view(session, actor, application.id)
            if actor is not None and application is not None
            else None
        )
        if result is not None and result.ok and application is not None:
            conversations.add_note(session, application.id, user_id, text)
    if actor is None:
        await refuse(update, context, denial_text(context.t, None))
        return
    if result is None or application is None:
        await reply(update, context, context._("Application not found."))
        return
    if not result.ok:
        await reply(update, context, problem_text(context.t, result))
        return
    await reply(
        update,
        context,
        context._("🗒 Note saved on {ref}.").format(ref=render.reference(application)),
    )


async def show_stats(update: Update, context: BotContext) -> None:
    """/stats: counts by region and status, and the same as a chart."""
    user_id = sender_id(update)
    if user_id is None:
        return
    async with context.session() as session:
        actor = await _staff(update, context, session)
        counts = await cases.counts(session, visible_regions(actor, None)) if actor else {}
    if actor is None:
        await refuse(update, context, denial_text(context.t, None))
        return
    await reply(update, context, stats.table_text(context.t, counts))
    if counts:
        png = await asyncio.to_thread(stats.chart_png, context.t, counts)
        await context.bot.send_photo(user_id, InputFile(png, filename="stats.png"))
