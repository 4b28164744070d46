"""What each table holding a family's data means for /mydata and /deleteme: pure data.

Every table of the metadata that holds a family's Telegram id or one of its application ids
(db/repo/privacy.family_tables finds them) must have a rule here; tests/test_privacy_tables.py
fails when a new one is added without it. A rule says:
  * how the table's rows are found: columns holding the family's Telegram id, and columns
    holding one of its application ids;
  * whether the family's copy (/mydata) includes it (staff-only tables do not);
  * what an erasure does with the rows (Erase below).

The family's applications fall in three groups when it asks for erasure:
  * CONTRACT: a signed social contract (contract_signed, funded, monitoring, completed). Kept
    whole with its case file: the state must be able to monitor the use of the grant.
  * RECORD: submitted once (it has a reference) but no contract. The personal data goes; an
    anonymous record stays (reference, status, region, dates, status history without comments,
    staff notes), so caseworkers' statistics and the audit trail stay true.
  * DRAFT: never submitted (no reference): deleted with everything attached.
"""

from __future__ import annotations

from db.enums import Status
from db.privacy_rules import Erase, TableRule

# Statuses of an application whose contract is signed: kept when the family asks for erasure.
CONTRACT_STATUSES = frozenset(
    {Status.CONTRACT_SIGNED, Status.FUNDED, Status.MONITORING, Status.COMPLETED}
)


RULES: dict[str, TableRule] = {
    "users": TableRule(
        user_columns=("id",),
        erase=Erase.PERSON,
        # language None: the next /start asks for the language, as on a first visit.
        anonymise={
            "first_name": "",
            "last_name": None,
            "username": None,
            "language": None,
            "region": None,
            # Out of every broadcast audience until the person writes to the bot again
            # (upsert_user clears the flag then, as for anyone who unblocks the bot).
            "blocked": True,
        },
    ),
    "message_log": TableRule(user_columns=("chat_id", "user_id")),
    "eligibility_checks": TableRule(user_columns=("user_id",)),
    "form_runs": TableRule(user_columns=("user_id",)),
    "broadcast_deliveries": TableRule(user_columns=("user_id",)),
    "applications": TableRule(
        user_columns=("user_id",),
        erase=Erase.APPLICATION,
        anonymise={
            "pin": None,
            "phone": None,
            "full_name": None,
            "district": None,
            "answers": {},
            "priority_score": 0,  # derived from the family's circumstances (disability...)
            "eligibility_check_id": None,  # the check itself is erased
        },
        detach={"eligibility_check_id": None},
    ),
    "documents": TableRule(application_columns=("application_id",), erase=Erase.CASE_FILE),
    "status_changes": TableRule(
        application_columns=("application_id",),
        erase=Erase.TRAIL,
        # Reasons are written to the family about the family (a rejection, a question).
        anonymise={"comment": None},
    ),
    "info_requests": TableRule(application_columns=("application_id",), erase=Erase.CASE_FILE),
    "relay_conversations": TableRule(
        user_columns=("family_user_id",),
        application_columns=("application_id",),
        erase=Erase.CASE_FILE,
    ),
    "relay_messages": TableRule(application_columns=("application_id",), erase=Erase.CASE_FILE),
    "reminders": TableRule(application_columns=("application_id",), erase=Erase.CASE_FILE),
    "privacy_requests": TableRule(user_columns=("user_id",), erase=Erase.KEEP),
    # -- staff-only tables: not in the family's copy ----------------------------------------
    # Internal notes of caseworkers on an application; never shown to the family. They stay
    # with a contract or an anonymous record (the staff's own work), and go with a draft.
    "case_notes": TableRule(
        application_columns=("application_id",), export=False, erase=Erase.TRAIL
    ),
    # Which staff chats got the new-application notice (staff chat and message ids only).
    "case_notices": TableRule(
        application_columns=("application_id",), export=False, erase=Erase.TRAIL
    ),
    # A staff member's half-typed input about an application (its user_id is the staff
    # member's); dropped with the family's data unless the contract is kept.
    "pending_inputs": TableRule(
        application_columns=("application_id",), export=False, erase=Erase.CASE_FILE
    ),
    # The regions a caseworker serves: staff accounts only (staff cannot use /deleteme).
    "caseworker_regions": TableRule(export=False, erase=Erase.KEEP),
    # Announcements, linked to the admin who wrote them; what a family received is in
    # broadcast_deliveries.
    "broadcasts": TableRule(export=False, erase=Erase.KEEP),
}

__all__ = ["CONTRACT_STATUSES", "RULES", "Erase", "TableRule"]


def exported_tables() -> frozenset[str]:
    return frozenset(name for name, rule in RULES.items() if rule.export)


def staff_only_tables() -> frozenset[str]:
    return frozenset(name for name, rule in RULES.items() if not rule.export)
