"""`python -m bench broadcast --recipients N --limit R [--rtt MS] [--kill-at K]`

Runs the real bot (`python -m bot`, a separate process, so kill -9 is a real kill) against the
fake Bot API server, which runs here and enforces R messages per second overall (429 with
retry_after above it; 0 = no limit) and one message per second per chat, delays every answer
by MS milliseconds, and counts what each chat received. The database is seeded with N
families and one queued broadcast to all of them; the bot's sender finds it and sends it.

With --kill-at K the bot is killed with SIGKILL once K families have the message, then started
again; the run ends when the broadcast is done. Duplicates and missing recipients are counted
from what the fake server delivered, not from what the bot believes.

The last line is one JSON object (see `Report`). BENCH_PROFILE=file runs the bot under
cProfile and writes its profile there (on a clean stop).
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import json
import os
import re
import resource
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, insert, text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.database import DEFAULT_POSTGRES_URL, fresh_database
from db.base import utcnow
from db.migrate import upgrade
from db.models import Broadcast, User
from tests.fakebot import FakeTelegramServer

ROOT = Path(__file__).resolve().parent.parent
FIRST_ID = 7_000_000_001
ADMIN_ID = 900_001
TEXT_KY = "<b>Социалдык келишим</b>: окутуу 15-декабрда башталат. Катталууну унутпаңыз!"
TEXT_RU = "<b>Социальный контракт</b>: обучение начинается 15 декабря. Не забудьте записаться!"


@dataclass
class Report:
    recipients: int
    limit: int
    rtt_ms: float
    achieved_rate: float  # deliveries per second, first to last delivery at the server
    ratio: float | None  # achieved / limit (None when the server had no limit)
    duplicates: int  # families that got the message more than once
    missing: int  # families that never got it
    unknown: int  # deliveries the bot recorded as unknown (on the wire at a kill)
    unknown_delivered: int  # ... of which the server did deliver
    # After a kill, from the bot's log: claimed deliveries its send journal showed never
    # left (sent again), and answers it held but had not committed yet (recorded, not resent).
    resent_after_kill: int
    answers_from_journal: int
    count_429: int
    elapsed_s: float  # first to last delivery
    wall_s: float  # whole run, bot start-ups included
    peak_rss_mb: float  # the bot process's peak resident memory
    kills: int
    states: dict[str, int]  # deliveries by final state in the database
    # The bot's CPU seconds while sending, and the rate that CPU alone would allow: the
    # sender's ceiling on one free core, whatever else the machine is doing.
    sender_cpu_s: float | None
    cpu_bound_rate: float | None


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench broadcast", description=__doc__)
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument("--limit", type=int, default=30, help="server limit per second; 0: none")
    parser.add_argument("--rtt", type=float, default=0.0, help="round trip added, in ms")
    parser.add_argument("--kill-at", type=int, default=None, help="SIGKILL after K deliveries")
    parser.add_argument(
        "--rate", type=float, default=None, help="the bot's BROADCAST_RATE (default: --limit)"
    )
    parser.add_argument("--in-flight", type=int, default=64, help="BROADCAST_MAX_IN_FLIGHT")
    parser.add_argument("--database-url", default=None, help="default: a fresh database")
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="a fresh SQLite file, or a PostgreSQL database created on --postgres-url's server",
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--timeout", type=float, default=600.0)
    return parser.parse_args(argv)


async def seed(database_url: str, recipients: int) -> list[int]:
    """N families (half Kyrgyz, half Russian readers), an admin, one queued broadcast."""
    await asyncio.to_thread(upgrade, database_url)
    engine = create_async_engine(database_url)
    now = utcnow()
    ids = [FIRST_ID + i for i in range(recipients)]
    people = [{"id": ADMIN_ID, "first_name": "Admin", "language": "ru", "role": "admin"}]
    people += [
        {
            "id": uid,
            "first_name": "Family",
            "language": "ky" if uid % 2 else "ru",
            "role": "applicant",
        }
        for uid in ids
    ]
    async with engine.begin() as connection:
        await connection.execute(insert(cast(Table, User.__table__)), people)
        await connection.execute(
            insert(cast(Table, Broadcast.__table__)).values(
                created_by=ADMIN_ID,
                state="queued",
                one_text=False,
                text_ky=TEXT_KY,
                text_ru=TEXT_RU,
                audience="all",
                total=recipients,
                created_at=now,
                updated_at=now,
                confirmed_at=now,
            )
        )
    await engine.dispose()
    return ids


def _die_with_parent() -> None:
    """In the child: SIGKILL it if the benchmark dies (Linux), so no bot is left running."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


_RECOVERED = re.compile(
    r"(\d+) claimed deliveries never left \(sent again\), (\d+) answers recovered"
)


def recovered_counts(log: str) -> tuple[int, int]:
    """(resent, answered) summed over the bot's recovery log lines."""
    found = _RECOVERED.findall(log)
    return sum(int(a) for a, _ in found), sum(int(b) for _, b in found)


