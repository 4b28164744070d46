"""A family's copy of its data and its erasure, each inside the caller's unit of work.

No Telegram here: the handlers send what these functions decide, after the commit. Every
request is audited (db/models/privacy.py) with counts only, never the data itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.casework.family import withdraw
from bot.lifecycle import WITHDRAWABLE
from bot.privacy.tables import CONTRACT_STATUSES, RULES
from db.enums import OPEN_STATUSES, Role, Status
from db.models import Application, User
from db.repo import privacy as repo

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AppRef:
    """What the handlers need to know of an application (no personal data)."""

    id: int
    ref: str | None
    status: Status
    assigned_to: int | None


@dataclass(frozen=True, slots=True)
class Assessment:
    """The family's applications, grouped by what an erasure does with them."""

    user_id: int
    is_staff: bool
    contracts: tuple[AppRef, ...]  # signed contract: kept whole
    records: tuple[AppRef, ...]  # submitted once, no contract: an anonymous record stays
    drafts: tuple[AppRef, ...]  # never submitted: deleted

    @property
    def to_withdraw(self) -> tuple[AppRef, ...]:
        """Open applications the family may withdraw: withdrawn before the erasure."""
        return tuple(a for a in self.records if a.status in WITHDRAWABLE)

    @property
    def undecided(self) -> tuple[AppRef, ...]:
        """Open applications the family may not withdraw (approved, contract not signed)."""
        return tuple(
            a for a in self.records if a.status in OPEN_STATUSES and a.status not in WITHDRAWABLE
        )


class ErasureConflict(Exception):
    """An application changed while it was being withdrawn; nothing was erased."""


@dataclass(frozen=True, slots=True)
class Refused:
    reason: str  # "staff" | "decision_pending"
    applications: tuple[AppRef, ...] = ()


@dataclass(frozen=True, slots=True)
class Erased:
    contracts: tuple[AppRef, ...]  # kept with the personal data the contract needs
    withdrawn: tuple[AppRef, ...]  # withdrawn on the way (their caseworker is told)
    counts: repo.ErasureCounts


async def assess(session: AsyncSession, user_id: int) -> Assessment:
    user = await session.get(User, user_id)
    rows = await session.scalars(
        select(Application).where(Application.user_id == user_id).order_by(Application.id)
    )
    contracts, records, drafts = [], [], []
    for row in rows:
        ref = AppRef(row.id, row.ref, row.status, row.assigned_to)
        if row.status in CONTRACT_STATUSES:
            contracts.append(ref)
        elif row.ref is not None:
            records.append(ref)
        else:
            drafts.append(ref)
    return Assessment(
        user_id,
        is_staff=user is not None and user.role is not Role.APPLICANT,
        contracts=tuple(contracts),
        records=tuple(records),
        drafts=tuple(drafts),
    )


async def export_family(session: AsyncSession, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every exported table's rows of the family; the request is audited."""
    data = await repo.collect(session, user_id, RULES)
    counts = {name: len(rows) for name, rows in data.items()}
    repo.audit(session, user_id, "export", counts=counts)
    _LOG.info("privacy: data export for user %s (%d rows)", user_id, sum(counts.values()))
    return data


async def erase_family(session: AsyncSession, user_id: int, now: datetime) -> Erased | Refused:
    """Withdraw what is open, then erase by the rules; raises ErasureConflict on a race."""
    found = await assess(session, user_id)
    if found.is_staff:
        repo.audit(session, user_id, "erase_refused", outcome="staff")
        return Refused("staff")
    if found.undecided:
        repo.audit(
            session,
            user_id,
            "erase_refused",
            outcome="decision_pending",
            kept=[a.id for a in found.undecided],
        )
        return Refused("decision_pending", found.undecided)
    for application in found.to_withdraw:
        # The lifecycle's own withdrawal: check_transition and the StatusChange audit row.
        if await withdraw(session, user_id, application.id, now) is None:
            raise ErasureConflict(f"application {application.id} changed while erasing")
    plan = repo.ErasurePlan(
        user_id,
        contract_ids=tuple(a.id for a in found.contracts),
        record_ids=tuple(a.id for a in found.records),
        draft_ids=tuple(a.id for a in found.drafts),
    )
    counts = await repo.erase(session, plan, RULES)
    outcome = "kept_contract" if found.contracts else "erased"
    repo.audit(
        session,
        user_id,
        "erase",
        outcome=outcome,
        counts={"deleted": counts.deleted, "anonymised": counts.anonymised},
        kept=list(plan.contract_ids + plan.record_ids),
    )
    _LOG.info(
        "privacy: erased user %s (%s); deleted %s; anonymised %s",
        user_id,
        outcome,
        counts.deleted,
        counts.anonymised,
    )
    return Erased(found.contracts, found.to_withdraw, counts)


def cancel_erasure(session: AsyncSession, user_id: int) -> None:
    """The family pressed Cancel: nothing changes, the request is still on record."""
    repo.audit(session, user_id, "erase_cancelled")
