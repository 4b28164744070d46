"""The delivery guarantee under a real kill -9: the bot (`python -m bot`, a separate process)
is killed mid-broadcast and started again; the fake server counts what each family got.

Guarantee: no family ever gets the broadcast twice; every family not recorded as UNKNOWN
(its request on the wire when the process died) gets it exactly once; UNKNOWN ones got it at
most once. Claimed deliveries that never left are sent again after the restart (the send
journal), so UNKNOWN is at most the requests in flight, not the whole claimed batch.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.broadcast import run


async def test_kill_9_mid_broadcast_loses_nothing_silently_and_doubles_nothing(
    tmp_path: Path,
) -> None:
    args = argparse.Namespace(
        recipients=200,
        limit=150,
        rtt=20.0,
        kill_at=60,
        rate=None,
        in_flight=8,  # the claimed batch is larger (>= 15 rows at 150/s)
        database_url=None,
        timeout=120.0,
    )
    report = await run(args, f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", tmp_path)
    assert report.kills == 1
    assert report.duplicates == 0
    # Every family that did not get it is one the bot recorded as maybe-delivered (unknown).
    assert report.missing == report.unknown - report.unknown_delivered
    assert set(report.states) <= {"sent", "unknown"}
    assert report.states.get("sent", 0) + report.unknown == 200
    # Only requests on the wire can be unknown; the rest of the claim was resent or answered.
    assert report.unknown <= 8
    assert report.resent_after_kill + report.answers_from_journal > 0
