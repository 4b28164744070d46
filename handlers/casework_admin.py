"""Roles: /whoami for everyone; for admins /caseworkers, /addcaseworker, /invite, the region
picker and removal; and the invite deep link a future caseworker opens (/start inv_<token>)."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from telegram import Update
from telegram.error import BadRequest

from bot import callbacks
from bot.casework import actions, keyboards, notify, render
from bot.casework.permissions import Actor, Denial
from bot.casework.staff_commands import set_commands
from bot.context import BotContext
from bot.lifecycle import ACTIVE_STATUSES
from bot.regions import REGION_CODES, REGIONS
from db.enums import Role
from db.repo import cases, conversations, staff
from db.repo.users import get_user, set_language
from handlers.casework_common import (
    answer_query,
    denial_text,
    parse_id,
    parsed_parts,
    refuse,
    reply,
    sender_id,
)

_LOG = logging.getLogger(__name__)
ADM = callbacks.ADMIN
INVITE_PREFIX = "inv_"
INVITE_LIFETIME = timedelta(days=7)  # [assumed] long enough to reach a district office
ROLE_LABELS = {
    Role.APPLICANT: "👤",
    Role.CASEWORKER: "👷",
    Role.ADMIN: "🛡",
}


def _role_text(context: BotContext, role: Role) -> str:
    names = {
        Role.APPLICANT: context._("applicant (family)"),
        Role.CASEWORKER: context._("social worker"),
        Role.ADMIN: context._("administrator"),
    }
    return f"{ROLE_LABELS[role]} {names[role]}"


def _regions_text(context: BotContext, regions: frozenset[str]) -> str:
    names = [r.name(context.language) for r in REGIONS if r.code in regions]
    return ", ".join(names) if names else context._("none yet")


async def _admin(context: BotContext, user_id: int | None) -> Actor | None:
    async with context.session() as session:
        actor = await actions.load_actor(session, user_id or 0)
    if not actor.is_admin:
        actions.log_refusal(actor, "admin tool", "-", "not admin")
        return None
    return actor


async def show_whoami(update: Update, context: BotContext) -> None:
    """/whoami: the sender's id, role and (for caseworkers) regions."""
    user_id = sender_id(update)
    if user_id is None:
        return
    async with context.session() as session:
        actor = await actions.load_actor(session, user_id)
    lines = [
        context._("Your Telegram id: {id}").format(id=user_id),
        context._("Role: {role}").format(role=_role_text(context, actor.role)),
    ]
    if actor.role is Role.CASEWORKER:
        lines.append(
            context._("Regions: {regions}").format(regions=_regions_text(context, actor.regions))
        )
    await reply(update, context, "\n".join(lines))


async def list_caseworkers(update: Update, context: BotContext) -> None:
    """/caseworkers: everyone with their regions; buttons to edit, remove, add, invite."""
    if await _admin(context, sender_id(update)) is None:
        await refuse(update, context, denial_text(context.t, Denial.NOT_ADMIN))
        return
    async with context.session() as session:
        people = await staff.caseworkers(session)
    lines = [context._("👷 Caseworkers:")]
    if not people:
        lines.append(context._("None yet. Add one by user id or send an invite link."))
    for user, regions in people:
        lines.append(
            f"• {render.display_name(user)} · id {user.id} · {_regions_text(context, regions)}"
        )
    markup = keyboards.caseworker_list(
        context.t, [(u.id, render.display_name(u)) for u, _ in people]
    )
    await reply(update, context, "\n".join(lines), reply_markup=markup)


async def add_caseworker(update: Update, context: BotContext) -> None:
    """/addcaseworker <user id>; without one, asks for it (also the ➕ button)."""
    user_id = sender_id(update)
    if await _admin(context, user_id) is None or user_id is None:
        await refuse(update, context, denial_text(context.t, Denial.NOT_ADMIN))
        return
    await answer_query(update)
    args = context.args if update.callback_query is None else None
    if args:
        await add_caseworker_by_id(update, context, args[0])
        return
    async with context.session() as session:
        await conversations.set_pending_input(
            session, user_id, "add_caseworker", now=context.services.now()
        )
    await reply(
        update,
        context,
        context._(
            "Send the Telegram user id of the new caseworker (they can see it with /whoami)."
        ),
        reply_markup=keyboards.cancel_input(context.t),
    )


