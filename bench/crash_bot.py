"""The bot under test: a real `python -m bot` child process that is killed -9 and restarted.

Families and killers share one BotSupervisor: it says whether the bot is up and since when
(`ready_at`), so a family can tell "my reply is late" from "the bot died after I wrote". Each
process life writes its own log (bot-<n>.log): a restart's warnings are read per life.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.procs import ChildProcess
from tests.fakebot import FakeTelegramServer

START_TIMEOUT = 120.0  # migrations and imports on a busy shared machine


@dataclass(frozen=True, slots=True)
class Kill:
    life: int  # which process life was killed (1 = the first start)
    at: float  # time.monotonic()
    wall: float  # time.time(), to compare with rows the bot stamped
    phase: str  # "questionnaires" or "broadcast"


class BotSupervisor:
    def __init__(self, server: FakeTelegramServer, env: dict[str, str], workdir: Path) -> None:
        self.server = server
        self.env = env
        self.workdir = workdir
        self.child: ChildProcess | None = None
        self.life = 0
        self.up = False
        self.ready_at = 0.0  # when the current life started polling (time.monotonic())
        self.kills: list[Kill] = []
        self.start_seconds: list[float] = []  # process start to first poll, per life

    @property
    def logs(self) -> list[Path]:
        return [self.workdir / f"bot-{life}.log" for life in range(1, self.life + 1)]

    async def start(self) -> None:
        """Start a new life; ready once it polls (after migrations, setMyCommands)."""
        self.life += 1
        child = ChildProcess(["-m", "bot"], self.env, self.workdir / f"bot-{self.life}.log")
        polls = self.server.stats.methods["getUpdates"]  # the dead life polls no more
        began = time.monotonic()
        child.start()
        self.child = child
        deadline = time.monotonic() + START_TIMEOUT
        while self.server.stats.methods["getUpdates"] == polls:
            if child.proc is not None and child.proc.poll() is not None:
                raise RuntimeError(f"the bot exited at start-up; see {child.log_path}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the bot did not start polling; see {child.log_path}")
            await asyncio.sleep(0.02)
        self.ready_at = time.monotonic()
        self.start_seconds.append(self.ready_at - began)
        self.up = True

    def kill(self, phase: str) -> None:
        assert self.child is not None
        self.up = False
        self.kills.append(Kill(self.life, time.monotonic(), time.time(), phase))
        self.child.kill9()

    async def restart(self, pause: float) -> None:
        """A short pause (a supervisor noticing the crash), then a new life."""
        await asyncio.sleep(pause)
        await self.start()

    def alive(self) -> bool:
        child = self.child
        return child is not None and child.proc is not None and child.proc.poll() is None

    async def stop(self) -> None:
        if self.child is not None and self.alive():
            await self.child.stop()
        self.up = False

    def tail(self, lines: int = 15) -> str:
        path = self.workdir / f"bot-{self.life}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def stratified(rng: random.Random, count: int, low: float, high: float) -> list[float]:
    """``count`` random points in [low, high], one in each equal slice: spread, not clumped."""
    width = (high - low) / max(count, 1)
    return [low + width * (i + rng.uniform(0.1, 0.9)) for i in range(count)]


async def kill_at_progress(
    bot: BotSupervisor,
    rng: random.Random,
    *,
    progress: Callable[[], int],
    thresholds: list[float],
    phase: str,
    done: Callable[[], bool],
    min_uptime: float = 1.0,
) -> None:
    """Kill -9 each time ``progress()`` passes the next threshold, then restart.

    The moment is random twice over: the threshold, and a random delay after it. A kill waits
    until the bot has been up for ``min_uptime`` (with a random extra), so each one hits a bot
    that is working again rather than one still catching up from the previous kill.
    """
    for threshold in thresholds:
        while progress() < threshold or time.monotonic() - bot.ready_at < min_uptime:
            if done():
                return
            await asyncio.sleep(0.01)
        await asyncio.sleep(rng.uniform(0.0, 0.3))
        if done():
            return
        bot.kill(phase)
        print(
            f"[crash] kill -9 #{len(bot.kills)} ({phase}) at progress {progress()}",
            file=sys.stderr,
            flush=True,
        )
        await bot.restart(rng.uniform(0.2, 1.0))
