"""Migrations: on an empty database, on one with data, down and up, and matching the models."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from db.migrate import downgrade, upgrade
from db.models import Base


def _sync_url(path: Path) -> str:
    return f"sqlite:///{path}"


async def test_upgrade_empty_database_creates_every_table(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "bot.db"
    await asyncio.to_thread(upgrade, f"sqlite+aiosqlite:///{db}")
    engine = create_engine(_sync_url(db))
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
    assert db.stat().st_mode & 0o777 == 0o600
    engine.dispose()


async def test_models_and_migrations_agree(tmp_path: Path) -> None:
    """A model changed without a migration fails here."""
    db = tmp_path / "bot.db"
    await asyncio.to_thread(upgrade, f"sqlite+aiosqlite:///{db}")
    engine = create_engine(_sync_url(db))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


async def test_upgrade_existing_database_keeps_data(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    url = f"sqlite+aiosqlite:///{db}"
    await asyncio.to_thread(upgrade, url, "0001")
    engine = create_engine(_sync_url(db))
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, first_name, role, blocked, created_at, updated_at, "
                "last_seen_at, language) VALUES (42, 'Айгүл', 'applicant', 0, "
                "'2026-01-01 00:00:00', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 'ky')"
            )
        )
    await asyncio.to_thread(upgrade, url)  # to head, then again: a no-op
    await asyncio.to_thread(upgrade, url)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT first_name, language FROM users WHERE id=42")).one()
    engine.dispose()
    assert tuple(row) == ("Айгүл", "ky")


async def test_downgrade_to_base_and_back(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    url = f"sqlite+aiosqlite:///{db}"
    await asyncio.to_thread(upgrade, url)
    await asyncio.to_thread(downgrade, url, "base")
    engine = create_engine(_sync_url(db))
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(_sync_url(db))
    assert "users" in inspect(engine).get_table_names()
    engine.dispose()
