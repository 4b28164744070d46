"""The queries benchmark at a tiny size: it fills a fresh database, runs every measurement
through the handlers' functions and through the real bot, and reports one JSON line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import POSTGRES_ENV, backends

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("backend", backends())
def test_queries_benchmark_measures_every_figure(backend: str) -> None:
    command = [sys.executable, "-m", "bench", "queries"]
    command += ["--database", "sqlite" if backend == "sqlite" else "postgres"]
    command += ["--users", "400", "--applications", "90", "--messages", "2000"]
    if backend != "sqlite":
        command += ["--postgres-url", os.environ[POSTGRES_ENV]]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    lines = done.stdout.strip().splitlines()
    assert lines and done.returncode == 0, f"stderr:\n{done.stderr[-3000:]}"
    report = json.loads(lines[-1])
    assert report["generated"]["applications"] == 90
    assert report["generated"]["caseworker_regions"] == 18
    service, bot = report["service"], report["bot"]
    assert service["export_rows"] == 90  # an admin's export holds every application
    for name in ("queue_region_ms", "queue_all_ms", "app_ms", "find_pin_ms", "find_phone_ms"):
        assert service[name] > 0 and bot[name] > 0, name
    assert bot["export_csv_ms"] > 0 and bot["export_xlsx_ms"] > 0
    assert bot["export_caption"] == "90 заявок"  # the admin reads Russian
    assert bot["export_xlsx_bytes"] > 5000
