"""Two (or more) real `python -m bot --webhook` processes behind a round-robin proxy, sharing
one PostgreSQL database, against the fake Bot API server. Used by tests/test_multi_instance*.py.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, create_async_engine

from db.migrate import upgrade
from tests.conftest import ADMIN_ID
from tests.fakebot import FakeTelegramServer, FakeUser
from tests.harness import POSTGRES_ENV, database_session, fresh_database
from tests.roundrobin import RoundRobinProxy

ROOT = Path(__file__).resolve().parent.parent
SECRET = "multi-instance-secret-0123456789"
WAIT = 30.0  # every wait returns as soon as its condition holds; generous for a loaded CI

needs_postgres = pytest.mark.skipif(
    not os.environ.get(POSTGRES_ENV), reason="needs PostgreSQL (TEST_POSTGRES_URL)"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_healthy(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            assert proc.poll() is None, "bot process exited"
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError("bot instance never became healthy")


def spawn_bot(env: dict[str, str], cwd: Path, log_path: Path) -> subprocess.Popen[bytes]:
    """`python -m bot --webhook` as a real process, its output in a log file."""
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "--webhook"], env=env, cwd=cwd, stdout=log, stderr=log
        )


class Cluster:
    """The bot processes, the proxy in front of them and their shared database."""

    def __init__(
        self, server: FakeTelegramServer, database_url: str, tmp: Path, **settings: str
    ) -> None:
        self.server = server
        self.database_url = database_url
        self.tmp = tmp
        self.settings = {
            "ADMIN_IDS": str(ADMIN_ID),
            # A test answers much faster than a person; the flood guard is tested elsewhere.
            "FLOOD_RATE": "1000",
            "FLOOD_BURST": "1000",
            "LOG_LEVEL": "INFO",
            **settings,
        }
        self.procs: list[subprocess.Popen[bytes]] = []
        self.proxy: RoundRobinProxy | None = None

    async def start(self, instances: int = 2) -> None:
        await asyncio.to_thread(upgrade, self.database_url)  # once, before the instances
        ports = [free_port() for _ in range(instances)]
        self.proxy = RoundRobinProxy([f"http://127.0.0.1:{p}" for p in ports])
        await self.proxy.start()
        for index, port in enumerate(ports):
            env = {
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "BOT_TOKEN": self.server.token,
                "DATABASE_URL": self.database_url,
                "TELEGRAM_API_URL": self.server.base_url,
                "TELEGRAM_FILE_URL": self.server.file_url,
                "WEBHOOK_URL": f"http://127.0.0.1:{self.proxy.port}/tg",
                "WEBHOOK_SECRET": SECRET,
                "WEBHOOK_PORT": str(port),
                **self.settings,
            }
            proc = spawn_bot(env, self.tmp, self.log_path(index))
            self.procs.append(proc)
            await wait_healthy(port, proc)

    def log_path(self, index: int) -> Path:
        return self.tmp / f"bot{index}.log"

    def logs(self) -> list[str]:
        return [self.log_path(i).read_text(errors="replace") for i in range(len(self.procs))]

    async def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            await asyncio.to_thread(proc.wait, 30)
        if self.proxy is not None:
            await self.proxy.stop()

    @property
    def router(self) -> RoundRobinProxy:
        assert self.proxy is not None, "cluster not started"
        return self.proxy

    def user(self, user_id: int, first_name: str = "Айгүл", **kwargs: Any) -> FakeUser:
        return self.server.user(user_id, first_name, **kwargs)

    @asynccontextmanager
    async def db(self) -> AsyncIterator[AsyncSession]:
        """A session on the shared database, for seeding and asserting on rows."""
        async with database_session(self.database_url) as session:
            yield session

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        engine = create_async_engine(self.database_url)
        try:
            async with engine.connect() as connection:
                yield connection
        finally:
            await engine.dispose()

    def tracebacks(self) -> list[str]:
        """Log lines of unexpected errors (the error handler logs each with its traceback)."""
        return [line for log in self.logs() for line in log.splitlines() if "Traceback" in line]


@asynccontextmanager
async def started_cluster(
    server: FakeTelegramServer, tmp_path: Path, instances: int = 2, **settings: str
) -> AsyncIterator[Cluster]:
    """A fresh PostgreSQL database and `instances` bot processes on it."""
    async with fresh_database("postgresql", tmp_path) as url:
        group = Cluster(server, url, tmp_path, **settings)
        try:
            await group.start(instances)
            yield group
        finally:
            await group.stop()


async def lock_waiters(connection: AsyncConnection) -> int:
    """Backends of this database waiting for a lock (e.g. on a row the test holds)."""
    count = await connection.scalar(
        text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
    )
    return int(count or 0)
