"""The async engine and session factory, with SQLite tuned for a bot's many small writes."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from db import sqlite_inloop


def sqlite_path(database_url: str) -> Path | None:
    """The file behind a SQLite URL, or None for PostgreSQL and in-memory databases."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def prepare_sqlite_file(database_url: str) -> None:
    """Create the folder and an owner-only database file (SQLite would make it world-readable)."""
    path = sqlite_path(database_url)
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    os.chmod(path, 0o600)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (exports, caseworker queries) run beside the writer. No busy_timeout:
    # SQLite would sleep on the event loop's thread; db/sqlite_inloop.py waits for another
    # process's lock with asyncio.sleep instead.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.close()


def create_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for SQLite (aiosqlite) or PostgreSQL (asyncpg)."""
    if database_url.startswith("sqlite"):
        prepare_sqlite_file(database_url)
        # SQLite has one writer. With several pooled connections, a transaction that read first
        # and then writes fails at once with "database is locked" when another connection wrote
        # in between (busy_timeout cannot help a deferred transaction's upgrade). One connection
        # queues units of work in the pool instead, in order and without polling for the lock.
        kwargs.setdefault("pool_size", 1)
        kwargs.setdefault("max_overflow", 0)
        kwargs.setdefault("pool_timeout", 60)
        # Statements on the loop's thread instead of aiosqlite's (see db/sqlite_inloop.py).
        database = make_url(database_url).database or ":memory:"
        kwargs.setdefault("async_creator", partial(sqlite_inloop.connect, database))
        engine = create_async_engine(database_url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(database_url, **kwargs)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded values after commit, so replies can be built from them."""
    return async_sessionmaker(engine, expire_on_commit=False)
