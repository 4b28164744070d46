"""A family's rows in every table: found, copied for /mydata, erased for /deleteme. Never commits.

Tables are found through the metadata, not listed by hand: `family_tables` names every table
that can hold a family's Telegram id or one of its application ids, and the rules in
bot/privacy/tables.py must cover exactly those (a test checks it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, MetaData, Table, delete, false, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Application, Base, Document, PrivacyRequest
from db.privacy_rules import Erase, TableRule

# Column names that hold a family's Telegram id (in a private chat, chat id == user id) or one
# of its application ids, whatever table they are in.
FAMILY_KEY_COLUMNS = frozenset({"user_id", "chat_id", "family_user_id", "application_id"})
# A foreign key to one of these also ties a row to a family.
FAMILY_PARENTS = frozenset({"users", "applications"})


def family_tables(metadata: MetaData = Base.metadata) -> set[str]:
    """Every table that may hold rows about one family."""
    found = {"users"}
    for table in metadata.tables.values():
        for column in table.columns:
            parents = {fk.target_fullname.split(".")[0] for fk in column.foreign_keys}
            if column.name in FAMILY_KEY_COLUMNS or parents & FAMILY_PARENTS:
                found.add(table.name)
                break
    return found


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _rows_of(
    table: Table,
    rule: TableRule,
    user_id: int | None,
    application_ids: Sequence[int],
) -> ColumnElement[bool]:
    """The WHERE clause of the family's rows (user_id None: by application only)."""
    clauses: list[ColumnElement[bool]] = []
    if user_id is not None:
        clauses += [table.c[name] == user_id for name in rule.user_columns]
    if application_ids:
        clauses += [table.c[name].in_(application_ids) for name in rule.application_columns]
    return or_(*clauses) if clauses else false()


async def application_ids(session: AsyncSession, user_id: int) -> list[int]:
    rows = await session.scalars(
        select(Application.id).where(Application.user_id == user_id).order_by(Application.id)
    )
    return list(rows)


async def collect(
    session: AsyncSession, user_id: int, rules: Mapping[str, TableRule]
) -> dict[str, list[dict[str, Any]]]:
    """Every exported table's rows of the family, as column -> value, in id order."""
    applications = await application_ids(session, user_id)
    data: dict[str, list[dict[str, Any]]] = {}
    for name, rule in rules.items():
        if not rule.export:
            continue
        table = _table(name)
        result = await session.execute(
            select(table)
            .where(_rows_of(table, rule, user_id, applications))
            .order_by(*table.primary_key.columns)
        )
        data[name] = [dict(row._mapping) for row in result]
    return data


@dataclass(frozen=True, slots=True)
class ErasurePlan:
    """Which of the family's applications are kept whole, kept as a record, or deleted."""

    user_id: int
    contract_ids: tuple[int, ...] = ()
    record_ids: tuple[int, ...] = ()
    draft_ids: tuple[int, ...] = ()

    @property
    def all_ids(self) -> tuple[int, ...]:
        return self.contract_ids + self.record_ids + self.draft_ids


@dataclass(slots=True)
class ErasureCounts:
    deleted: dict[str, int] = field(default_factory=dict)
    anonymised: dict[str, int] = field(default_factory=dict)

    def add(self, kind: dict[str, int], table: str, rowcount: int) -> None:
        if rowcount > 0:
            kind[table] = kind.get(table, 0) + rowcount


async def _delete(session: AsyncSession, table: Table, where: ColumnElement[bool]) -> int:
    result = await session.execute(
        delete(table).where(where).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def _overwrite(
    session: AsyncSession, table: Table, where: ColumnElement[bool], values: Mapping[str, Any]
) -> int:
    if not values:
        return 0
    changes: dict[str, Any] = dict(values)
    if "version" in table.c:  # optimistic locking: a writer holding the old row must fail
        changes["version"] = table.c.version + 1
    result = await session.execute(
        update(table).where(where).values(**changes).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def erase(
    session: AsyncSession, plan: ErasurePlan, rules: Mapping[str, TableRule]
) -> ErasureCounts:
    """Apply each table's rule, children before parents (the metadata's FK order)."""
    counts = ErasureCounts()
    drop = plan.record_ids + plan.draft_ids
    for table in reversed(Base.metadata.sorted_tables):
        rule = rules.get(table.name)
        if rule is None:
            continue
        name = table.name
        if rule.erase is Erase.DELETE:
            where = _rows_of(table, rule, plan.user_id, plan.all_ids)
            counts.add(counts.deleted, name, await _delete(session, table, where))
        elif rule.erase is Erase.CASE_FILE:
            where = _rows_of(table, rule, None, drop)
            counts.add(counts.deleted, name, await _delete(session, table, where))
        elif rule.erase is Erase.TRAIL:
            where = _rows_of(table, rule, None, plan.draft_ids)
            counts.add(counts.deleted, name, await _delete(session, table, where))
            where = _rows_of(table, rule, None, plan.record_ids)
            count = await _overwrite(session, table, where, rule.anonymise)
            counts.add(counts.anonymised, name, count)
        elif rule.erase is Erase.APPLICATION:
            count = await _delete(session, table, table.c.id.in_(plan.draft_ids))
            counts.add(counts.deleted, name, count)
            where = table.c.id.in_(plan.record_ids)
            count = await _overwrite(session, table, where, rule.anonymise)
            counts.add(counts.anonymised, name, count)
            await _overwrite(session, table, table.c.id.in_(plan.contract_ids), rule.detach)
        elif rule.erase is Erase.PERSON:
            where = table.c.id == plan.user_id
            if plan.contract_ids or plan.record_ids:  # their user_id needs the row
                count = await _overwrite(session, table, where, rule.anonymise)
                counts.add(counts.anonymised, name, count)
            else:
                counts.add(counts.deleted, name, await _delete(session, table, where))
    return counts


async def purge_chat_log(session: AsyncSession, chat_id: int) -> int:
    """Delete a chat's message log (the goodbye message, logged after the erasure)."""
    table = _table("message_log")
    return await _delete(session, table, table.c.chat_id == chat_id)


def audit(
    session: AsyncSession,
    user_id: int,
    kind: str,
    *,
    outcome: str | None = None,
    counts: dict[str, Any] | None = None,
    kept: list[int] | None = None,
) -> None:
    """Record a data-subject request: what was done, never the data itself."""
    session.add(
        PrivacyRequest(user_id=user_id, kind=kind, outcome=outcome, counts=counts, kept=kept)
    )


async def family_document(
    session: AsyncSession, user_id: int, document_id: int
) -> Document | None:
    """One document of the family's own applications (None for anyone else's)."""
    return await session.scalar(
        select(Document)
        .join(Application, Application.id == Document.application_id)
        .where(Document.id == document_id, Application.user_id == user_id)
    )
