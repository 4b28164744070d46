"""`python -m bot [run|migrate]`: read settings once, migrate, run the bot with long polling."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.config import ConfigError, load_settings
from bot.eligibility.program import RulesetError
from bot.logs import setup_logging


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=["run", "migrate"],
        help="run: start the bot (default); migrate: only apply database migrations",
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

    if args.command == "migrate":
        upgrade(settings.database_url)
        log.info("database is up to date")
        return 0
    try:
        app = build_application(settings)  # a broken ruleset stops us before anything runs
    except RulesetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    upgrade(settings.database_url)
    log.info("starting with long polling")
    app.run_polling(allowed_updates=["message", "callback_query", "my_chat_member"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
