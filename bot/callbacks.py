"""Callback data: short, language-neutral, built and parsed here only. Always untrusted input."""

from __future__ import annotations

from dataclasses import dataclass

SEP = ":"
MAX_BYTES = 64  # Telegram's limit on callback_data


class CallbackDataError(ValueError):
    """Callback data too long or containing the separator inside a part."""


def build(prefix: str, *parts: str | int) -> str:
    """`prefix:part1:part2`, checked against Telegram's 64-byte limit."""
    texts = [str(p) for p in parts]
    if any(SEP in t for t in (prefix, *texts)):
        raise CallbackDataError(f"separator inside callback part: {prefix!r} {texts!r}")
    data = SEP.join((prefix, *texts))
    if len(data.encode()) > MAX_BYTES:
        raise CallbackDataError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


@dataclass(frozen=True, slots=True)
class Parsed:
    prefix: str
    parts: tuple[str, ...]


def parse(data: str | None) -> Parsed | None:
    """Split callback data; None for anything malformed (forged or from an old client)."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    prefix, *parts = data.split(SEP)
    return Parsed(prefix, tuple(parts))


def pattern(prefix: str) -> str:
    """A regex for CallbackQueryHandler that matches one prefix."""
    return f"^{prefix}(:|$)"


# Prefixes in use, one place so two features never collide. Keep them short: 64 bytes in all.
LANGUAGE = "lang"
ELIGIBILITY = "el"  # issue 3
FORM = "f"  # issue 4: questionnaire answers, navigation, summary edits
CASEWORK = "cw"  # issue 5: caseworker buttons on applications
ADMIN = "adm"  # issue 5: admin tools
BROADCAST = "bc"  # issue 6
PRIVACY = "pv"  # issue 8: /mydata and /deleteme buttons
