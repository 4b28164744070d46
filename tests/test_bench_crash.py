"""The crash benchmark: its checks catch what they claim to, and a small run is clean.

The small run kills the real bot process (kill -9) twice while 10 families fill in their
questionnaires, and once while a broadcast goes out; see bench/crash.py for the full size.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from bench.crash_checks import Stored, check_answers, check_duplicates
from bench.crash_family import Acked, FamilyLog
from bench.crash_script import Answer
from tests.fakebot.models import BotMessage

ROOT = Path(__file__).resolve().parent.parent


def message(text: str, sent_at: float) -> BotMessage:
    return BotMessage(
        chat_id=1, message_id=int(sent_at), date=0, sent_at=sent_at, method="x", text=text
    )


def test_a_duplicate_the_family_did_not_ask_for_is_a_violation() -> None:
    chat = [message("Q1", 1), message("Q2", 2), message("Q2", 3), message("Q2", 5)]
    family = FamilyLog(requests=[4.0])  # asked where it stands between the 2nd and 3rd copy
    found = check_duplicates({1: chat}, {1: family}, before=10.0)
    assert (found.seen, found.requested) == (1, 1)
    assert check_duplicates({1: chat}, {1: family}, before=2.5).seen == 0  # broadcast excluded


def test_a_repeat_across_a_kill_is_excused_only_if_the_first_copy_was_never_logged() -> None:
    chat = [message("Q1", 1), message("Q2", 2), message("Q2", 5)]  # message ids 1, 2, 5
    family = FamilyLog()
    unlogged = check_duplicates({1: chat}, {1: family}, 10.0, kills=[3.0], logged={1: {1}})
    assert (unlogged.seen, unlogged.unlogged_before_kill) == (0, 1)
    # The bot had logged the first copy: it knew, and sent it again anyway.
    known = check_duplicates({1: chat}, {1: family}, 10.0, kills=[3.0], logged={1: {1, 2}})
    assert (known.seen, known.unlogged_before_kill) == (1, 0)
    # No kill in between: a plain duplicate.
    alive = check_duplicates({1: chat}, {1: family}, 10.0, kills=[6.0], logged={1: {1}})
    assert (alive.seen, alive.unlogged_before_kill) == (1, 0)


def test_an_acknowledged_answer_stored_wrong_or_not_at_all_is_missing() -> None:
    household = Answer("send", "6", 6, ("household_size",))
    children = Answer("send", "3", 3, ("children_under_16",))
    family = FamilyLog(
        acked=[
            Acked("el.household_size", household, 6, run_id=7),
            Acked("el.children_under_16", children, 3, run_id=7),
        ]
    )
    good = Stored(runs={7: {"household_size": 6, "children_under_16": 3}})
    assert check_answers({1: family}, good).missing == 0
    shifted = Stored(runs={7: {"household_size": 3}})  # "3" landed on the wrong question
    result = check_answers({1: family}, shifted)
    assert (result.checked, result.missing) == (2, 2)


def test_small_crash_run_loses_nothing_and_sends_nothing_twice(tmp_path: Path) -> None:
    started = time.monotonic()
    command = [
        sys.executable,
        "-m",
        "bench",
        "crash",
        "--families",
        "10",
        "--kills",
        "2",
        "--broadcast-kills",
        "1",
        "--grace",
        "2",
        "--seed",
        "3",
        "--workdir",
        str(tmp_path),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.stdout.strip(), done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    detail = json.dumps(report) + "\n" + done.stderr[-3000:]
    assert report["kills"] == 2, detail
    assert report["finished_families"] == report["families"] == 10, detail
    assert report["answers_checked"] >= 10 * 40, detail
    assert report["answers_missing"] == 0, detail
    assert report["wrong_question"] == 0, detail
    assert report["duplicate_messages_seen"] == 0, detail
    assert report["broadcast_duplicates"] == 0, detail
    assert report["broadcast_missing_unexplained"] == 0, detail
    print(f"crash smoke run: {time.monotonic() - started:.0f}s")
