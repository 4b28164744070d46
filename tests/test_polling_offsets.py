"""Long polling confirms an update only after it was processed (bot/polling.py).

The first test runs the bot in this process; the others run the real `python -m bot` as a
child process and kill it with SIGKILL while an update is being processed, then start it
again: Telegram (the fake server) must deliver the unfinished update again, and an update that
had been applied must not be applied twice.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.procs import ChildProcess
from bot.polling import OffsetWindow
from db.models import Direction, MessageLog
from tests.fakebot import FakeTelegramServer, FakeUser, FaultConfig
from tests.fakebot.models import UpdateRecord
from tests.harness import BotHarness
from tests.test_e2e_eligibility import WORDS, family, run_of

HELP_KY = "Ботту кантип колдонуу керек"
HOUSEHOLD_KY = "өзүңүздү кошо алганда канча адам"  # the household-size question
CHILDREN_KY = "16 жашка чейинки"  # the next one: children under 16


async def wait_for(
    condition: Callable[[], bool], what: str, timeout: float = 30.0
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def polled_after_delivery(server: FakeTelegramServer, record: UpdateRecord) -> None:
    """The bot has fetched the update and then polled twice more (with its offset) since."""
    await wait_for(lambda: record.delivered_at is not None, f"update {record.update_id} fetched")
    polls = server.stats.methods["getUpdates"]
    await wait_for(lambda: server.stats.methods["getUpdates"] >= polls + 2, "two more polls")


# -- the offset rule, without I/O -----------------------------------------------------------


def test_offset_is_the_smallest_unfinished_update() -> None:
    window = OffsetWindow(max_hold=60.0)
    assert window.offset(0.0) is None  # nothing seen: no offset at all
    assert window.take(5, 0.0) and window.take(6, 0.0) and window.take(7, 0.0)
    assert not window.take(6, 0.1)  # returned again by the next poll: skipped
    assert window.offset(0.1) == 5
    window.finish(6)
    window.finish(7)
    assert window.offset(0.2) == 5  # 6 and 7 are done, but 5 still runs
    assert not window.take(7, 0.2)  # a finished update is not handed over again
    window.finish(5)
    assert window.offset(0.3) == 8
    window.confirmed(8)
    assert not window.take(7, 0.4)
    assert window.take(8, 0.4)
    # A handler hung for longer than max_hold no longer holds back the others.
    assert window.offset(30.0) == 8
    assert window.offset(61.0) == 9
    assert not window.take(8, 61.0)  # still running: never handed over twice


# -- in this process ------------------------------------------------------------------------


async def test_offset_is_confirmed_only_after_the_handler_finished(harness: BotHarness) -> None:
    slow = await family(harness, 9501, "ky")
    other = await family(harness, 9502, "ky")
    server = harness.server
    server.faults = FaultConfig(slow_ms=3000)  # no random faults; the forced one is slow
    server.fail_next("slow", method="sendMessage")
    held = await slow.send("/help")
    await wait_for(lambda: server.stats.faults["slow"] == 1, "the reply to be held")
    await polled_after_delivery(server, held)
    # The handler is still waiting for its reply to go out: Telegram must keep the update.
    assert held.confirmed_at is None
    # Another family is not held up; its update is done but stays behind the running one.
    passed = await other.send("/help")
    assert HELP_KY in (await other.expect_one(timeout=20)).content
    await polled_after_delivery(server, passed)
    assert held.confirmed_at is None and passed.confirmed_at is None
    assert server.pending_updates == 2
    # The held reply arrives; the handler finishes; both are confirmed.
    reply = await slow.expect_one(timeout=20)
    assert HELP_KY in reply.content
    await wait_for(
        lambda: held.confirmed_at is not None and passed.confirmed_at is not None,
        "both updates confirmed",
    )
    assert held.confirmed_at is not None and held.confirmed_at >= reply.sent_at


# -- kill -9 of a real bot process ----------------------------------------------------------


class BotProcess:
    """`python -m bot` against the fake server; started, killed with SIGKILL, started again."""

    def __init__(self, server: FakeTelegramServer, database_url: str, workdir: Path) -> None:
        self.server = server
        self.workdir = workdir
        self.env = {
            "BOT_TOKEN": server.token,
            "TELEGRAM_API_URL": server.base_url,
            "TELEGRAM_FILE_URL": server.file_url,
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "INFO",
            "FLOOD_RATE": "1000",
            "FLOOD_BURST": "1000",
            "WEBHOOK_URL": "",
        }
        self.life = 0
        self.child: ChildProcess | None = None

    def log(self, life: int) -> str:
        return (self.workdir / f"bot-{life}.log").read_text(errors="replace")

    async def start(self) -> None:
        self.life += 1
        polls = self.server.stats.methods["getUpdates"]
        child = ChildProcess(["-m", "bot"], self.env, self.workdir / f"bot-{self.life}.log")
        child.start()
        self.child = child
        deadline = time.monotonic() + 90
        while self.server.stats.methods["getUpdates"] == polls:
            assert child.proc is not None
            if child.proc.poll() is not None:
                raise AssertionError(f"the bot exited:\n{self.log(self.life)[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot did not poll:\n{self.log(self.life)[-3000:]}")
            await asyncio.sleep(0.02)

    def kill9(self) -> None:
        assert self.child is not None
        self.child.kill9()

    async def stop(self) -> None:
        child = self.child
        if child is not None and child.proc is not None and child.proc.poll() is None:
            await child.stop()


@asynccontextmanager
async def bot_process(
    server: FakeTelegramServer, database_url: str, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    bot = BotProcess(server, database_url, tmp_path)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


@asynccontextmanager
async def writes_blocked(database_url: str) -> AsyncIterator[None]:
    """Hold the database's write lock: the bot's next unit of work waits for it."""
    if database_url.startswith("sqlite"):
        # The bot waits up to 5 s for the lock (db/sqlite_inloop.py): the test acts well within.
        lite = sqlite3.connect(database_url.split(":///", 1)[1], isolation_level=None)
        lite.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            lite.execute("ROLLBACK")
            lite.close()
        return
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("LOCK TABLE message_log IN EXCLUSIVE MODE"))
            try:
                yield
            finally:
                await connection.rollback()
    finally:
        await engine.dispose()


async def to_household_question(user: FakeUser) -> None:
    """Language, «Check eligibility», region, district, benefit: the household size is asked."""
    words = WORDS["ky"]
    await user.send("/start")
    await user.expect_one(timeout=30)
    for press, replies in (
        (words["language"], 1),
        (words["check"], 2),
        (words["chui"], 1),
        (words["alamudun"], 1),
        (words["benefit"], 1),
    ):
        await user.press(press)
        await user.expect(replies, timeout=30)
    assert HOUSEHOLD_KY in user.last.content


async def inbound_rows(database_url: str, update_id: int) -> int:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            count = await connection.scalar(
                select(func.count())
                .select_from(MessageLog)
                .where(MessageLog.update_id == update_id, MessageLog.direction == Direction.IN)
            )
        return int(count or 0)
    finally:
        await engine.dispose()


def stored_answers(
    server: FakeTelegramServer, database_url: str, user_id: int
) -> Awaitable[dict[str, object]]:
    async def load() -> dict[str, object]:
        harness = BotHarness(server, database_url)
        run = await run_of(harness, user_id, "eligibility")
        assert run is not None
        return dict(run.answers)

    return load()


async def test_update_unfinished_at_a_kill_is_delivered_again_and_answered(
    server: FakeTelegramServer, database_url: str, tmp_path: Path
) -> None:
    async with bot_process(server, database_url, tmp_path) as bot:
        user = server.user(9601, "Айгүл", language_code="ky")
        await to_household_question(user)
        async with writes_blocked(database_url):
            record = await user.send("6")  # the handler now waits for the database
            await polled_after_delivery(server, record)
            assert record.confirmed_at is None  # fetched, polled past, yet not confirmed
            bot.kill9()
        assert record.confirmed_at is None and user.unread == []
        await bot.start()  # Telegram delivers it again; this life applies it
        reply = await user.expect_one(timeout=30)
        assert CHILDREN_KY in reply.content
        await wait_for(lambda: record.confirmed_at is not None, "the update confirmed")
        answers = await stored_answers(server, database_url, 9601)
        assert answers["household_size"] == 6 and "children_under_16" not in answers
        assert await inbound_rows(database_url, record.update_id) == 1
        await user.expect_silence(0.5)


async def test_update_finished_before_a_kill_is_not_applied_twice(
    server: FakeTelegramServer, database_url: str, tmp_path: Path
) -> None:
    async with bot_process(server, database_url, tmp_path) as bot:
        held, done = (server.user(uid, "Айгүл", language_code="ky") for uid in (9701, 9702))
        await to_household_question(held)
        await to_household_question(done)
        server.faults = FaultConfig(slow_ms=20_000)
        server.fail_next("slow", method="sendMessage")
        first = await held.send("6")  # stored, then its reply hangs: the update runs on
        await wait_for(lambda: server.stats.faults["slow"] == 1, "the reply to be held")
        second = await done.send("5")
        assert CHILDREN_KY in (await done.expect_one(timeout=30)).content
        await polled_after_delivery(server, second)
        # `second` is finished, but it comes after `first`, which still runs.
        assert first.confirmed_at is None and second.confirmed_at is None
        bot.kill9()
        await bot.start()
        # The held family's update comes again: its answer is stored, so only the question
        # it never received is sent.
        assert CHILDREN_KY in (await held.expect_one(timeout=30)).content
        await wait_for(
            lambda: first.confirmed_at is not None and second.confirmed_at is not None,
            "both updates confirmed",
        )
        await done.expect_silence(1.0)  # its reply had gone out: nothing again
        assert f"update {second.update_id} was delivered again" in bot.log(2)
        for user_id, size in ((9701, 6), (9702, 5)):
            answers = await stored_answers(server, database_url, user_id)
            assert answers["household_size"] == size and "children_under_16" not in answers
        for record in (first, second):
            assert await inbound_rows(database_url, record.update_id) == 1
