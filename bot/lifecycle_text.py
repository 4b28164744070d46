"""Words for the lifecycle: status names, what a family is told at each change, the next step,
and the staff buttons that move an application on. Msgids only (N_); translated where shown.

Status names follow the glossary (PROGRAM.md): каралууда / на рассмотрении, кошумча маалымат
керек / нужна дополнительная информация, бекитилди / одобрена, четке кагылды / отклонена, ...
"""

from __future__ import annotations

from bot.i18n import N_
from db.enums import Status

STATUS_EMOJI: dict[Status, str] = {
    Status.DRAFT: "📝",
    Status.SUBMITTED: "📨",
    Status.IN_REVIEW: "🔎",
    Status.NEEDS_INFO: "❓",
    Status.APPROVED: "✅",
    Status.REJECTED: "❌",
    Status.CONTRACT_SIGNED: "✍️",
    Status.FUNDED: "💸",
    Status.MONITORING: "📊",
    Status.COMPLETED: "🏁",
    Status.WITHDRAWN: "↩️",
}

STATUS_LABELS: dict[Status, str] = {
    Status.DRAFT: N_("Draft"),
    Status.SUBMITTED: N_("Submitted"),
    Status.IN_REVIEW: N_("Under review"),
    Status.NEEDS_INFO: N_("More information needed"),
    Status.APPROVED: N_("Approved"),
    Status.REJECTED: N_("Rejected"),
    Status.CONTRACT_SIGNED: N_("Contract signed"),
    Status.FUNDED: N_("Funds transferred"),
    Status.MONITORING: N_("Monitoring"),
    Status.COMPLETED: N_("Completed"),
    Status.WITHDRAWN: N_("Withdrawn"),
}

# What the family reads under the status: what happens next and what they should do.
NEXT_STEP: dict[Status, str] = {
    Status.DRAFT: N_(
        "Your business plan is not finished yet. Press «📝 Apply» to continue where you stopped."
    ),
    Status.SUBMITTED: N_(
        "A social worker of your district will take your application for review within "
        "5 working days. You will get a message here."
    ),
    Status.IN_REVIEW: N_(
        "A social worker is reviewing your application. If something is missing, they will ask "
        "you here. Then the district commission decides."
    ),
    Status.NEEDS_INFO: N_(
        "The social worker needs more information. Please answer here: write a message or send "
        "a photo or a file."
    ),
    Status.APPROVED: N_(
        "Your application is approved. The district office will invite you to sign the social "
        "contract: bring your passport (ID card)."
    ),
    Status.REJECTED: N_(
        "Your application was not approved. You may ask the district office of labour and "
        "social development about the reason and apply again next time."
    ),
    Status.CONTRACT_SIGNED: N_(
        "The social contract is signed. The funds will be transferred to your account. "
        "Remember: 3 months after signing, the «үй-бүлөгө көмөк» benefit stops."
    ),
    Status.FUNDED: N_(
        "The funds are transferred. Buy only what your business plan lists and keep every "
        "receipt: the social worker will check them."
    ),
    Status.MONITORING: N_(
        "A social worker follows how your business goes and may visit you. Keep your receipts "
        "and records."
    ),
    Status.COMPLETED: N_("Your social contract is completed. Thank you and good luck!"),
    Status.WITHDRAWN: N_(
        "Your application is withdrawn. You may apply again at any time with «📝 Apply»."
    ),
}

# The family's message when its application enters a status ({ref} and, where given, {reason}).
FAMILY_NOTICE: dict[Status, str] = {
    Status.IN_REVIEW: N_("🔎 Your application {ref} is now under review."),
    Status.NEEDS_INFO: N_(
        "❓ More information is needed for your application {ref}.\n\nThe social worker asks:\n"
        "{reason}"
    ),
    Status.APPROVED: N_("✅ Good news! Your application {ref} is approved."),
    Status.REJECTED: N_("❌ Your application {ref} was rejected.\n\nReason: {reason}"),
    Status.CONTRACT_SIGNED: N_("✍️ The social contract for your application {ref} is signed."),
    Status.FUNDED: N_("💸 The funds for your application {ref} are transferred."),
    Status.MONITORING: N_("📊 Monitoring of your business ({ref}) has started."),
    Status.COMPLETED: N_("🏁 Your social contract {ref} is completed."),
    Status.WITHDRAWN: N_("↩️ Your application {ref} is withdrawn."),
}

# Staff buttons that move an application to a status (the decisions have their own flows).
ADVANCE_LABELS: dict[Status, str] = {
    Status.IN_REVIEW: N_("▶️ Resume review"),
    Status.CONTRACT_SIGNED: N_("✍️ Contract signed"),
    Status.FUNDED: N_("💸 Funds transferred"),
    Status.MONITORING: N_("📊 Start monitoring"),
    Status.COMPLETED: N_("🏁 Completed"),
}
