"""Two real bot processes in webhook mode behind one URL, sharing PostgreSQL, act as one."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from db.migrate import upgrade
from tests.fakebot import FakeTelegramServer
from tests.harness import POSTGRES_ENV, fresh_database
from tests.roundrobin import RoundRobinProxy

ROOT = Path(__file__).resolve().parent.parent
SECRET = "multi-instance-secret-0123456789"

pytestmark = pytest.mark.skipif(
    not os.environ.get(POSTGRES_ENV), reason="needs PostgreSQL (TEST_POSTGRES_URL)"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_healthy(port: int, proc: subprocess.Popen[bytes]) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
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
    def __init__(self, server: FakeTelegramServer, database_url: str, tmp: Path) -> None:
        self.server = server
        self.database_url = database_url
        self.tmp = tmp
        self.procs: list[subprocess.Popen[bytes]] = []
        self.proxy: RoundRobinProxy | None = None

    async def start(self, instances: int = 2) -> None:
        await asyncio.to_thread(upgrade, self.database_url)
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
                "LOG_LEVEL": "WARNING",
            }
            proc = spawn_bot(env, self.tmp, self.tmp / f"bot{index}.log")
            self.procs.append(proc)
            await wait_healthy(port, proc)

    async def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            await asyncio.to_thread(proc.wait, 30)
        if self.proxy is not None:
            await self.proxy.stop()


@pytest.fixture
async def cluster(server: FakeTelegramServer, tmp_path: Path) -> AsyncIterator[Cluster]:
    async with fresh_database("postgresql", tmp_path) as url:
        group = Cluster(server, url, tmp_path)
        await group.start()
        try:
            yield group
        finally:
            await group.stop()


async def test_language_chosen_on_one_instance_is_seen_by_the_other(cluster: Cluster) -> None:
    user = cluster.server.user(8001, "Айгүл", language_code="ru")
    await user.send("/start")
    assert "Выберите язык" in (await user.expect_one(timeout=15)).text
    await user.press("Кыргызча")
    await user.expect_edit(timeout=15)
    assert (await user.expect_one(timeout=15)).text.startswith("Кош келиңиз!")
    for _ in range(4):  # alternate instances: every one must speak Kyrgyz now
        await user.send("/help")
        assert "Ботту кантип колдонуу керек" in (await user.expect_one(timeout=15)).text
    assert cluster.proxy is not None
    assert len(cluster.proxy.hits) == 2 and min(cluster.proxy.hits.values()) >= 2
