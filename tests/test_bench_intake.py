"""The intake benchmark at a tiny size: it runs end to end and its checks hold.

Three families take the whole path (eligibility, the plan with uploads, submission) against the
real bot process, then against the echo bot; the last stdout line must be the JSON report.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_intake_benchmark_runs_three_families_in_order() -> None:
    command = [sys.executable, "-m", "bench", "intake", "--families", "3", "--concurrency", "3"]
    command += ["--echo-seconds", "5", "--step-timeout", "20"]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    lines = done.stdout.strip().splitlines()
    assert lines, f"no output; stderr:\n{done.stderr[-3000:]}"
    report = json.loads(lines[-1])
    assert report["failed_families"] == 0, done.stderr[-3000:]
    assert report["order_violations"] == 0, done.stderr[-3000:]
    assert done.returncode == 0, done.stderr[-3000:]
    steps = report["steps_per_family"]
    assert steps >= 40  # the whole path, not just /start
    assert report["updates"] == 3 * steps
    assert report["submitted_in_db"] == 3 and report["duplicate_refs"] == 0
    assert report["updates_per_s"] > 0 and report["p95_ms"] is not None
    assert report["peak_rss_mb"] > 0
    assert report["echo_updates"] > 0 and report["echo_order_violations"] == 0
    assert report["ratio"] == round(report["updates_per_s"] / report["echo_updates_per_s"], 3)
    assert report["helpers_peak_rss_mb"] > 0  # the PDF worker process, counted too


def test_thinking_families_pause_before_each_answer() -> None:
    command = [sys.executable, "-m", "bench", "intake", "--families", "2", "--concurrency", "2"]
    command += ["--think", "100", "--no-echo", "--step-timeout", "20"]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    lines = done.stdout.strip().splitlines()
    assert lines, f"no output; stderr:\n{done.stderr[-3000:]}"
    report = json.loads(lines[-1])
    assert done.returncode == 0 and report["order_violations"] == 0, done.stderr[-3000:]
    assert report["think_ms"] == 100
    # At least half of 100 ms before each of the 50 answers after the first.
    assert report["elapsed_s"] >= (report["steps_per_family"] - 1) * 0.05
