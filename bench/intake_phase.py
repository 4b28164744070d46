"""One measured phase of the intake benchmark: N families, at most C of them active at once.

C workers take families from a shared counter, so exactly C families are in progress while any
are left (a closed loop: each family sends its next update only after the bot answered the
previous one). Progress goes to stderr every few seconds.
"""

from __future__ import annotations

import asyncio
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.intake_family import FamilyResult, FamilyRun, Step
from tests.fakebot import FakeTelegramServer

PROGRESS_EVERY = 5.0


@dataclass
class PhaseResult:
    runs: list[FamilyRun] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)  # per run

    @property
    def results(self) -> list[FamilyResult]:
        return [run.result for run in self.runs]

    @property
    def updates(self) -> int:
        return sum(r.updates for r in self.results)

    @property
    def elapsed(self) -> float:
        """First update available -> last reply, over every family (start-up excluded)."""
        starts = [r.first_sent_at for r in self.results if r.first_sent_at is not None]
        ends = [r.last_reply_at for r in self.results if r.last_reply_at is not None]
        return max(ends) - min(starts) if starts and ends else 0.0

    @property
    def rate(self) -> float:
        return self.updates / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def latencies(self) -> list[float]:
        return sorted(x for r in self.results for x in r.latencies)

    @property
    def failed(self) -> list[FamilyRun]:
        return [run for run in self.runs if run.result.error is not None]


def percentile_ms(ordered: list[float], p: float) -> float | None:
    """Nearest-rank percentile of sorted seconds, in ms."""
    if not ordered:
        return None
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return round(ordered[rank - 1] * 1000, 1)


async def run_phase(
    server: FakeTelegramServer,
    *,
    label: str,
    user_ids: list[int],
    language_of: Callable[[int], str],
    steps_of: Callable[[int, str], list[Step]],
    concurrency: int,
    timeout: float,
    echo: bool = False,
    budget_s: float | None = None,
    alive: Callable[[], bool] = lambda: True,
    think: float = 0.0,
) -> PhaseResult:
    """Runs every family (the i-th uses user_ids[i]); with ``budget_s`` families stop taking
    steps once that many seconds have passed (a rate needs a steady state, not a full run)."""
    phase = PhaseResult()
    next_family = 0
    bot_exited = False
    started = time.monotonic()
    stop_at = started + budget_s if budget_s is not None else None

    async def worker() -> None:
        nonlocal next_family
        while next_family < len(user_ids) and not bot_exited:
            if stop_at is not None and time.monotonic() >= stop_at:
                return
            index = next_family
            next_family += 1
            language = language_of(index)
            user = server.user(user_ids[index], "Айгүл", language_code=language)
            run = FamilyRun(server, user, steps_of(index, language), timeout, think)
            phase.runs.append(run)
            phase.languages.append(language)
            await run.run(echo=echo, stop_at=stop_at)

    async def progress() -> None:
        nonlocal bot_exited
        before = 0
        while True:
            await asyncio.sleep(PROGRESS_EVERY)
            updates = phase.updates
            seconds = time.monotonic() - started
            print(
                f"[{label}] {seconds:6.1f}s  {updates} updates answered "
                f"({(updates - before) / PROGRESS_EVERY:.0f}/s lately), families started "
                f"{len(phase.runs)}/{len(user_ids)}, failed {len(phase.failed)}",
                file=sys.stderr,
                flush=True,
            )
            before = updates
            if not alive():  # families in progress time out; no new ones start
                bot_exited = True

    reporter = asyncio.create_task(progress())
    try:
        workers = [asyncio.create_task(worker()) for _ in range(max(1, concurrency))]
        await asyncio.gather(*workers)
    finally:
        reporter.cancel()
    if bot_exited or not alive():
        raise RuntimeError(f"{label}: the bot process exited during the run")
    return phase
