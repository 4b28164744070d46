"""Backups: a consistent SQLite copy while the bot runs; PostgreSQL points to pg_dump."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import BotHarness

ROOT = Path(__file__).resolve().parent.parent


def run_backup(database_url: str, target: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BOT_TOKEN": "123456:TEST-token", "DATABASE_URL": database_url,
           "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "bot", "backup", str(target)],
        env=env, capture_output=True, text=True, timeout=60, cwd=ROOT,
    )


async def test_backup_while_the_bot_writes(harness: BotHarness, tmp_path: Path) -> None:
    if not harness.database_url.startswith("sqlite"):
        pytest.skip("the online backup API is SQLite's; PostgreSQL uses pg_dump")
    users = [harness.user(5000 + i, language_code="ky") for i in range(5)]
    for user in users:
        await user.send("/start")
    for user in users:
        await user.expect_one()

    async def keep_writing() -> None:
        for user in users:
            await user.send("/help")

    target = tmp_path / "backups" / "copy.db"
    writer = asyncio.create_task(keep_writing())
    result = await asyncio.to_thread(run_backup, harness.database_url, target)
    await writer
    assert result.returncode == 0, result.stderr
    assert target.stat().st_mode & 0o777 == 0o600
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        ids = {row[0] for row in copy.execute("SELECT id FROM users")}
        assert {5000, 5001, 5002, 5003, 5004} <= ids
        assert copy.execute("SELECT count(*) FROM message_log").fetchone()[0] >= 10
    finally:
        copy.close()


def test_backup_of_postgres_points_to_pg_dump(tmp_path: Path) -> None:
    result = run_backup("postgresql+asyncpg://x@127.0.0.1/db", tmp_path / "x.db")
    assert result.returncode == 2
    assert "pg_dump" in result.stderr and "Traceback" not in result.stderr