async def add_caseworker_by_id(update: Update, context: BotContext, text: str) -> None:
    """Make the user a caseworker, then show the region picker."""
    admin_id = sender_id(update)
    if await _admin(context, admin_id) is None or admin_id is None:
        await refuse(update, context, denial_text(context.t, Denial.NOT_ADMIN))
        return
    new_id = parse_id(text.strip())
    async with context.session() as session:
        await conversations.clear_pending_input(session, admin_id)
        if new_id is not None:
            user, _ = await staff.make_caseworker(session, new_id)
            role = user.role
            regions = await staff.regions_of(session, new_id)
    if new_id is None:
        await reply(update, context, context._("That is not a Telegram user id (digits only)."))
        return
    context.services.forget_user(new_id)  # its cached "family" flag is wrong now
    if role is Role.ADMIN:
        await reply(update, context, context._("This person is an administrator already."))
        return
    _LOG.info("admin %s made user %s a caseworker", admin_id, new_id)
    await reply(
        update,
        context,
        context._("User {id} is a caseworker now. Choose their regions:").format(id=new_id),
        reply_markup=keyboards.region_picker(context.t, new_id, regions),
    )


async def create_invite(update: Update, context: BotContext) -> None:
    """/invite and 🔗: a one-time deep link that makes whoever opens it a caseworker."""
    admin_id = sender_id(update)
    if await _admin(context, admin_id) is None or admin_id is None:
        await refuse(update, context, denial_text(context.t, Denial.NOT_ADMIN))
        return
    await answer_query(update)
    token = secrets.token_urlsafe(12)
    expires = context.services.now() + INVITE_LIFETIME
    async with context.session() as session:
        await staff.create_invite(session, token, admin_id, expires)
    link = f"https://t.me/{context.bot.username}?start={INVITE_PREFIX}{token}"
    await reply(
        update,
        context,
        context._(
            "🔗 Invite link for a new caseworker (works once, until {date}):\n{link}\n\n"
            "Send it to them privately. When they open it, you will choose their regions."
        ).format(date=context.t.datetime(expires), link=link),
    )


async def accept_invite(update: Update, context: BotContext) -> None:
    """/start inv_<token>: the link works once; the inviting admin then picks regions."""
    user = update.effective_user
    args = context.args or []
    if user is None or len(args) != 1 or not args[0].startswith(INVITE_PREFIX):
        return
    token = args[0][len(INVITE_PREFIX) :][:32]
    async with context.session() as session:
        actor = await actions.load_actor(session, user.id)
        invite = None
        if actor.role is Role.APPLICANT:
            invite = await staff.claim_invite(session, token, user.id, context.services.now())
            if invite is not None:
                await staff.make_caseworker(session, user.id)
                if not context.language_chosen:
                    # Staff messages arrive later, outside this chat's context: keep the
                    # language they speak now (they can change it with /language).
                    await set_language(session, user.id, context.language)
        admin = await get_user(session, invite.created_by) if invite else None
        me = await get_user(session, user.id)
    if actor.role is not Role.APPLICANT:
        await reply(update, context, context._("You already have a staff role."))
        return
    if invite is None:
        _LOG.warning("user %s opened an invalid or used invite link", user.id)
        await reply(update, context, context._("This invite link is not valid any more."))
        return
    context.services.remember_user(user.id, context.language, staff=True)
    _LOG.info("user %s accepted the invite of admin %s", user.id, invite.created_by)
    await reply(
        update,
        context,
        context._(
            "👷 Welcome! You are a social worker of the program now. An administrator will "
            "assign your regions; then /queue shows the applications."
        ),
    )
    await set_commands(context.bot, context.t, user.id, Role.CASEWORKER)
    t = notify.translator(context.services, admin.language if admin else None)
    await notify.send_text(
        context.bot,
        context.services,
        invite.created_by,
        t.gettext("{name} (id {id}) accepted your invite. Choose their regions:").format(
            name=render.display_name(me), id=user.id
        ),
        reply_markup=keyboards.region_picker(t, user.id, frozenset()),
    )


async def toggle_region(update: Update, context: BotContext) -> None:
    """A region button of the picker: add or remove it for that caseworker."""
    parts, admin_id = parsed_parts(update, ADM, "rg", 2), sender_id(update)
    target = parse_id(parts[0]) if parts else None
    region = parts[1] if parts else ""
    query = update.callback_query
    if target is None or region not in REGION_CODES or query is None or admin_id is None:
        await answer_query(update, context._("This button is no longer valid."))
        return
    if await _admin(context, admin_id) is None:
        await refuse(update, context, denial_text(context.t, Denial.NOT_ADMIN))
        return
    async with context.session() as session:
        person = await get_user(session, target)
        ok = person is not None and person.role is Role.CASEWORKER
        if ok:
            await staff.toggle_region(session, target, region, admin_id)
            regions = await staff.regions_of(session, target)
    if not ok:
        await refuse(update, context, context._("This person is not a caseworker."))
        return
    await query.answer()
    try:
        await query.edit_message_reply_markup(keyboards.region_picker(context.t, target, regions))
    except BadRequest as exc:
        if "not modified" not in str(exc):
            raise


