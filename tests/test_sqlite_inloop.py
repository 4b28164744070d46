"""SQLite statements on the event loop's thread (db/sqlite_inloop.py), through SQLAlchemy."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from db import sqlite_inloop
from db.engine import create_engine
from db.sqlite_inloop import InLoopConnection


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'inloop.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    yield engine
    await engine.dispose()


async def test_the_engine_uses_the_in_loop_driver_with_the_pragmas(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.driver_connection, InLoopConnection)
        mode = await connection.scalar(text("PRAGMA journal_mode"))
        keys = await connection.scalar(text("PRAGMA foreign_keys"))
    assert mode == "wal" and keys == 1


async def test_a_unit_of_work_does_not_give_the_loop_away_between_statements(
    engine: AsyncEngine,
) -> None:
    """The point of the driver: on SQLite a unit of work holds the one connection, so it must
    not wait for other families' work between its statements."""
    turns = 0
    stop = asyncio.Event()

    async def other_family() -> None:
        nonlocal turns
        while not stop.is_set():
            turns += 1
            await asyncio.sleep(0)

    async with engine.connect() as connection:  # connected before: opening may hop
        other = asyncio.create_task(other_family())
        await asyncio.sleep(0)
        before = turns
        async with connection.begin():
            for number in range(20):
                await connection.execute(
                    text("INSERT INTO t (name) VALUES (:name)"), {"name": f"n{number}"}
                )
            count = await connection.scalar(text("SELECT count(*) FROM t"))
        during = turns - before
        stop.set()
        await other
    assert count == 20
    assert during == 0


async def test_commit_rollback_and_autocommit_reads(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO t (name) VALUES ('kept')"))
    with pytest.raises(RuntimeError):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO t (name) VALUES ('undone')"))
            raise RuntimeError
    reading = engine.execution_options(isolation_level="AUTOCOMMIT")
    async with reading.connect() as connection:
        names = (await connection.execute(text("SELECT name FROM t"))).scalars().all()
    assert names == ["kept"]
    async with engine.connect() as connection:  # the pooled connection is transactional again
        await connection.execute(text("INSERT INTO t (name) VALUES ('undone too')"))
        await connection.rollback()
        assert await connection.scalar(text("SELECT count(*) FROM t")) == 1


async def test_errors_are_sqlalchemys_and_the_connection_survives(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO t (name) VALUES ('x')"))
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO t (name) VALUES ('x')"))
    with pytest.raises(OperationalError):
        async with engine.connect() as connection:
            await connection.execute(text("SELECT * FROM no_such_table"))
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO t (name) VALUES ('y')"))
        assert await connection.scalar(text("SELECT count(*) FROM t")) == 2


async def test_many_rows_at_once_and_streamed(engine: AsyncEngine) -> None:
    rows = [{"name": f"family {i}"} for i in range(1000)]
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO t (name) VALUES (:name)"), rows)
    seen = 0
    async with engine.connect() as connection:
        result = await connection.stream(
            text("SELECT id, name FROM t ORDER BY id").execution_options(yield_per=64)
        )
        async for partition in result.partitions(64):
            assert len(partition) <= 64
            seen += len(partition)
    assert seen == 1000


async def test_another_process_lock_is_waited_for_without_blocking_the_loop(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An operator's sqlite3 shell holding the write lock: the bot's write waits (other
    families' work goes on meanwhile) and goes through once the lock is released; a lock held
    for longer than LOCK_WAIT_SECONDS fails the write as busy_timeout did."""
    other = sqlite3.connect(tmp_path / "inloop.db", isolation_level=None)
    turns = 0

    async def other_family() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(other_family())
    try:
        other.execute("BEGIN IMMEDIATE")
        write = asyncio.create_task(_insert(engine, "waited"))
        await asyncio.sleep(0.3)
        assert not write.done() and turns >= 10  # waiting, and the loop is free
        other.execute("ROLLBACK")
        await asyncio.wait_for(write, 5)
        monkeypatch.setattr(sqlite_inloop, "LOCK_WAIT_SECONDS", 0.2)
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(OperationalError, match="locked"):
            await _insert(engine, "given up")
        other.execute("ROLLBACK")
    finally:
        ticker.cancel()
        other.close()
    async with engine.connect() as connection:
        names = (await connection.execute(text("SELECT name FROM t"))).scalars().all()
    assert names == ["waited"]


async def _insert(engine: AsyncEngine, name: str) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO t (name) VALUES (:name)"), {"name": name})
