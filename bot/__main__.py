"""`python -m bot [run|migrate|backup PATH] [--webhook]`: read settings once, migrate, run."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from bot.config import ConfigError, load_settings
from bot.eligibility.program import RulesetError
from bot.logs import setup_logging


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=["run", "migrate", "backup"],
        help="run: start the bot (default); migrate: only apply database migrations; "
        "backup PATH: copy the SQLite database consistently while the bot runs",
    )
    parser.add_argument("path", nargs="?", help="backup: where to write the copy")
    parser.add_argument(
        "--webhook",
        action="store_true",
        help="serve updates over HTTP (also implied by WEBHOOK_URL) instead of long polling",
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level)
    log = logging.getLogger("bot")

    from bot.app import build_application
    from db.migrate import upgrade

    if args.command == "backup":
        from bot.backup import BackupError, backup_sqlite

        if not args.path:
            print("error: usage: python -m bot backup PATH", file=sys.stderr)
            return 2
        try:
            size = backup_sqlite(settings.database_url, Path(args.path))
        except BackupError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        log.info("backup written to %s (%d bytes)", args.path, size)
        return 0
    if args.command == "migrate":
        upgrade(settings.database_url)
        log.info("database is up to date")
        return 0
    use_uvloop()
    try:
        app = build_application(settings)  # a broken ruleset stops us before anything runs
    except RulesetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    upgrade(settings.database_url)
    app.bot_data.services.pdf.start()  # the PDF worker warms up while we connect
    if args.webhook or settings.webhook_url:
        if not (settings.webhook_url and settings.webhook_secret):
            print(
                "error: webhook mode needs WEBHOOK_URL (the public https URL) and "
                "WEBHOOK_SECRET (16-256 characters A-Z, a-z, 0-9, _ or -).",
                file=sys.stderr,
            )
            return 2
        import asyncio

        from bot.webhook import serve_webhook

        log.info("starting in webhook mode")
        asyncio.run(serve_webhook(app, settings))
        return 0
    from bot.polling import run_polling

    log.info("starting with long polling")
    run_polling(app)  # stores each update before confirming it to Telegram (bot/polling.py)
    return 0


def use_uvloop() -> None:
    """uvloop's event loop where it is installed (not on Windows): about a fifth less CPU per
    update than asyncio's own loop in `python -m bench intake`."""
    try:
        import uvloop
    except ImportError:
        return
    import asyncio

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


if __name__ == "__main__":
    sys.exit(main())
