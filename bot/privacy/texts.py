"""What the family reads about erasing its data: before, after, and when it cannot be done.

The facts come from PROGRAM.md (the contract's obligations) and retention.toml (how long, an
assumption marked there). Plain text: references are ours, nothing the family typed.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import Translator
from bot.privacy.service import AppRef, Assessment


def _refs(applications: Sequence[AppRef]) -> str:
    return ", ".join(a.ref or f"#{a.id}" for a in applications)


def erasure_question(t: Translator, found: Assessment, years: int) -> str:
    """The confirmation: what goes, what stays and why."""
    parts = [t.gettext("🗑 Erase my data")]
    if found.contracts:
        parts.append(
            t.ngettext(
                "You have signed a social contract (application {ref}). The contract has legal "
                "obligations: for {n} year the state must be able to check how the grant is "
                "used, and the aiyl okmotu monitors it. So the bot keeps this application: your "
                "name, PIN and phone, the business plan, its documents and its status history.",
                "You have signed a social contract (application {ref}). The contract has legal "
                "obligations: for {n} years the state must be able to check how the grant is "
                "used, and the aiyl okmotu monitors it. So the bot keeps this application: your "
                "name, PIN and phone, the business plan, its documents and its status history.",
                years,
            ).format(ref=_refs(found.contracts), n=years)
        )
        parts.append(
            t.gettext(
                "Everything else is erased: the history of this chat, eligibility checks, "
                "drafts and other applications, questionnaire answers and the announcements "
                "sent to you."
            )
        )
    else:
        parts.append(
            t.gettext(
                "If you confirm, the bot erases everything it stores about you: the history of "
                "this chat, eligibility checks, questionnaire answers, drafts, applications and "
                "their documents."
            )
        )
    if found.to_withdraw:
        parts.append(
            t.gettext(
                "Your open application {ref} is withdrawn first: the social worker will no "
                "longer review it."
            ).format(ref=_refs(found.to_withdraw))
        )
    if found.records:
        parts.append(
            t.gettext(
                "For the program's statistics, a note stays that application {ref} existed and "
                "what became of it, without your name, PIN, phone, answers or documents."
            ).format(ref=_refs(found.records))
        )
    parts.append(t.gettext("This cannot be undone. To keep a copy, first send /mydata."))
    return "\n\n".join(parts)


def erasure_done(t: Translator, contracts: Sequence[AppRef], years: int) -> str:
    if contracts:
        return t.ngettext(
            "✅ Your data is erased, except the contract's application {ref}. It is kept for "
            "{n} year while the state monitors the use of the grant: your name, PIN and phone, "
            "the business plan, its documents and its status history. The social worker can "
            "still write to you here about the contract.",
            "✅ Your data is erased, except the contract's application {ref}. It is kept for "
            "{n} years while the state monitors the use of the grant: your name, PIN and phone, "
            "the business plan, its documents and its status history. The social worker can "
            "still write to you here about the contract.",
            years,
        ).format(ref=_refs(contracts), n=years)
    return t.gettext(
        "✅ Your data is erased. If you write to the bot again, it starts as on your first "
        "visit.\n\nThe messages stay in your Telegram app: you can clear this chat yourself."
    )


def decision_pending(t: Translator, applications: Sequence[AppRef]) -> str:
    return t.gettext(
        "Your application {ref} is approved and the contract is being prepared, so it cannot be "
        "withdrawn in the bot now. If you do not want to sign the contract, please tell your "
        "social worker or the district office. Nothing was erased."
    ).format(ref=_refs(applications))


def staff_refusal(t: Translator) -> str:
    return t.gettext(
        "This account belongs to a staff member of the program. Staff accounts are removed by "
        "an administrator. Nothing was erased."
    )
