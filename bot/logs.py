"""Logging set-up: our level for our code, quiet HTTP clients, PINs and phones masked."""

from __future__ import annotations

import logging
import re

# A PIN is 14 digits starting with 1 or 2; a phone is +996 or 0 followed by 9 digits, maybe
# grouped with spaces or dashes. Telegram user ids (never starting with 0, at most ~10 digits)
# stay readable.
_SENSITIVE = re.compile(
    r"(?<!\d)(?:[12]\d{13}|(?:\+?996|0)[ \-]?\d{3}[ \-]?\d{3}[ \-]?\d{3})(?!\d)"
)


def _mask_run(match: re.Match[str]) -> str:
    run = match.group(0)
    keep = 3  # the last three digits help support find a record
    seen = 0
    out = []
    for ch in reversed(run):
        if ch.isdigit():
            seen += 1
            out.append(ch if seen <= keep else "*")
        else:
            out.append(ch)
    return "".join(reversed(out))


def mask(text: str) -> str:
    """Replace PINs and phone numbers, all but their last three digits, with '*'."""
    return _SENSITIVE.sub(_mask_run, text)


class MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask(super().format(record))


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "telegram.ext.Updater", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