class BotProcess:
    """`python -m bot` against the fake server, its output in a log file."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env = env
        self.workdir = workdir
        self.proc: asyncio.subprocess.Process | None = None
        self.log = workdir / "bot.log"

    async def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                *(
                    ["-m", "cProfile", "-o", os.environ["BENCH_PROFILE"]]
                    if os.environ.get("BENCH_PROFILE")
                    else []
                ),
                "-m",
                "bot",
                cwd=self.workdir,
                env=self.env,
                preexec_fn=_die_with_parent,
                stdout=out,
                stderr=out,
            )

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), 30)
        except TimeoutError:
            await self.kill()

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


async def broadcast_state(database_url: str) -> str | None:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.scalar(text("SELECT state FROM broadcasts WHERE id = 1"))
    finally:
        await engine.dispose()


async def delivery_states(database_url: str) -> dict[str, list[int]]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT state, user_id FROM broadcast_deliveries WHERE broadcast_id = 1")
            )
            found: dict[str, list[int]] = {}
            for state, user_id in rows.all():
                found.setdefault(str(state), []).append(int(user_id))
            return found
    finally:
        await engine.dispose()


async def run(args: argparse.Namespace, database_url: str, workdir: Path) -> Report:
    ids = await seed(database_url, args.recipients)
    started = time.monotonic()
    async with FakeTelegramServer(
        rtt_ms=args.rtt, rate_limit=args.limit, per_chat_limit=True
    ) as server:
        for uid in (*ids, ADMIN_ID):
            server.user(uid, "Family")
        rate = args.rate if args.rate is not None else float(args.limit)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "BOT_TOKEN": server.token,
            "DATABASE_URL": database_url,
            "TELEGRAM_API_URL": server.base_url,
            "TELEGRAM_FILE_URL": server.file_url,
            "ADMIN_IDS": str(ADMIN_ID),
            "BROADCAST_RATE": str(rate),
            "BROADCAST_MAX_IN_FLIGHT": str(args.in_flight),
            "LOG_LEVEL": "WARNING",
        }
        bot = BotProcess(env, workdir)
        await bot.start()
        kills = 0
        received = server.received_by_chat
        deadline = time.monotonic() + args.timeout
        next_db_check = 0.0
        cpu_start: float | None = None
        cpu_end: float | None = None
        try:
            while True:
                await asyncio.sleep(0.005)
                now = time.monotonic()
                if now > deadline:
                    raise RuntimeError("timed out\n" + bot.tail())
                if args.kill_at is not None and kills == 0:
                    delivered = len(received) - (ADMIN_ID in received)  # families reached
                    if delivered >= args.kill_at:
                        await bot.kill()
                        kills += 1
                        await bot.start()
                if bot.proc is not None and bot.proc.returncode is not None:
                    raise RuntimeError("the bot exited\n" + bot.tail())
                if cpu_start is None and len(received) > 1 and bot.proc is not None:
                    cpu_start = cpu_seconds(bot.proc.pid)
                if now >= next_db_check:
                    next_db_check = now + 0.25
                    if await broadcast_state(database_url) == "done":
                        if bot.proc is not None and cpu_start is not None and not kills:
                            cpu_end = cpu_seconds(bot.proc.pid)
                        break
        finally:
            await bot.stop()
        wall = time.monotonic() - started
        times = sorted(m.sent_at for uid in ids for m in server.messages_in(uid))
        counts = [received.get(uid, 0) for uid in ids]
        states = await delivery_states(database_url)
        unknown = states.get("unknown", [])
        elapsed = times[-1] - times[0] if len(times) > 1 else 0.0
        achieved = (len(times) - 1) / elapsed if elapsed > 0 else 0.0
        rusage = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = None if cpu_start is None or cpu_end is None else cpu_end - cpu_start
        resent, answered = recovered_counts(bot.log.read_text(errors="replace"))
        return Report(
            recipients=args.recipients,
            limit=args.limit,
            rtt_ms=args.rtt,
            achieved_rate=round(achieved, 1),
            ratio=round(achieved / args.limit, 3) if args.limit else None,
            duplicates=sum(1 for c in counts if c > 1),
            missing=sum(1 for c in counts if c == 0),
            unknown=len(unknown),
            unknown_delivered=sum(1 for uid in unknown if received.get(uid)),
            resent_after_kill=resent,
            answers_from_journal=answered,
            count_429=server.count_429,
            elapsed_s=round(elapsed, 2),
            wall_s=round(wall, 2),
            peak_rss_mb=round(rusage.ru_maxrss / 1024, 1),
            kills=kills,
            states={state: len(users) for state, users in sorted(states.items())},
            sender_cpu_s=None if cpu is None else round(cpu, 2),
            cpu_bound_rate=round(len(times) / cpu, 1) if cpu else None,
        )


async def run_in(args: argparse.Namespace, workdir: Path) -> Report:
    if args.database_url:
        return await run(args, args.database_url, workdir)
    async with fresh_database(args.database, workdir, args.postgres_url) as database_url:
        return await run(args, database_url, workdir)


def main(argv: list[str]) -> int:
    args = parse(argv)
    with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as tmp:
        report = asyncio.run(run_in(args, Path(tmp)))
    data: dict[str, Any] = asdict(report)
    print(json.dumps(data, ensure_ascii=False))
    return 0
