"""`python -m bot backup PATH`: a consistent copy of the SQLite database while the bot runs.

SQLite's online backup API copies page by page under a read transaction, so the copy is a
consistent snapshot even while the bot keeps writing (WAL mode). Restore: stop the bot, copy the
backup over the database file (and delete any bot.db-wal / bot.db-shm beside it), start the bot.
For PostgreSQL use pg_dump / pg_restore instead (see README).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from db.engine import sqlite_path


class BackupError(Exception):
    """The backup could not be made; the message is for the operator."""


def backup_sqlite(database_url: str, target: Path, pages_per_step: int = 1024) -> int:
    """Copy the database to `target` (owner-only permissions); return its size in bytes."""
    source = sqlite_path(database_url)
    if source is None:
        raise BackupError(
            "backup works for SQLite only; for PostgreSQL use pg_dump (see README, Backups)"
        )
    if not source.exists():
        raise BackupError(f"database file not found: {source}")
    target = target.resolve()
    if target == source.resolve():
        raise BackupError("the backup path is the database itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    fd = os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.close(fd)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        # Small steps let the bot's writers in between; each step is consistent.
        src.backup(dst, pages=pages_per_step)
        if dst.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            raise BackupError("the copy failed SQLite's integrity check")
    finally:
        dst.close()
        src.close()
    partial.replace(target)  # atomic: a half-written file never carries the final name
    return target.stat().st_size
