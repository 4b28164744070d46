"""The family's copy of its data as one JSON document (UTF-8, pretty-printed). Pure.

Every stored value is included as it is, table by table, except file contents (the business
plan PDF): their size is given instead, and the bot sends the file itself again on request.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

FORMAT = "social-contract-bot/my-data/1"

TableRows = Mapping[str, list[dict[str, Any]]]


def jsonable(value: Any) -> Any:
    """A stored value as JSON: times in ISO 8601 (UTC), enums by value, bytes by size."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return {"file_contents_not_included": True, "size_bytes": len(bytes(value))}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


def document(
    data: TableRows, *, user_id: int, generated_at: datetime, readme: str, language: str
) -> dict[str, Any]:
    """The whole export as a JSON-ready dict; `readme` is a note in the family's language."""
    return {
        "format": FORMAT,
        "readme": readme,
        "language": language,
        "telegram_user_id": user_id,
        "generated_at": generated_at.isoformat(),
        "row_counts": {name: len(rows) for name, rows in data.items()},
        "tables": {name: [jsonable(row) for row in rows] for name, rows in data.items()},
    }


def to_bytes(doc: Mapping[str, Any]) -> bytes:
    """Pretty-printed UTF-8 JSON; Cyrillic stays readable (no \\u escapes)."""
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
