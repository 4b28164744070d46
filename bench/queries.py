"""Caseworker queries as data grows: `python -m bench queries --database-url URL [--generate]`.

With --generate the database is first filled by bench/generate.py (100,000 users, 20,000
applications, 2,000,000 logged messages by default). Then the caseworker queue (first page,
one region and all regions), /app details, /find (PIN, phone, reference) and the export of every
application (CSV and XLSX) are timed through the same repository and service functions the
handlers call. Each figure is the median of several runs, in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select

from bench.generate import generate
from bot.casework import details, exports
from bot.i18n import I18n
from db.engine import create_engine, create_session_factory
from db.models import Application
from db.repo import cases
from db.repo.messages import transcript

RUNS = 5


async def _median_ms(action: Callable[[], Awaitable[Any]], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await action()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


async def measure(database_url: str) -> dict[str, Any]:
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    t = I18n().get("ru")
    async with sessions() as session:
        sample = (
            await session.scalars(select(Application).where(Application.ref.is_not(None)).limit(1))
        ).one()
        ref, pin, phone, chat = sample.ref or "", sample.pin, sample.phone, sample.user_id

    async def queue_region() -> None:
        async with sessions() as session:
            await cases.list_applications(session, None, ["KG-C"], 0, 10)

    async def queue_all() -> None:
        async with sessions() as session:
            await cases.list_applications(session, None, None, 0, 10)

    async def app_details() -> None:
        async with sessions() as session:
            application = await cases.by_ref(session, ref)
            assert application is not None
            await details.load(session, t, application, 150_000)
            await transcript(session, chat, 200)

    async def find_pin() -> None:
        async with sessions() as session:
            await cases.find(session, regions=None, pin=pin)

    async def find_phone() -> None:
        async with sessions() as session:
            await cases.find(session, regions=None, phone=phone)

    async def find_ref() -> None:
        async with sessions() as session:
            await cases.find(session, regions=None, ref=ref[-7:])

    exported: dict[str, int] = {}

    async def export_all(kind: str) -> None:
        async with sessions() as session:
            applications, total = await cases.list_applications(session, None, None)
        data = exports.rows(t, applications, {})
        exported["rows"] = total
        (exports.to_csv if kind == "csv" else exports.to_xlsx)(t, data, "export")

    figures = {
        "queue_first_page_region_ms": await _median_ms(queue_region),
        "queue_first_page_all_ms": await _median_ms(queue_all),
        "app_details_ms": await _median_ms(app_details),
        "find_pin_ms": await _median_ms(find_pin),
        "find_phone_ms": await _median_ms(find_phone),
        "find_ref_ms": await _median_ms(find_ref),
        "export_csv_ms": await _median_ms(lambda: export_all("csv"), runs=3),
        "export_xlsx_ms": await _median_ms(lambda: export_all("xlsx"), runs=3),
    }
    figures["export_rows"] = exported.get("rows", 0)
    await engine.dispose()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench queries")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--generate", action="store_true", help="fill the database first")
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--applications", type=int, default=20_000)
    parser.add_argument("--messages", type=int, default=2_000_000)
    args = parser.parse_args(argv)
    result: dict[str, Any] = {"database": args.database_url.split(":", 1)[0]}
    if args.generate:
        result["generated"] = asyncio.run(
            generate(args.database_url, args.users, args.applications, args.messages)
        )
    result.update(asyncio.run(measure(args.database_url)))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
