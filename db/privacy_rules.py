"""The vocabulary of privacy rules shared by the repository and the policy: plain data.

It lives under db/ so that db/repo/privacy.py imports nothing above it; the rules themselves
(which table is erased how) are the policy in bot/privacy/tables.py.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class Erase(enum.StrEnum):
    """What an erasure does with a table's rows of the family."""

    DELETE = "delete"  # every row of the family goes, contract or not
    CASE_FILE = "case_file"  # kept with a contract; deleted for records and drafts
    TRAIL = "trail"  # kept with a contract and with a record (anonymised); deleted for drafts
    APPLICATION = "application"  # the applications table itself (see bot/privacy/tables.py)
    PERSON = "person"  # the users row: deleted, or a tombstone when applications remain
    KEEP = "keep"  # never touched (the audit of the requests; staff-only tables)


@dataclass(frozen=True, slots=True)
class TableRule:
    """How one table's rows of a family are found, copied and erased."""

    # Columns holding the family's Telegram id (chat id == user id in a private chat).
    user_columns: tuple[str, ...] = ()
    # Columns holding one of the family's application ids.
    application_columns: tuple[str, ...] = ()
    export: bool = True  # part of the family's copy (/mydata); staff-only tables are not
    erase: Erase = Erase.DELETE
    # Values written over the personal columns of rows kept as an anonymous record.
    anonymise: Mapping[str, Any] = field(default_factory=dict)
    # Values written on rows kept whole (a contract) whose target is erased (e.g. the check).
    detach: Mapping[str, Any] = field(default_factory=dict)
