"""A fresh, empty database for one benchmark run: an SQLite file, or a PostgreSQL database
created on the server and dropped afterwards (so runs never see each other's rows)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


@asynccontextmanager
async def fresh_database(kind: str, workdir: Path, postgres_url: str) -> AsyncIterator[str]:
    """Yields the DATABASE_URL. ``postgres_url`` names the server (any existing database)."""
    if kind == "sqlite":
        for name in ("bot.db", "bot.db-wal", "bot.db-shm"):  # a kept workdir's previous run
            (workdir / name).unlink(missing_ok=True)
        yield f"sqlite+aiosqlite:///{workdir / 'bot.db'}"
        return
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield postgres_url.rsplit("/", 1)[0] + "/" + name
        finally:
            async with admin.connect() as connection:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def count_submitted(database_url: str) -> int:
    """Applications stored as submitted: each finished family must have exactly one."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            found = await connection.scalar(
                text("SELECT count(*) FROM applications WHERE status = 'submitted'")
            )
            return int(found or 0)
    finally:
        await engine.dispose()
