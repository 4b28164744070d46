"""SQLite statements run on the event loop's own thread, behind SQLAlchemy's aiosqlite dialect.

aiosqlite sends every call (cursor, execute, fetchall, close, commit) to a worker thread and
back. Under load each hop waits for the GIL (the loop thread holds it up to the 5 ms switch
interval) and then for a turn of the busy event loop. A unit of work makes a dozen hops, and
on SQLite it holds the one connection all the while: at 200 families the connection was busy
87-93% of the time, 5 ms per unit of work, which capped the bot's throughput.

A local SQLite statement of this bot takes tens of microseconds (WAL, synchronous=NORMAL, no
fsync per commit), less than one hop. So the driver coroutines here run the standard sqlite3
module directly and return without suspending: a unit of work's statements cost their CPU
only. The price is that a slow statement (a caseworker's query on a big database, 10-25 ms)
pauses the loop for that long; PostgreSQL, the choice for large deployments, is unaffected.

One wait must not block the loop: another process holding the write lock (an operator's
sqlite3 shell, a second bot started on the same file by mistake). SQLite's own busy handler
would sleep inside the call, so it is off (busy_timeout=0 in db/engine.py) and a statement
that finds the database locked is retried here with `asyncio.sleep` in between, for up to
LOCK_WAIT_SECONDS, as busy_timeout did: meanwhile other families' replies and the polling go on.

This is the aiosqlite surface SQLAlchemy's adapter uses (sqlalchemy.connectors.asyncio and
dialects.sqlite.aiosqlite), plugged in through create_async_engine's `async_creator`; the
dialect, its SQL and its type handling stay SQLAlchemy's own.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")
LOCK_WAIT_SECONDS = 5.0
_FIRST_PAUSE = 0.001
_LONGEST_PAUSE = 0.05


def _locked(error: sqlite3.OperationalError) -> bool:
    """Locked by another connection, and worth waiting for. A stale read snapshot
    (SQLITE_BUSY_SNAPSHOT) never clears by waiting: it fails at once, as with busy_timeout."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:
        return False
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or (
        code & 0xFF == sqlite3.SQLITE_BUSY and code != sqlite3.SQLITE_BUSY_SNAPSHOT
    )


async def _waiting_for_the_lock(call: Callable[[], T]) -> T:
    """call(), retried while another process holds the lock (the statement did not run)."""
    pause, waited = _FIRST_PAUSE, 0.0
    while True:
        try:
            return call()
        except sqlite3.OperationalError as error:
            if not _locked(error) or waited >= LOCK_WAIT_SECONDS:
                raise
        await asyncio.sleep(pause)
        waited += pause
        pause = min(pause * 2, _LONGEST_PAUSE)


class InLoopCursor:
    """aiosqlite.Cursor's coroutines over a sqlite3 cursor, none of which suspends."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InLoopCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Any = ()) -> InLoopCursor:
        await _waiting_for_the_lock(lambda: self._cursor.execute(sql, parameters))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InLoopCursor:
        rows = list(parameters)  # a retry must see them all again
        await _waiting_for_the_lock(lambda: self._cursor.executemany(sql, rows))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    def __aiter__(self) -> InLoopCursor:
        return self

    async def __anext__(self) -> Any:
        row = self._cursor.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _RunNow:
    """Stands in for aiosqlite's request queue, which SQLAlchemy uses directly to change the
    isolation level (AUTOCOMMIT reads): the request runs at once."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:
            future.set_exception(error)


class InLoopConnection:
    """aiosqlite.Connection's surface over a sqlite3 connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection  # None once closed
        self._tx = _RunNow()

    def cursor(self) -> InLoopCursor:
        return InLoopCursor(self._live().cursor())

    async def commit(self) -> None:
        connection = self._live()
        await _waiting_for_the_lock(connection.commit)

    async def rollback(self) -> None:
        self._live().rollback()

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._live().create_function(*args, **kwargs)

    @property
    def isolation_level(self) -> str | None:
        return self._live().isolation_level

    def _live(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("Connection closed")  # what aiosqlite raises; SQLAlchemy maps it
        return self._connection


async def connect(database: str, **kwargs: Any) -> InLoopConnection:
    """sqlite3.connect, as aiosqlite.connect would call it (SQLAlchemy's async_creator)."""
    # Only the loop thread uses the connection, but the pool may close it from another one
    # (garbage collection at exit), which check_same_thread would refuse.
    return InLoopConnection(sqlite3.connect(database, check_same_thread=False, **kwargs))

