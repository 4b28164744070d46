"""Caseworker queries on a country's worth of data: `python -m bench queries`.

`--database sqlite|postgres` fills a fresh database (an SQLite file in a temporary folder, or a
PostgreSQL database created on `--postgres-url` and dropped afterwards) with bench/generate.py:
100,000 users, 20,000 applications, 2,000,000 logged messages by default. `--database-url URL`
measures an existing database instead (with `--generate`, filled first).

Two sets of figures, each the median of several runs in milliseconds:

- `service`: the functions the handlers call, timed directly (no Telegram): the queue's first
  page (one region, all regions) with its text and buttons, /app's details, /find by PIN, phone
  and reference, a chat's transcript (the 2,000,000-row table), and the export of every
  application, read and built as CSV and XLSX.
- `bot`: the real bot (`build_application`, as `python -m bot` builds it) against the fake Bot
  API server on loopback, on the same database. Each figure runs from the update being queued
  to the reply arriving: /queue of a caseworker (their region) and of an admin (all regions),
  /app (its first message), /find by PIN, phone and reference, and ⬇️ CSV / ⬇️ XLSX of all
  applications (the document). `queue_during_export_ms`: a caseworker's /queue sent while the
  admin's XLSX export is being built, to show the event loop keeps answering. The reminder job
  is switched off (generated applications are all overdue: thousands of reminders at once).

The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench.database import DEFAULT_POSTGRES_URL, fresh_database
from bench.generate import generate, staff_ids
from bot.app import build_application, running
from bot.casework import actions, details, exports, reminders, render
from bot.casework import queue as q
from bot.casework.permissions import Actor, visible_regions
from bot.config import load_settings
from bot.i18n import I18n
from db.engine import create_engine, create_session_factory
from db.enums import Role
from db.models import Application
from db.repo import cases
from db.repo.messages import transcript
from tests.fakebot import BotMessage, FakeTelegramServer, FakeUser

RUNS = 5
EXPORT_RUNS = 3
EXPORT_LIMIT = 20_000  # as handlers/casework_queue.py
ADMIN_ID = 1_000
GRANT = 150_000


async def _median_ms(action: Callable[[], Awaitable[Any]], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await action()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


async def _sample(database_url: str) -> dict[str, Any]:
    """An application held by a caseworker of Chüy (ref, PIN, phone, family, holder)."""
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            app = (
                await session.scalars(
                    select(Application)
                    .where(Application.region == "KG-C", Application.assigned_to.is_not(None))
                    .order_by(Application.id)
                    .limit(1)
                )
            ).one()
            return {
                "id": app.id,
                "ref": app.ref or "",
                "pin": app.pin or "",
                "phone": app.phone or "",
                "chat": app.user_id,
                "holder": app.assigned_to,
            }
    finally:
        await engine.dispose()


async def measure_services(database_url: str, sample: dict[str, Any]) -> dict[str, Any]:
    """The handlers' own functions, without Telegram (what the database and Python cost)."""
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    t = I18n().get("ru")
    caseworker, admin = sample["holder"], ADMIN_ID
    exported: dict[str, int] = {}

    async def queue(regions: list[str] | None) -> None:
        flt = q.QueueFilter()
        async with sessions() as session:
            rows, total = await cases.list_applications(
                session, flt.statuses(), regions, 0, q.PAGE_SIZE
            )
            users = await cases.users_by_id(session, {a.assigned_to for a in rows})
        holders = {i: render.display_name(u, i) for i, u in users.items()}
        q.page_text(t, flt, rows, total, holders)
        q.page_keyboard(t, flt, rows, total)

    async def app_details() -> None:
        async with sessions() as session:
            actor = await actions.load_actor(session, caseworker)
            application = await cases.by_ref(session, sample["ref"])
            assert application is not None
            result = await actions.view(session, actor, application.id)
            assert result.ok and result.application is not None, result
            info = await details.load(session, t, result.application, GRANT)
        render.split_messages(info.blocks)

    async def find(
        pin: str | None = None, phone: str | None = None, ref: str | None = None
    ) -> None:
        async with sessions() as session:
            actor = await actions.load_actor(session, caseworker)
            regions = visible_regions(actor, None)
            found = await cases.find(session, regions=regions, pin=pin, phone=phone, ref=ref)
            assert found, (pin, phone, ref)

    async def chat_transcript() -> None:
        async with sessions() as session:
            await transcript(session, sample["chat"], 200)

    async def export(fmt: str) -> None:
        regions = visible_regions(Actor(admin, Role.ADMIN), None)  # every region
        async with sessions() as session:
            data = await exports.load(session, None, regions, EXPORT_LIMIT)
        assert data.applications, "nothing to export"
        await asyncio.to_thread(exports.build, t, fmt, data, "applications")
        exported["rows"] = len(data.applications)

    try:
        figures: dict[str, Any] = {
            "queue_region_ms": await _median_ms(lambda: queue(["KG-C"])),
            "queue_all_ms": await _median_ms(lambda: queue(None)),
            "app_ms": await _median_ms(app_details),
            "find_pin_ms": await _median_ms(lambda: find(pin=sample["pin"])),
            "find_phone_ms": await _median_ms(lambda: find(phone=sample["phone"])),
            "find_ref_ms": await _median_ms(lambda: find(ref=sample["ref"][-7:])),
            "transcript_ms": await _median_ms(chat_transcript),
            "export_csv_ms": await _median_ms(lambda: export("csv"), EXPORT_RUNS),
            "export_xlsx_ms": await _median_ms(lambda: export("xlsx"), EXPORT_RUNS),
        }
    finally:
        await engine.dispose()
    figures["export_rows"] = exported.get("rows", 0)
    return figures


