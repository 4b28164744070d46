"""`python -m bench intake --families N --concurrency C [--rtt MS] [--think MS] [--database …]`

N simulated families, each a distinct user, take the whole path (bench/intake_family.py): /start,
the language, the eligibility check, the full business plan with the contact, photo and
document uploads, submission and the PDF. At most C families are active at once, and each waits
for the bot's reply before its next step: at once (the default, which measures the bot at
saturation: latency is then C / throughput), or after --think ms, give or take half, as a
person reads and taps (latency under a load the bot can carry; the pause comes before the first
message too, so such families do not all start in the same millisecond). They run in this process
against the fake Bot API server (tests/fakebot), which delays every answer by MS milliseconds,
as real Telegram is tens of milliseconds away; the bot is the real `python -m bot`, a separate
process, on a fresh database. Before the measured run one family per language goes through
alone: its replies are the reference every measured family's replies must match.

Then the ceiling, on a fresh fake server with the same rtt and C: bench/echo_bot.py (bare
python-telegram-bot, default settings), the same families sending the same number of updates
(texts, presses, the contact, the photo and the document), for at most --echo-seconds.

Definitions (the JSON's fields):
  updates_per_s  updates sent by the families / (last reply - first update), start-up excluded.
  p50/p95/p99_ms per update, from the moment the update is queued at the fake server (available
                 to getUpdates) to the first reply the family waits for: the step's first new
                 message, or the edit for a toggle that is answered in place.
  peak_rss_mb    the bot process's VmHWM (/proc/<pid>/status), start-up included;
                 helpers_peak_rss_mb the same summed over its child processes (the PDF workers).
  bot_cpu_ms_per_update  the bot process's CPU over the run / updates; helpers_cpu_ms_per_update
                 its child processes' CPU (start-up included) / updates.
  order_violations  steps whose replies differ from the reference family's (text, numbers
                 blanked), replies stamped before their update, messages left over after a
                 family's last step, and families that finished without an SC-… reference.
  ratio          updates_per_s / echo_updates_per_s.
The families answer instantly, so the bot's flood guard is raised (FLOOD_RATE/FLOOD_BURST).
The last line on stdout is one JSON object; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.database import DEFAULT_POSTGRES_URL, count_submitted, fresh_database
from bench.intake_family import FamilyRun, check_echo, compare, family_steps, first_difference
from bench.intake_phase import PhaseResult, percentile_ms, run_phase
from bench.procs import ChildProcess, children_of, cpu_seconds, peak_rss_mb
from bench.profiling import PySpy, top_frames
from tests.fakebot import FakeTelegramServer

FIRST_FAMILY = 7_100_000_000
FIRST_REFERENCE = 7_000_000_000
FLOOD = "1000000"  # families answer instantly; the guard would throttle them, not the bot
START_TIMEOUT = 120.0


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench intake",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--families", type=int, default=200, help="N families (default 200)")
    parser.add_argument("--concurrency", type=int, default=200, help="C families at once")
    parser.add_argument("--rtt", type=float, default=0.0, help="round trip added, in ms")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="ms a family pauses before each message, the first too (uniform, half to one and "
        "a half times this); 0: answers instantly, which measures the bot at saturation",
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help="server for --database postgres; a fresh database is created and dropped there",
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=None,
        help="time budget of the bot's run: families then stop where they are (default: none)",
    )
    parser.add_argument(
        "--echo-seconds", type=float, default=120.0, help="time budget of the echo ceiling run"
    )
    parser.add_argument("--no-echo", action="store_true", help="skip the echo ceiling")
    parser.add_argument(
        "--step-timeout", type=float, default=60.0, help="seconds a family waits for a reply"
    )
    parser.add_argument(
        "--bot-args",
        default="-m bot",
        help="the bot's python arguments (default: -m bot); e.g. a script that patches the bot "
        "for an experiment before running it",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="keep the logs (bot.log, echo.log) and the SQLite file here instead of a temp dir",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="py-spy the bot during the measured run into this file (.svg, .json or raw text)",
    )
    args = parser.parse_args(argv)
    if args.families < 1 or args.concurrency < 1:
        parser.error("--families and --concurrency must be at least 1")
    return args


def language_of(index: int) -> str:
    return "ky" if index % 2 == 0 else "ru"


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def server_env(server: FakeTelegramServer) -> dict[str, str]:
    return {
        "BOT_TOKEN": server.token,
        "TELEGRAM_API_URL": server.base_url,
        "TELEGRAM_FILE_URL": server.file_url,
    }


async def start(child: ChildProcess, server: FakeTelegramServer, name: str) -> None:
    """Start the process; ready once it polls for updates (after migrations, setMyCommands)."""
    child.start()
    deadline = time.monotonic() + START_TIMEOUT
    while server.stats.methods["getUpdates"] == 0:
        if child.proc is not None and child.proc.poll() is not None:
            raise RuntimeError(f"{name} exited at start-up; see {child.log_path}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not start polling; see {child.log_path}")
        await asyncio.sleep(0.05)


def alive(child: ChildProcess) -> bool:
    return child.proc is not None and child.proc.poll() is None


async def settle(server: FakeTelegramServer) -> None:
    """Let late (unexpected) replies arrive before counting leftovers."""
    with contextlib.suppress(AssertionError):
        await server.wait_idle(timeout=10.0, settle=0.3)


async def references(server: FakeTelegramServer, args: argparse.Namespace) -> dict[str, list[str]]:
    """One family per language, alone: what every family must see. Fails loudly when the
    script no longer matches the bot (a reworded button, a new question)."""
    found: dict[str, list[str]] = {}
    for offset, language in enumerate(("ky", "ru")):
        index = args.families + offset  # distinct PINs from the measured families
        user = server.user(FIRST_REFERENCE + offset, "Айгүл", language_code=language)
        run = FamilyRun(server, user, family_steps(language, index), args.step_timeout)
        result = await run.run()
        if result.error is not None or result.ref is None:
            raise RuntimeError(
                f"the reference family ({language}) did not finish: the script in "
                f"bench/intake_family.py no longer matches the bot\n{result.error or ''}"
            )
        found[language] = result.transcript
    return found


def violations_of(
    runs: list[FamilyRun], wrong: list[int], reference: dict[str, list[str]] | None = None
) -> dict[str, int]:
    """Order violations by kind; a few examples go to stderr.

    unlike_reference: a step brought other replies than the reference family's (an error
    message instead of the question, a reply meant for another step); early: a reply stamped
    before its update; left_over: messages after the last step of a family that did not give
    up; no_ref: a family that finished without an SC-… reference (bot phase only).
    """
    kinds = {"unlike_reference": 0, "early": 0, "left_over": 0, "no_ref": 0}
    shown = 0
    for run, mismatches in zip(runs, wrong, strict=True):
        result = run.result
        finished = result.error is None and not result.stopped
        counts = {
            "unlike_reference": mismatches,
            "early": result.early_replies,
            # A family that timed out gave up: the bot's late answers are not out of order.
            "left_over": run.extra_messages() if result.error is None else 0,
            "no_ref": int(reference is not None and finished and result.ref is None),
        }
        for kind, count in counts.items():
            kinds[kind] += count
        if any(counts.values()) and shown < 3:
            shown += 1
            detail = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
            diff = None
            if reference is not None:
                language = "ky" if run.user.language_code == "ky" else "ru"
                diff = first_difference(reference[language], result.transcript)
            log(f"order violation, family {run.user.user_id}: {detail}; {diff or ''}")
    return kinds


def figures(phase: PhaseResult) -> dict[str, Any]:
    ordered = phase.latencies
    return {
        "updates": phase.updates,
        "elapsed_s": round(phase.elapsed, 2),
        "updates_per_s": round(phase.rate, 1),
        "p50_ms": percentile_ms(ordered, 50),
        "p95_ms": percentile_ms(ordered, 95),
        "p99_ms": percentile_ms(ordered, 99),
        "max_ms": percentile_ms(ordered, 100),
        "slowest_steps": slowest_steps(phase),
    }


def slowest_steps(phase: PhaseResult, count: int = 3) -> list[list[float]]:
    """[step (1-based), p99 ms] of the steps with the highest p99: where a tail comes from."""
    by_step: dict[int, list[float]] = {}
    for result in phase.results:
        for step, latency in enumerate(result.latencies, 1):
            by_step.setdefault(step, []).append(latency)
    worst = [(step, percentile_ms(sorted(values), 99) or 0.0) for step, values in by_step.items()]
    worst.sort(key=lambda item: item[1], reverse=True)
    return [[step, round(ms, 1)] for step, ms in worst[:count]]


def report_failures(label: str, phase: PhaseResult) -> None:
    for run in phase.failed[:3]:
        lines = (run.result.error or "").splitlines()
        log(f"[{label}] family {run.user.user_id} failed: {lines[0][:200] if lines else ''}")
        for line in lines[-4:]:  # the end of the chat's transcript
            log(f"[{label}]   {line[:200]}")


async def measure_bot(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    async with (
        fresh_database(args.database, workdir, args.postgres_url) as database_url,
        FakeTelegramServer(rtt_ms=args.rtt) as server,
    ):
        env = {
            **server_env(server),
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "WARNING",
            "FLOOD_RATE": FLOOD,
            "FLOOD_BURST": FLOOD,
            "ADMIN_IDS": "",
            "WEBHOOK_URL": "",  # long polling, whatever a local .env says
        }
        bot = ChildProcess(shlex.split(args.bot_args), env, workdir / "bot.log")
        try:
            await start(bot, server, "the bot")
            log("[bot] started; reference families (one per language, alone)...")
            reference = await references(server, args)
            steps = len(reference["ky"])
            log(
                f"[bot] {steps} updates per family; {args.families} families, C={args.concurrency}"
            )
            load_before = os.getloadavg()[0]  # other work on this machine skews every figure
            cpu_before = cpu_seconds(bot.pid)
            own_before = cpu_seconds(os.getpid())
            profiler = PySpy(bot.pid, args.profile) if args.profile else None
            try:
                phase = await run_phase(
                    server,
                    label="bot",
                    user_ids=[FIRST_FAMILY + i for i in range(args.families)],
                    language_of=language_of,
                    steps_of=lambda index, language: family_steps(language, index),
                    concurrency=args.concurrency,
                    timeout=args.step_timeout,
                    think=args.think / 1000,
                    budget_s=args.max_seconds,
                    alive=lambda: alive(bot),
                )
            finally:
                if profiler is not None:
                    profiler.stop()
            cpu = cpu_seconds(bot.pid) - cpu_before
            own = cpu_seconds(os.getpid()) - own_before
            await settle(server)
            rss = bot.peak_rss_mb()
            # The PDF workers start at the bot's start: their CPU is all this run's but a
            # start-up's worth, and their memory counts as the bot's too.
            helpers = children_of(bot.pid)
            helper_cpu = sum(cpu_seconds(pid) for pid in helpers)
            helper_rss = sum(peak_rss_mb(pid) for pid in helpers)
        finally:
            await bot.stop()
        submitted = await count_submitted(database_url)
    wrong = [
        compare(reference[language], run.result.transcript)
        for run, language in zip(phase.runs, phase.languages, strict=True)
    ]
    violations = violations_of(phase.runs, wrong, reference)
    report_failures("bot", phase)
    refs = [r.ref for r in phase.results if r.ref is not None]
    out = figures(phase)
    out.update(
        peak_rss_mb=round(rss, 1),
        helpers_peak_rss_mb=round(helper_rss, 1),
        order_violations=sum(violations.values()),
        violations=violations,
        failed_families=len(phase.failed),
        steps_per_family=steps,
        families_started=len(phase.runs),
        families_finished=sum(1 for r in phase.results if r.ref is not None),
        submitted_in_db=submitted - 2,  # minus the two reference families
        duplicate_refs=len(refs) - len(set(refs)),
        bot_cpu_ms_per_update=round(1000 * cpu / phase.updates, 2) if phase.updates else None,
        bot_cpu_pct=round(100 * cpu / phase.elapsed, 1) if phase.elapsed else None,
        helpers_cpu_ms_per_update=(
            round(1000 * helper_cpu / phase.updates, 2) if phase.updates else None
        ),
        # The fake server and the families share this process: if it nears 100%, the
        # benchmark, not the bot, is the limit.
        bench_cpu_pct=round(100 * own / phase.elapsed, 1) if phase.elapsed else None,
        loadavg_before=round(load_before, 2),
    )
    if args.profile is not None and args.profile.suffix not in (".svg", ".json"):
        for frame, own, total in top_frames(args.profile, 15):
            log(f"[profile] self {own:5.1f}%  total {total:5.1f}%  {frame}")
    return out


async def measure_echo(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    async with FakeTelegramServer(rtt_ms=args.rtt) as server:
        echo = ChildProcess(["-m", "bench.echo_bot"], server_env(server), workdir / "echo.log")
        try:
            await start(echo, server, "the echo bot")
            log(f"[echo] started; at most {args.echo_seconds:g}s")
            cpu_before = cpu_seconds(echo.pid)
            phase = await run_phase(
                server,
                label="echo",
                user_ids=[FIRST_FAMILY + i for i in range(args.families)],
                language_of=language_of,
                steps_of=lambda index, language: family_steps(language, index),
                concurrency=args.concurrency,
                timeout=args.step_timeout,
                think=args.think / 1000,
                echo=True,
                budget_s=args.echo_seconds,
                alive=lambda: alive(echo),
            )
            cpu = cpu_seconds(echo.pid) - cpu_before
            await settle(server)
            rss = echo.peak_rss_mb()
        finally:
            await echo.stop()
    wrong = [check_echo(run.steps, run.result.transcript) for run in phase.runs]
    violations = violations_of(phase.runs, wrong)
    report_failures("echo", phase)
    out = {f"echo_{key}": value for key, value in figures(phase).items()}
    out.update(
        echo_families=len(phase.runs),
        echo_peak_rss_mb=round(rss, 1),
        echo_order_violations=sum(violations.values()),
        echo_failed_families=len(phase.failed),
        echo_cpu_ms_per_update=round(1000 * cpu / phase.updates, 2) if phase.updates else None,
    )
    return out


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    report: dict[str, Any] = {
        "families": args.families,
        "concurrency": args.concurrency,
        "rtt_ms": args.rtt,
        "think_ms": args.think,
        "database": args.database,
    }
    report.update(await measure_bot(args, workdir))
    log(f"[bot] {json.dumps(report, ensure_ascii=False)}")
    if not args.no_echo:
        report.update(await measure_echo(args, workdir))
    echo_rate = report.get("echo_updates_per_s")
    report["ratio"] = round(report["updates_per_s"] / echo_rate, 3) if echo_rate else None
    return report


def main(argv: list[str]) -> int:
    args = parse(argv)
    with contextlib.ExitStack() as stack:
        if args.workdir is not None:
            args.workdir.mkdir(parents=True, exist_ok=True)
            workdir = args.workdir
            for name in ("bot.log", "echo.log"):  # the processes append to their logs
                (workdir / name).unlink(missing_ok=True)
        else:
            workdir = Path(
                stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-intake-"))
            )
        try:
            report = asyncio.run(run(args, workdir))
        except RuntimeError as exc:
            log(f"error: {exc}")
            for name in ("bot.log", "echo.log"):
                path = workdir / name
                if path.exists():
                    tail = path.read_text(errors="replace").splitlines()[-15:]
                    log(f"--- {name} (last lines) ---\n" + "\n".join(tail))
            return 1
    print(json.dumps(report, ensure_ascii=False))
    ok = report["order_violations"] == 0 and report["failed_families"] == 0
    return 0 if ok else 1
