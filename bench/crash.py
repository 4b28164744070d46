"""`python -m bench crash --families N --kills K [--seed S] [--database sqlite|postgres]`

Crash safety under kill -9. The real bot (`python -m bot`, long polling, a child process) runs
on a fresh database against the fake Bot API server in this process. N families walk at once
through the eligibility check and the business plan to submission (bench/crash_family.py says
how a family behaves when its reply does not come). Meanwhile the bot is killed with SIGKILL K
times, each time the families' updates pass a random (seeded) share of the expected total, and
restarted after a short pause. Then an admin sends a broadcast to every family through the
bot's commands, and the bot is killed during the sending (--broadcast-kills times).

Checked (bench/crash_checks.py, bench/crash_broadcast.py):
  answers_missing        acknowledged answers (the bot moved on to the next question) not
                         stored with the value given (form_runs / the submitted application)
  wrong_question         the bot showed a question other than the one just answered (again)
                         or the next one: a question skipped, or the form moved back
  duplicate_messages_seen  consecutive identical bot messages the family did not ask for;
                         not counted (duplicates_unlogged_before_kill): a repeat across a kill
                         whose first copy is not in the bot's message log (the process died
                         between sending it and logging it, so the restarted bot re-sent the
                         question for the redelivered update, as designed)
  resent_after_kill      questions shown again after a kill, as designed: re-sent by the bot
                         for a redelivered update, or shown when the family asked where it
                         stands (resent_on_redelivery + reshown_on_request)
  broadcast_duplicates / broadcast_missing  families that got the announcement twice / never;
                         the sender promises at most once, and a miss only for a delivery in
                         flight at a kill (state unknown): broadcast_missing_unexplained counts
                         misses outside that promise; broadcast_finished is false if the
                         bot had not finished it after --broadcast-timeout seconds.
  updates_lost           updates of the families the bot never logged: confirmed to Telegram
                         but never processed. The bot confirms an update only once its handler
                         has finished (bot/polling.py), so a kill no longer loses any; with
                         PTB's Updater (confirm on the next poll) about 170 per kill were lost.
                         Not an answer loss: such an update was never acknowledged.
  redelivered_skipped    updates delivered again after a kill that had already been applied
                         (recognised by update_id, not applied twice)
The last line on stdout is one JSON object; progress and examples go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.crash_bot import BotSupervisor, kill_at_progress, stratified
from bench.crash_broadcast import ADMIN_ID, BroadcastResult, prepare_admin, run_broadcast
from bench.crash_checks import (
    check_answers,
    check_duplicates,
    load_stored,
    redelivered_updates,
)
from bench.crash_family import CrashFamily, FamilyLog, Timing
from bench.crash_script import Script
from bench.database import DEFAULT_POSTGRES_URL, fresh_database
from tests.fakebot import FakeTelegramServer

FIRST_FAMILY = 7_300_000_000
FLOOD = "1000000"  # families answer instantly; the guard would throttle them, not the bot
PROGRESS_EVERY = 5.0


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench crash",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--families", type=int, default=200)
    parser.add_argument("--kills", type=int, default=10, help="kills during the questionnaires")
    parser.add_argument("--broadcast-kills", type=int, default=3, help="kills while sending")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument(
        "--broadcast-rate",
        type=float,
        default=10.0,
        help="the bot's BROADCAST_RATE: slower sending leaves room for the kills",
    )
    defaults = Timing()
    parser.add_argument("--grace", type=float, default=defaults.grace, help="see crash_family")
    parser.add_argument("--step-timeout", type=float, default=defaults.step_timeout)
    parser.add_argument("--timeout", type=float, default=1800.0, help="questionnaires, s")
    parser.add_argument(
        "--broadcast-timeout",
        type=float,
        default=300.0,
        help="give up waiting for the broadcast after this many seconds (reported)",
    )
    parser.add_argument("--workdir", type=Path, default=None, help="keep logs and SQLite here")
    args = parser.parse_args(argv)
    if args.families < 1 or args.kills < 0 or args.broadcast_kills < 0:
        parser.error("--families must be at least 1, kills not negative")
    return args


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


async def settle(server: FakeTelegramServer) -> None:
    """Let late replies arrive before anything is counted."""
    with contextlib.suppress(AssertionError):
        await server.wait_idle(timeout=15.0, settle=0.5)


async def questionnaires(
    server: FakeTelegramServer, bot: BotSupervisor, args: argparse.Namespace, rng: random.Random
) -> dict[int, FamilyLog]:
    sent = 0

    def count() -> None:
        nonlocal sent
        sent += 1

    timing = Timing(grace=args.grace, step_timeout=args.step_timeout)
    families: dict[int, CrashFamily] = {}
    for index in range(args.families):
        uid, language = FIRST_FAMILY + index, ("ky" if index % 2 == 0 else "ru")
        user = server.user(uid, "Айгүл", language_code=language)
        script = Script(language, index)
        families[uid] = CrashFamily(user, server.state.chats[uid], script, bot, timing, count)
    # About the updates a family sends without kills: one per screen (ticks add two).
    expected = sum(len(f.script.order) for f in families.values())
    finished = False
    killer = asyncio.create_task(
        kill_at_progress(
            bot,
            rng,
            progress=lambda: sent,
            thresholds=[x * expected for x in stratified(rng, args.kills, 0.05, 0.9)],
            phase="questionnaires",
            done=lambda: finished,
        )
    )
    runs = asyncio.ensure_future(
        asyncio.wait_for(asyncio.gather(*(f.run() for f in families.values())), args.timeout)
    )
    started = time.monotonic()
    try:
        while not runs.done():
            await asyncio.wait({runs}, timeout=PROGRESS_EVERY)
            done = sum(1 for f in families.values() if f.phase == "done")
            log(
                f"[crash] {time.monotonic() - started:6.1f}s  {sent}/{expected} updates, "
                f"{done}/{len(families)} families submitted, {len(bot.kills)} kills"
            )
            if bot.up and not bot.alive():  # a crash we did not cause: stop, do not mask it
                runs.cancel()
                raise RuntimeError("the bot exited on its own\n" + bot.tail())
        logs: list[FamilyLog] = runs.result()
    finally:
        finished = True
        await killer
    return dict(zip(families, logs, strict=True))


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    rng = random.Random(args.seed)
    started = time.monotonic()
    async with (
        fresh_database(args.database, workdir, args.postgres_url) as database_url,
        FakeTelegramServer() as server,
    ):
        env = {
            "BOT_TOKEN": server.token,
            "TELEGRAM_API_URL": server.base_url,
            "TELEGRAM_FILE_URL": server.file_url,
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "WARNING",
            "FLOOD_RATE": FLOOD,
            "FLOOD_BURST": FLOOD,
            "ADMIN_IDS": str(ADMIN_ID),
            "BROADCAST_RATE": str(args.broadcast_rate),
            "WEBHOOK_URL": "",  # long polling, whatever a local .env says
        }
        bot = BotSupervisor(server, env, workdir)
        await bot.start()
        try:
            await prepare_admin(server)
            logs = await questionnaires(server, bot, args, rng)
            await settle(server)
            broadcast_from = time.monotonic()
            languages = {uid: ("ky" if i % 2 == 0 else "ru") for i, uid in enumerate(logs)}
            log(f"[crash] questionnaires over; broadcast to {len(languages)} families")
            broadcast = await run_broadcast(
                server,
                bot,
                database_url,
                languages,
                kills=args.broadcast_kills,
                rng=rng,
                timeout=args.broadcast_timeout,
            )
            await settle(server)
        finally:
            await bot.stop()
        stored = await load_stored(database_url, broadcast.broadcast_id)
        chats = {uid: server.messages_in(uid) for uid in logs}
    report = summarise(args, bot, logs, stored, chats, broadcast, broadcast_from)
    report["elapsed_s"] = round(time.monotonic() - started, 1)
    return report


def summarise(
    args: argparse.Namespace,
    bot: BotSupervisor,
    logs: dict[int, FamilyLog],
    stored: Any,
    chats: dict[int, Any],
    broadcast: BroadcastResult,
    broadcast_from: float,
) -> dict[str, Any]:
    answers = check_answers(logs, stored)
    duplicates = check_duplicates(
        chats,
        logs,
        before=broadcast_from,
        kills=[kill.at for kill in bot.kills],
        logged=stored.outbound,
    )
    redelivered = redelivered_updates(bot.logs)
    ours = {u for family in logs.values() for u in family.update_ids}
    resent_on_redelivery = sum(
        1
        for family in logs.values()
        for update_id, unasked in family.waits_over_restart
        if unasked and update_id in redelivered
    )
    reshown = sum(f.reshown for f in logs.values())
    finished = [
        uid for uid, f in logs.items() if f.ref is not None and stored.refs.get(uid) == f.ref
    ]
    pdf_missing = sum(
        1
        for uid in finished
        if not any(m.media_kind == "document" and logs[uid].ref in m.content for m in chats[uid])
    )
    unknown = [uid for uid, state in stored.deliveries.items() if state == "unknown"]
    unexplained = [uid for uid in broadcast.missing if stored.deliveries.get(uid) != "unknown"]
    wrong = [line for f in logs.values() for line in f.wrong]
    for line in answers.examples:
        log(f"[crash] violation: {line}")
    for line, times in Counter(wrong).most_common(10):
        log(f"[crash] violation: {line} ({times}x)")
    for line in duplicates.examples:
        log(f"[crash] violation: {line}")
    for note in [n for f in logs.values() for n in f.stall_notes][:5]:
        log(f"[crash] stall: {note}")
    for family in [f for f in logs.values() if f.error][:3]:
        log(f"[crash] family failed: {family.error}")
    if unexplained:
        log(f"[crash] broadcast missing outside the guarantee: {unexplained[:10]}")
    return {
        "families": args.families,
        "kills": sum(1 for k in bot.kills if k.phase == "questionnaires"),
        "kills_during_broadcast": broadcast.kills,
        "finished_families": len(finished),
        "answers_checked": answers.checked,
        "answers_missing": answers.missing,
        "wrong_question": len(wrong),
        "duplicate_messages_seen": duplicates.seen,
        "resent_after_kill": resent_on_redelivery + reshown,
        "broadcast_recipients": broadcast.recipients,
        "broadcast_duplicates": broadcast.duplicates,
        "broadcast_missing": len(broadcast.missing),
        "broadcast_finished": broadcast.finished,
        "elapsed_s": 0.0,  # set by the caller: the whole run
        "database": args.database,
        "seed": args.seed,
        "resent_on_redelivery": resent_on_redelivery,
        "reshown_on_request": reshown,
        "resume_requests": sum(len(f.requests) for f in logs.values()),
        "duplicates_requested": duplicates.requested,
        "duplicates_unlogged_before_kill": duplicates.unlogged_before_kill,
        "updates_lost": sum(1 for u in ours if u not in stored.inbound),
        "redelivered_skipped": len(redelivered & ours),
        "stalls": sum(f.stalls for f in logs.values()),
        "apologies": sum(f.apologies for f in logs.values()),
        "failed_families": sum(1 for f in logs.values() if f.error),
        "pdf_missing": pdf_missing,
        "start_s_mean": round(sum(bot.start_seconds) / len(bot.start_seconds), 2),
        "broadcast_unknown": len(unknown),
        "broadcast_missing_unexplained": len(unexplained),
    }


def ok(report: dict[str, Any]) -> bool:
    return (
        report["answers_missing"] == 0
        and report["wrong_question"] == 0
        and report["duplicate_messages_seen"] == 0
        and report["broadcast_duplicates"] == 0
        and report["broadcast_missing_unexplained"] == 0
        and report["broadcast_finished"]
        and report["finished_families"] == report["families"]
    )


def main(argv: list[str]) -> int:
    args = parse(argv)
    with contextlib.ExitStack() as stack:
        if args.workdir is not None:
            args.workdir.mkdir(parents=True, exist_ok=True)
            for old in args.workdir.glob("bot-*.log"):  # each life appends to its own log
                old.unlink()
            workdir = args.workdir
        else:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-crash-")))
        try:
            report = asyncio.run(run(args, workdir))
        except RuntimeError as exc:
            log(f"error: {exc}")
            return 1
    print(json.dumps(report, ensure_ascii=False))
    return 0 if ok(report) else 1
