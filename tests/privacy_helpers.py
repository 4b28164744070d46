"""Test helpers of privacy: every stored row of one family, found independently of the bot's
own privacy rules (by column names), and small seeds for tables the flows here do not fill."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import or_, select

from db.base import utcnow
from db.enums import Role
from db.models import Base, Broadcast, Delivery, EligibilityCheck, User
from db.repo.privacy import family_tables
from tests.fakebot import BotMessage
from tests.harness import BotHarness

USER_KEYS = ("user_id", "chat_id", "family_user_id")


async def family_rows(
    harness: BotHarness, user_id: int, application_ids: list[int]
) -> dict[str, list[dict[str, Any]]]:
    """Every row of every family table that names the user or one of the applications."""
    found: dict[str, list[dict[str, Any]]] = {}
    async with harness.db() as db:
        for name in sorted(family_tables(Base.metadata)):
            table = Base.metadata.tables[name]
            clauses = [table.c[key] == user_id for key in USER_KEYS if key in table.c]
            if name == "users":
                clauses.append(table.c.id == user_id)
            if name == "applications":
                clauses.append(table.c.id.in_(application_ids))
            if "application_id" in table.c and application_ids:
                clauses.append(table.c.application_id.in_(application_ids))
            if not clauses:
                found[name] = []
                continue
            result = await db.execute(select(table).where(or_(*clauses)))
            found[name] = [dict(row._mapping) for row in result]
    return found


async def seed_check_and_broadcast(harness: BotHarness, user_id: int, admin_id: int) -> None:
    """An eligibility check and an announcement delivered to the family."""
    async with harness.db() as db:
        if await db.get(User, admin_id) is None:
            db.add(User(id=admin_id, first_name="Admin", role=Role.ADMIN, language="ru"))
            await db.flush()
        db.add(
            EligibilityCheck(
                user_id=user_id,
                ruleset_version="2026.1",
                answers={"region": "KG-Y", "household_size": 5},
                outcome="eligible",
                finished_at=utcnow(),
            )
        )
        broadcast = Broadcast(created_by=admin_id, text_ky="Салам", text_ru="Привет")
        db.add(broadcast)
        await db.flush()
        db.add(Delivery(broadcast_id=broadcast.id, user_id=user_id, language="ky"))
        await db.commit()


def parse_export(message: BotMessage) -> dict[str, Any]:
    assert message.document is not None, message.summary()
    data: dict[str, Any] = json.loads(message.document.data.decode("utf-8"))
    return data
