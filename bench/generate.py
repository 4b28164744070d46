"""Fill a database with a country's worth of data, to measure queries as data grows.

`python -m bench generate --database-url URL [--users 100000 --applications 20000
 --messages 2000000]`: users (families, and two caseworkers per region), eligibility checks,
applications in every status across the regions (taken ones held by a caseworker of their
region), their status history, and the message log. Rows are inserted in large batches with
SQLAlchemy Core (executemany), on SQLite or PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.regions import REGIONS, districts_of
from db.engine import create_engine
from db.enums import Status
from db.migrate import upgrade
from db.models import (
    Application,
    CaseworkerRegion,
    EligibilityCheck,
    MessageLog,
    StatusChange,
    User,
)

BATCH = 5_000
STATUSES = [s for s in Status if s is not Status.DRAFT]
BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)
FIRST_USER = 10_000_000
FIRST_STAFF = 9_000_000
STAFF_PER_REGION = 2


def staff_ids(region_code: str) -> list[int]:
    """The generated caseworkers of a region (FIRST_STAFF + region index * 2 + k)."""
    index = [r.code for r in REGIONS].index(region_code)
    return [FIRST_STAFF + index * STAFF_PER_REGION + k for k in range(STAFF_PER_REGION)]


def staff() -> Iterator[dict[str, Any]]:
    for region in REGIONS:
        for k, user_id in enumerate(staff_ids(region.code)):
            yield {
                "id": user_id,
                "first_name": f"Caseworker {region.code} {k + 1}",
                "last_name": None,
                "username": None,
                "language": "ru" if k else "ky",
                "role": "caseworker",
                "region": region.code,
                "blocked": False,
                "created_at": BASE_TIME,
                "updated_at": BASE_TIME,
                "last_seen_at": BASE_TIME,
            }


def staff_regions() -> Iterator[dict[str, Any]]:
    for region in REGIONS:
        for user_id in staff_ids(region.code):
            yield {
                "user_id": user_id,
                "region": region.code,
                "added_by": None,
                "created_at": BASE_TIME,
            }


def _pin(rng: random.Random, i: int) -> str:
    birth = f"{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{rng.randint(1960, 2004)}"
    return f"{rng.choice('12')}{birth}{i % 100000:05d}"


def users(n: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(1)
    for i in range(n):
        region = rng.choice(REGIONS).code
        seen = BASE_TIME + timedelta(minutes=rng.randint(0, 400_000))
        yield {
            "id": FIRST_USER + i,
            "first_name": f"User{i}",
            "last_name": None,
            "username": None,
            "language": rng.choice(["ky", "ky", "ru"]),
            "role": "applicant",
            "region": region,
            "blocked": rng.random() < 0.02,
            "created_at": seen,
            "updated_at": seen,
            "last_seen_at": seen,
        }


def checks(n: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(2)
    for i in range(n):
        when = BASE_TIME + timedelta(minutes=rng.randint(0, 400_000))
        yield {
            "user_id": FIRST_USER + i,
            "ruleset_version": "2026.1",
            "answers": {"support": "benefit", "household_size": 5, "children_under_16": 3},
            "outcome": rng.choice(["eligible", "eligible", "not_eligible"]),
            "verdicts": [],
            "priority_flags": ["three_children"],
            "priority_score": 2,
            "started_at": when,
            "updated_at": when,
            "finished_at": when,
        }


def applications(n: int, users_n: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(3)
    step = max(1, users_n // max(n, 1))
    for i in range(n):
        region = rng.choice(REGIONS)
        districts = districts_of(region.code)
        when = BASE_TIME + timedelta(minutes=rng.randint(0, 400_000))
        status = rng.choice(STATUSES)
        # Every application past "submitted" was taken by a caseworker of its region.
        holder = None if status is Status.SUBMITTED else rng.choice(staff_ids(region.code))
        yield {
            "id": i + 1,
            "ref": f"SC-2026-{i + 1:06d}",
            "user_id": FIRST_USER + i * step,
            "status": status.value,
            "language": rng.choice(["ky", "ru"]),
            "pin": _pin(rng, i),
            "phone": f"+996700{i % 1_000_000:06d}",
            "full_name": f"Family {i}",
            "region": region.code,
            "district": districts[0].name_ru if districts else None,
            "answers": {"business_type": "dairy", "budget_total": 120000},
            "eligibility_check_id": None,
            "priority_score": rng.randint(0, 5),
            "assigned_to": holder,
            "version": 1,
            "created_at": when,
            "updated_at": when,
            "submitted_at": when,
        }


def history(n: int) -> Iterator[dict[str, Any]]:
    for i in range(n):
        when = BASE_TIME + timedelta(days=i % 300)
        yield {
            "application_id": i + 1,
            "from_status": "draft",
            "to_status": "submitted",
            "actor_id": None,
            "actor_role": "applicant",
            "comment": None,
            "created_at": when,
        }


def messages(n: int, users_n: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(4)
    for i in range(n):
        chat = FIRST_USER + rng.randrange(users_n)
        inbound = i % 2 == 0
        yield {
            "chat_id": chat,
            "user_id": chat if inbound else None,
            "direction": "in" if inbound else "out",
            "kind": "text",
            "text": "Саламатсызбы! Бизнес-план боюнча суроо." if inbound else "Жооп.",
            "callback_data": None,
            "file_ids": None,
            "buttons": None,
            "telegram_message_id": i,
            "created_at": BASE_TIME + timedelta(seconds=i * 7),
        }


async def _fill(connection: AsyncConnection, table: Table, rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            await connection.execute(insert(table), batch)
            count += len(batch)
            batch = []
    if batch:
        await connection.execute(insert(table), batch)
        count += len(batch)
    return count


async def generate(
    database_url: str, n_users: int, n_apps: int, n_messages: int
) -> dict[str, Any]:
    await asyncio.to_thread(upgrade, database_url)
    engine = create_engine(database_url)
    figures: dict[str, Any] = {}
    started = time.perf_counter()
    async with engine.begin() as connection:
        for name, table, rows in (
            ("users", User.__table__, users(n_users)),
            ("caseworkers", User.__table__, staff()),
            ("caseworker_regions", CaseworkerRegion.__table__, staff_regions()),
            ("eligibility_checks", EligibilityCheck.__table__, checks(n_users // 2)),
            ("applications", Application.__table__, applications(n_apps, n_users)),
            ("status_changes", StatusChange.__table__, history(n_apps)),
            ("message_log", MessageLog.__table__, messages(n_messages, n_users)),
        ):
            t0 = time.perf_counter()
            figures[name] = await _fill(connection, table, rows)  # type: ignore[arg-type]
            figures[f"{name}_s"] = round(time.perf_counter() - t0, 1)
        if connection.dialect.name == "postgresql":
            # Planner statistics now, as autovacuum would soon do on a live database.
            await connection.execute(text("ANALYZE"))
    await engine.dispose()
    figures["elapsed_s"] = round(time.perf_counter() - started, 1)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench generate")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--applications", type=int, default=20_000)
    parser.add_argument("--messages", type=int, default=2_000_000)
    args = parser.parse_args(argv)
    figures = asyncio.run(
        generate(args.database_url, args.users, args.applications, args.messages)
    )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
