"""Long polling stores each update before it is confirmed, and a restart finishes it
(bot/polling.py).

The first tests run the bot in this process; the others run the real `python -m bot` as a
child process and kill it with SIGKILL while updates are being processed, then start it again:
an update taken from Telegram but not applied must be applied after the restart, and one that
had been applied must not be applied twice.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.procs import ChildProcess
from bot.polling import MAX_ATTEMPTS, UpdateLedger
from db.models import Direction, InboxUpdate, MessageLog
from tests.fakebot import FakeTelegramServer, FakeUser, FaultConfig
from tests.fakebot.models import UpdateRecord
from tests.harness import BotHarness, migrated_sessions
from tests.test_e2e_eligibility import WORDS, family, relax_flood, run_of

HELP_KY = "Ботту кантип колдонуу керек"
HOUSEHOLD_KY = "өзүңүздү кошо алганда канча адам"  # the household-size question
CHILDREN_KY = "16 жашка чейинки"  # the next one: children under 16
ADULTS_KY = "эмгекке жөндөмдүү"  # and then: adults able to work


async def wait_for(
    condition: Callable[[], bool], what: str, timeout: float = 30.0
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


# -- the ledger's rules, without I/O --------------------------------------------------------


def test_ledger_confirms_what_is_stored_and_remembers_what_finished() -> None:
    ledger = UpdateLedger()
    assert ledger.offset is None and ledger.is_new(5)  # nothing taken yet: no offset
    ledger.taken([5, 6, 7])
    assert ledger.offset == 8  # the next poll confirms 5..7: they are stored
    assert not ledger.is_new(6) and not ledger.is_new(7)
    assert ledger.is_new(8) and ledger.running == 3
    ledger.finish(6)
    ledger.finish(6)  # the same completion twice counts once
    ledger.finish(42)  # never taken: nothing to forget
    assert ledger.running == 2 and ledger.take_finished() == [6]
    assert ledger.take_finished() == []
    ledger.finish(5)
    ledger.put_back(ledger.take_finished())  # deleting the row failed: kept for the next try
    assert ledger.has_finished and ledger.take_finished() == [5]
    ledger.taken([3])  # handed over from the inbox after a restart, below the offset
    assert ledger.offset == 8 and not ledger.is_new(3)


def test_taken_over_updates_set_the_offset() -> None:
    ledger = UpdateLedger()
    ledger.taken([11, 12])  # what a dead process left in the inbox
    # Telegram may still hold them (the kill came before the next poll confirmed them): they
    # are not taken a second time, and the first poll confirms them.
    assert ledger.offset == 13 and not ledger.is_new(11) and not ledger.is_new(12)


# -- in this process ------------------------------------------------------------------------


async def inbox_ids(database_url: str) -> list[int]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.scalars(select(InboxUpdate.update_id))
            return sorted(rows)
    finally:
        await engine.dispose()


async def inbox_emptied_of(database_url: str, *records: UpdateRecord) -> None:
    deadline = time.monotonic() + 30
    wanted = {record.update_id for record in records}
    while wanted & set(await inbox_ids(database_url)):
        if time.monotonic() > deadline:
            raise AssertionError(f"updates {sorted(wanted)} still in the inbox")
        await asyncio.sleep(0.05)


async def test_update_is_confirmed_once_stored_and_forgotten_once_finished(
    harness: BotHarness,
) -> None:
    slow = await family(harness, 9501, "ky")
    server = harness.server
    server.faults = FaultConfig(slow_ms=3000)  # no random faults; the forced one is slow
    server.fail_next("slow", method="sendMessage")
    held = await slow.send("/help")
    await wait_for(lambda: server.stats.faults["slow"] == 1, "the reply to be held")
    await wait_for(lambda: held.confirmed_at is not None, "the update confirmed")
    # The handler still waits for its reply to go out. Telegram may forget the update: the
    # bot keeps it in its inbox until the handler has finished.
    assert held.confirmed_at is not None
    assert held.update_id in await inbox_ids(harness.database_url)
    reply = await slow.expect_one(timeout=20)
    assert HELP_KY in reply.content
    await inbox_emptied_of(harness.database_url, held)


async def test_a_slow_update_does_not_hold_up_the_updates_behind_it(
    harness: BotHarness,
) -> None:
    """getUpdates returns at most 100 updates: when the offset waited for the slowest update,
    the 101st family behind it got nothing until it finished."""
    slow = await family(harness, 9511, "ky")
    relax_flood(harness)
    server = harness.server
    server.faults = FaultConfig(slow_ms=60_000)
    server.fail_next("slow", method="sendMessage")
    await slow.send("/help")
    await wait_for(lambda: server.stats.faults["slow"] == 1, "the reply to be held")
    others = [harness.user(9600 + n, language_code="ky") for n in range(120)]
    for user in others:
        await user.send("/help")
    for user in others:  # all answered while the first reply is still held
        assert HELP_KY in (await user.expect_one(timeout=30)).content
    assert slow.unread == []


async def test_an_update_that_never_finishes_is_given_up_after_a_few_starts(
    server: FakeTelegramServer, database_url: str
) -> None:
    user = server.user(9521, "Айгүл", language_code="ky")
    other = server.user(9522, "Айгүл", language_code="ky")
    async with migrated_sessions(database_url) as sessions, sessions() as session:
        for update_id, who, attempts in ((900_001, user, MAX_ATTEMPTS), (900_002, other, 1)):
            payload = {
                "update_id": update_id,
                "message": {
                    "message_id": 1,
                    "date": int(time.time()),
                    "chat": {"id": who.user_id, "type": "private"},
                    "from": {"id": who.user_id, "is_bot": False, "first_name": "Айгүл"},
                    "text": "/help",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
                },
            }
            session.add(
                InboxUpdate(update_id=update_id, payload=json.dumps(payload), attempts=attempts)
            )
        await session.commit()
    harness = BotHarness(server, database_url)
    await harness.start()
    try:
        # Handed over at MAX_ATTEMPTS starts already (it killed each of them, say): dropped.
        # The other one, left by one dead process, is processed.
        assert HELP_KY in (await other.expect_one(timeout=30)).content
        await user.expect_silence(1.0)
        assert await inbox_ids(database_url) == []
    finally:
        await harness.stop()


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


async def test_updates_taken_but_unfinished_at_a_kill_are_finished_after_the_restart(
    server: FakeTelegramServer, database_url: str, tmp_path: Path
) -> None:
    """The family answers twice in a row; the first answer is stored but its reply hangs, the
    second waits behind it (one family's updates go in order). Telegram has been told to
    forget both when the bot is killed: the restart must apply the second, once."""
    async with bot_process(server, database_url, tmp_path) as bot:
        user = server.user(9601, "Айгүл", language_code="ky")
        await to_household_question(user)
        server.faults = FaultConfig(slow_ms=30_000)
        server.fail_next("slow", method="sendMessage")
        first = await user.send("6")  # stored; the children question hangs on its way
        await wait_for(lambda: server.stats.faults["slow"] == 1, "the reply to be held")
        second = await user.send("3")  # children under 16: queued behind the first
        # Stored, then confirmed by the next poll (which goes out at once).
        await wait_for(lambda: second.confirmed_at is not None, "the second update confirmed")
        assert first.confirmed_at is not None
        assert {first.update_id, second.update_id} <= set(await inbox_ids(database_url))
        bot.kill9()
        assert user.unread == []
        await bot.start()  # the inbox hands both over; the first was applied already
        reply = await user.expect_one(timeout=30)
        assert ADULTS_KY in reply.content, reply.content
        answers = await stored_answers(server, database_url, 9601)
        assert answers["household_size"] == 6 and answers["children_under_16"] == 3
        assert "able_to_work_adults" not in answers
        for record in (first, second):
            assert await inbound_rows(database_url, record.update_id) == 1
        assert f"update {first.update_id} was delivered again" in bot.log(2)
        await inbox_emptied_of(database_url, first, second)
        # The family wrote after the first update: its lost reply (the children question,
        # answered since) is not sent again.
        await user.expect_silence(1.0)


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
        await inbox_emptied_of(database_url, second)  # finished: forgotten
        assert first.update_id in await inbox_ids(database_url)
        bot.kill9()
        await bot.start()
        # The held family's update is handed over again: its answer is stored, so only the
        # question it never received is sent.
        assert CHILDREN_KY in (await held.expect_one(timeout=30)).content
        await done.expect_silence(1.0)  # its reply had gone out: nothing again
        assert f"update {first.update_id} was delivered again" in bot.log(2)
        assert f"update {second.update_id}" not in bot.log(2)
        for user_id, size in ((9701, 6), (9702, 5)):
            answers = await stored_answers(server, database_url, user_id)
            assert answers["household_size"] == size and "children_under_16" not in answers
        for record in (first, second):
            assert await inbound_rows(database_url, record.update_id) == 1
        await inbox_emptied_of(database_url, first)