async def finish_regions(update: Update, context: BotContext) -> None:
    """✔️ Done: confirm the regions and tell the caseworker."""
    parts, admin_id = parsed_parts(update, ADM, "ok", 1), sender_id(update)
    target = parse_id(parts[0]) if parts else None
    query = update.callback_query
    if target is None or query is None:
        await answer_query(update, context._("This button is no longer valid."))
        return
    if await _admin(context, admin_id) is None:
        await refuse(update, context, denial_text(context.t, Denial.NOT_ADMIN))
        return
    async with context.session() as session:
        person = await get_user(session, target)
        regions = await staff.regions_of(session, target)
    if person is None or person.role is not Role.CASEWORKER:
        await refuse(update, context, context._("This person is not a caseworker."))
        return
    await query.answer()
    await query.edit_message_text(
        context._("Regions of {name}: {regions}").format(
            name=render.display_name(person), regions=_regions_text(context, regions)
        )
    )
    t = notify.translator(context.services, person.language)
    names = ", ".join(r.name(t.language) for r in REGIONS if r.code in regions) or "—"
    await notify.send_text(
        context.bot,
        context.services,
        target,
        t.gettext(
            "👷 You are a social worker of the program for: {regions}. New applications of "
            "these regions will come here. /queue shows those waiting."
        ).format(regions=names),
    )
    await set_commands(context.bot, t, target, Role.CASEWORKER)


async def edit_regions(update: Update, context: BotContext) -> None:
    """✏️ next to a caseworker: the region picker."""
    parts = parsed_parts(update, ADM, "ed", 1)
    target = parse_id(parts[0]) if parts else None
    if target is None:
        await answer_query(update, context._("This button is no longer valid."))
        return
    if await _admin(context, sender_id(update)) is None:
        await refuse(update, context, denial_text(context.t, Denial.NOT_ADMIN))
        return
    async with context.session() as session:
        regions = await staff.regions_of(session, target)
    await answer_query(update)
    await reply(
        update,
        context,
        context._("Regions of caseworker {id}:").format(id=target),
        reply_markup=keyboards.region_picker(context.t, target, regions),
    )


async def ask_remove(update: Update, context: BotContext) -> None:
    """🗑: ask to confirm removing a caseworker."""
    parts = parsed_parts(update, ADM, "rm", 1)
    target = parse_id(parts[0]) if parts else None
    if target is None:
        await answer_query(update, context._("This button is no longer valid."))
        return
    if await _admin(context, sender_id(update)) is None:
        await refuse(update, context, denial_text(context.t, Denial.NOT_ADMIN))
        return
    await answer_query(update)
    await reply(
        update,
        context,
        context._("Remove caseworker {id}? Their open applications go back to the queue.").format(
            id=target
        ),
        reply_markup=keyboards.remove_confirm(context.t, target),
    )


async def confirm_remove(update: Update, context: BotContext) -> None:
    """Yes, remove: the role and regions go; their open applications return to the queue."""
    parts, admin_id = parsed_parts(update, ADM, "rmy", 1), sender_id(update)
    target = parse_id(parts[0]) if parts else None
    query = update.callback_query
    if target is None or query is None:
        await answer_query(update, context._("This button is no longer valid."))
        return
    if await _admin(context, admin_id) is None:
        await refuse(update, context, denial_text(context.t, Denial.NOT_ADMIN))
        return
    async with context.session() as session:
        removed = await staff.remove_caseworker(session, target)
        returned = await cases.unassign_all(session, target, ACTIVE_STATUSES) if removed else 0
        person = await get_user(session, target)
    if not removed:
        await query.answer(context._("This person is not a caseworker."), show_alert=True)
        return
    _LOG.info("admin %s removed caseworker %s (%d returned)", admin_id, target, returned)
    await query.answer()
    await query.edit_message_text(
        context.t.ngettext(
            "Caseworker {id} removed; {count} application returned to the queue.",
            "Caseworker {id} removed; {count} applications returned to the queue.",
            returned,
        ).format(id=target, count=returned)
    )
    t = notify.translator(context.services, person.language if person else None)
    await notify.send_text(
        context.bot,
        context.services,
        target,
        t.gettext("Your social worker access to the bot was removed."),
    )
    await set_commands(context.bot, t, target, Role.APPLICANT)