Send = Callable[[], Awaitable[Any]]
Reply = Callable[[BotMessage], bool]


def _text_starts(prefix: str) -> Reply:
    return lambda message: (message.text or "").startswith(prefix)


def _is_document(message: BotMessage) -> bool:
    return message.document is not None


async def _timed_reply(user: FakeUser, send: Send, reply: Reply) -> float:
    """Milliseconds from queuing the update to the bot's reply (the first new message that
    `reply` accepts) in that chat."""
    user.mark_read()
    start = len(user.messages)
    started = time.perf_counter()
    await send()
    await user.wait_until(
        lambda: any(reply(m) for m in user.messages[start:]), timeout=120, what="the reply"
    )
    return (time.perf_counter() - started) * 1000


async def _median_reply(user: FakeUser, send: Send, reply: Reply, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        times.append(await _timed_reply(user, send, reply))
        await asyncio.sleep(0.3)  # the rest of /app's messages arrive before the next run
    user.mark_read()
    return round(statistics.median(times), 1)


async def measure_bot(database_url: str, sample: dict[str, Any]) -> dict[str, Any]:
    """The real bot against the fake Bot API server: what a caseworker waits for."""
    async with FakeTelegramServer() as server:
        settings = load_settings(
            _env_file=None,
            bot_token=server.token,
            database_url=database_url,
            telegram_api_url=server.base_url,
            telegram_file_url=server.file_url,
            admin_ids=str(ADMIN_ID),
            flood_rate=1000.0,  # one person pressing fast on purpose
            flood_burst=1000,
        )
        app = build_application(settings)
        async with running(app, poll_timeout=1.0):
            # No reminder job: on generated data every old application is overdue, and its
            # first run would send thousands of reminders in the middle of the measurement.
            assert app.job_queue is not None
            for job in app.job_queue.get_jobs_by_name(reminders.JOB_NAME):
                job.schedule_removal()
            admin = server.user(ADMIN_ID, "Admin", language_code="ru")
            await admin.send("/start")
            await admin.expect_one(timeout=60)
            await admin.press("✓ Русский")
            await admin.expect_edit(timeout=60)
            await admin.expect_one(timeout=60)
            # Saved as a caseworker of Chüy by the generator (language and regions stored).
            worker = server.user(sample["holder"], "Caseworker", language_code="ru")
            colleague = next(i for i in staff_ids("KG-C") if i != sample["holder"])
            other = server.user(colleague, "Caseworker", language_code="ky")
            queue, found = _text_starts("📥"), _text_starts("🔎")
            await _timed_reply(worker, lambda: worker.send("/queue"), queue)  # warm-up
            figures: dict[str, Any] = {
                "queue_region_ms": await _median_reply(
                    worker, lambda: worker.send("/queue"), queue
                ),
                "queue_all_ms": await _median_reply(admin, lambda: admin.send("/queue"), queue),
                "app_ms": await _median_reply(
                    worker, lambda: worker.send(f"/app {sample['ref']}"), _text_starts("📄")
                ),
                "find_pin_ms": await _median_reply(
                    worker, lambda: worker.send(f"/find {sample['pin']}"), found
                ),
                "find_phone_ms": await _median_reply(
                    worker, lambda: worker.send(f"/find {sample['phone']}"), found
                ),
                "find_ref_ms": await _median_reply(
                    worker, lambda: worker.send(f"/find {sample['ref']}"), found
                ),
                "export_csv_ms": await _median_reply(
                    admin, lambda: admin.press_data("cw:x:csv:all:all"), _is_document, EXPORT_RUNS
                ),
                "export_xlsx_ms": await _median_reply(
                    admin, lambda: admin.press_data("cw:x:xlsx:all:all"), _is_document, EXPORT_RUNS
                ),
            }
            figures["queue_during_export_ms"] = await _during_export(admin, other)
            last = [m for m in admin.messages if m.document is not None][-1]
            assert last.document is not None
            figures["export_xlsx_bytes"] = len(server.file_bytes(last.document.file_id))
            figures["export_caption"] = last.content
    return figures


async def _during_export(admin: FakeUser, worker: FakeUser) -> float:
    """A caseworker's /queue sent just after an admin pressed ⬇️ XLSX of everything; -1 when
    the file was ready before the queue (nothing to show)."""
    admin.mark_read()
    start = len(admin.messages)
    await admin.press_data("cw:x:xlsx:all:all")
    await admin.expect_answer(timeout=60)  # «Preparing the file…»: the rows are read
    waited = await _timed_reply(worker, lambda: worker.send("/queue"), _text_starts("📥"))
    exported_already = any(_is_document(m) for m in admin.messages[start:])
    await admin.wait_until(
        lambda: any(_is_document(m) for m in admin.messages[start:]), timeout=120
    )
    return round(waited, 1) if not exported_already else -1.0


async def _check_roles(database_url: str, sample: dict[str, Any]) -> None:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            actor = await actions.load_actor(session, sample["holder"])
            assert actor.role is Role.CASEWORKER and "KG-C" in actor.regions, actor
    finally:
        await engine.dispose()


async def measure(database_url: str) -> dict[str, Any]:
    sample = await _sample(database_url)
    await _check_roles(database_url, sample)
    return {
        "service": await measure_services(database_url, sample),
        "bot": await measure_bot(database_url, sample),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {"loadavg_before": list(os.getloadavg())}
    sizes = (args.users, args.applications, args.messages)
    if args.database_url:
        result["database"] = args.database_url.split(":", 1)[0]
        if args.generate:
            result["generated"] = await generate(args.database_url, *sizes)
        result.update(await measure(args.database_url))
    else:
        result["database"] = args.database
        with tempfile.TemporaryDirectory(prefix="bench-queries-") as workdir:
            async with fresh_database(args.database, Path(workdir), args.postgres_url) as url:
                result["generated"] = await generate(url, *sizes)
                result["loadavg_after_generate"] = list(os.getloadavg())
                result.update(await measure(url))
    result["loadavg_after"] = list(os.getloadavg())
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench queries")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--database", choices=("sqlite", "postgres"), help="a fresh database")
    target.add_argument("--database-url", help="an existing database")
    parser.add_argument("--generate", action="store_true", help="fill --database-url first")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--applications", type=int, default=20_000)
    parser.add_argument("--messages", type=int, default=2_000_000)
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(run(args)), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
