"""Settings, read once from the environment and an optional .env file."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Telegram tokens look like "123456789:AA...": a numeric bot id, a colon and 30+ url-safe chars.
# Tests use shorter secrets, so the tail is only checked to be url-safe and 8+ chars.
_TOKEN_RE = re.compile(r"^\d{5,}:[A-Za-z0-9_-]{8,}$")
LANGUAGES = ("ky", "ru")


class Settings(BaseSettings):
    """Everything the bot reads from its environment."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: str = Field(min_length=1)
    database_url: str = "sqlite+aiosqlite:///data/bot.db"
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_file_url: str = "https://api.telegram.org/file/bot"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    log_level: str = "INFO"
    default_language: str = "ky"
    ruleset_path: str = ""
    # Flood guard per user: sustained updates per second, and the burst allowed on top.
    flood_rate: float = Field(default=3.0, gt=0)
    flood_burst: int = Field(default=20, ge=1)
    # Webhook mode (python -m bot --webhook, or WEBHOOK_URL set): Telegram POSTs updates to
    # WEBHOOK_URL; we listen on WEBHOOK_LISTEN:WEBHOOK_PORT behind a reverse proxy.
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    # Casework (issue 5): how often the reminder job looks for due reminders.
    reminder_interval_seconds: float = Field(default=60.0, gt=0)
    # Broadcasts (issue 6): messages per second for announcements (Telegram allows about 30 in
    # all; the rest is left for replies); 0 = no pacing (benchmarks of the sender's ceiling).
    broadcast_rate: float = Field(default=25.0, ge=0)
    # Broadcast requests in flight at once: rate x round trip needs this many (300/s x 50 ms=15).
    broadcast_max_in_flight: int = Field(default=64, ge=1, le=512)
    # Where broadcast senders keep their send journals (bot/broadcast/journal.py); empty =
    # beside the SQLite file, or ./data/broadcast-journal with PostgreSQL. Instances on one
    # host should share it, so a restarted one can settle a dead peer's sends.
    broadcast_journal_dir: str = ""
    # Business-plan PDFs are rendered in this many worker processes (0: in a thread of the
    # bot's process). See bot/plan/pdf_renderer.py.
    pdf_processes: int = Field(default=1, ge=0, le=16)
    # Updates processed at once across different families (each family stays in order): the
    # cap on database work and requests in flight (bot/update_processor.py).
    max_concurrent_updates: int = Field(default=64, ge=1, le=1024)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: str) -> str:
        value = value.strip()
        if not _TOKEN_RE.match(value):
            raise ValueError("malformed token")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError(
                    "must be comma-separated Telegram user ids, e.g. 12345,67890"
                ) from None
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError("must be ky or ru")
        return value

    @field_validator("database_url")
    @classmethod
    def _db_url(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("telegram_api_url", "telegram_file_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value


    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: str) -> str:
        # Telegram allows 1-256 characters A-Z, a-z, 0-9, _ and - in secret_token.
        if value and not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", value):
            raise ValueError("must be 16-256 characters of A-Z, a-z, 0-9, _ or -")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be the public https:// URL Telegram will call")
        return value


class ConfigError(Exception):
    """A setting is missing or invalid; the message is one line meant for the operator."""


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(describe_error(exc)) from None


def describe_error(exc: ValidationError) -> str:
    """Name the first bad setting, as the operator would type it."""
    first = exc.errors()[0]
    name = str(first["loc"][0]).upper() if first["loc"] else "settings"
    if name == "BOT_TOKEN":
        return (
            "BOT_TOKEN is missing or malformed: create a bot with @BotFather in Telegram "
            "(send /newbot), then put its token in BOT_TOKEN or in a .env file "
            "(see .env.example)."
        )
    reason = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{name} is invalid: {reason}."
