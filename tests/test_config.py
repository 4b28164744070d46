"""Configuration: a missing or bad setting gives one clear line and exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def run_bot(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in _SETTINGS}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean, **env, "PYTHONPATH": str(ROOT)},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


_SETTINGS = {"BOT_TOKEN", "DATABASE_URL", "ADMIN_IDS", "LOG_LEVEL", "TELEGRAM_API_URL"}


@pytest.mark.parametrize("token", [None, "", "not-a-token", "123:short", "abc:defghijklmno"])
def test_missing_or_malformed_token_exits_2_with_one_line(
    token: str | None, tmp_path: Path
) -> None:
    env = {} if token is None else {"BOT_TOKEN": token}
    result = run_bot(env, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "BOT_TOKEN" in lines[0] and "@BotFather" in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ADMIN_IDS", "12,abc"),
        ("LOG_LEVEL", "LOUD"),
        ("DATABASE_URL", "mysql://x"),
        ("TELEGRAM_API_URL", "ftp://example"),
        ("DEFAULT_LANGUAGE", "en"),
    ],
)
def test_invalid_setting_is_named(name: str, value: str, tmp_path: Path) -> None:
    result = run_bot({"BOT_TOKEN": "123456:TEST-token", name: value}, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {name} is invalid"), result.stderr


def test_dotenv_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _SETTINGS:
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".env").write_text("BOT_TOKEN=999999:from-dotenv\nADMIN_IDS=5, 7\n")
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.bot_token == "999999:from-dotenv"
    assert settings.admin_ids == frozenset({5, 7})
    assert settings.database_url == "sqlite+aiosqlite:///data/bot.db"


def test_overrides_beat_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "111111:from-env")
    assert load_settings(bot_token="222222:override").bot_token == "222222:override"
    with pytest.raises(ConfigError, match="BOT_TOKEN"):
        load_settings(bot_token="nonsense")


def test_migrate_command_creates_owner_only_database(tmp_path: Path) -> None:
    result = run_bot({"BOT_TOKEN": "123456:TEST-token"}, "migrate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    db = tmp_path / "data" / "bot.db"
    assert db.exists()
    assert db.stat().st_mode & 0o777 == 0o600


def test_broken_ruleset_stops_start_up(tmp_path: Path) -> None:
    ruleset = tmp_path / "rules.toml"
    ruleset.write_text('version = "x"\nprogram_year = 2026\n[program]\ngrant_amount = -5\n')
    result = run_bot(
        {"BOT_TOKEN": "123456:TEST-token", "RULESET_PATH": str(ruleset)}, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "grant_amount" in result.stderr and "Traceback" not in result.stderr


def test_broadcast_journal_dir_is_where_the_sender_journals(tmp_path: Path) -> None:
    from bot.app import build_services
    from bot.broadcast.worker import BroadcastWorker, default_journal_dir

    database_url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    chosen = tmp_path / "shared-journals"
    for setting, expected in (("", default_journal_dir(database_url)), (str(chosen), chosen)):
        settings = load_settings(
            _env_file=None,
            bot_token="123456:settings-test-token",
            database_url=database_url,
            broadcast_journal_dir=setting,
        )
        worker = BroadcastWorker(build_services(settings), bot=None)  # type: ignore[arg-type]
        assert worker.journal_dir == expected
    assert default_journal_dir(database_url) == tmp_path / "broadcast-journal"
