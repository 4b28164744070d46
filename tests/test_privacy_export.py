"""The family's copy: the JSON document and the readable summary (no Telegram, no database)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.i18n import I18n
from bot.privacy.export import document, jsonable, to_bytes
from bot.privacy.summary import LISTED_DOCUMENTS, MESSAGE_LIMIT, pack, summary_messages
from db.enums import Direction, Status

I18N = I18n()
WHEN = datetime(2026, 3, 8, 9, 30, tzinfo=UTC)
NASTY = st.text(
    st.characters(blacklist_categories=("Cs",)),  # any code point a str can hold in JSON
    max_size=300,
)


@given(st.lists(st.fixed_dictionaries({"text": NASTY, "blob": st.binary(max_size=64)})))
def test_every_text_round_trips_through_the_json(rows: list[dict[str, object]]) -> None:
    payload = to_bytes(
        document({"t": rows}, user_id=1, generated_at=WHEN, readme="r", language="ky")
    )
    back = json.loads(payload.decode("utf-8"))["tables"]["t"]
    assert [r["text"] for r in back] == [r["text"] for r in rows]
    assert [r["blob"]["size_bytes"] for r in back] == [len(r["blob"]) for r in rows]  # type: ignore[arg-type]


def test_values_become_json() -> None:
    assert jsonable(Status.FUNDED) == "funded"
    assert jsonable(WHEN) == "2026-03-08T09:30:00+00:00"
    assert jsonable({"a": [Direction.IN, b"%PDF"]}) == {
        "a": ["in", {"file_contents_not_included": True, "size_bytes": 4}]
    }
    text = to_bytes({"name": "Өмүрбекова"}).decode("utf-8")
    assert "Өмүрбекова" in text and text.startswith("{\n  ")


@settings(max_examples=60)
@given(
    st.lists(st.lists(NASTY, min_size=1, max_size=8), max_size=12),
    st.integers(min_value=200, max_value=MESSAGE_LIMIT),
)
def test_pack_keeps_every_line_within_the_limit(blocks: list[list[str]], budget: int) -> None:
    messages = pack(blocks, budget)
    assert all(0 < len(m) <= budget for m in messages)
    joined = "\n".join(messages)
    for block in blocks:
        for line in block:
            if len(line) <= budget:
                assert line in joined


def _huge_family() -> dict[str, list[dict[str, object]]]:
    name = "<b>Айгүл</b> & *Асанова* " * 4
    application = {
        "id": 1,
        "ref": "SC-2026-000001",
        "status": Status.SUBMITTED,
        "full_name": name,
        "pin": "21503198512345",
        "phone": "+996555123456",
        "region": "KG-C",
        "district": "x" * 128,
        "answers": {f"q{i}": "y" * 1500 for i in range(40)},
        "submitted_at": WHEN,
    }
    documents = [
        {"id": i, "application_id": 1, "kind": "relay_file", "file_name": "ф" * 256, "size": i}
        for i in range(40)
    ]
    log = [
        {
            "id": i,
            "direction": Direction.IN if i % 2 else Direction.OUT,
            "created_at": WHEN,
            "text": "z" * 4096,
        }
        for i in range(5000)
    ]
    return {
        "users": [
            {"id": 1, "first_name": name, "last_name": None, "username": "u", "created_at": WHEN}
        ],
        "applications": [application],
        "documents": documents,
        "message_log": log,
        "future_table": [{"id": 1}],
    }


def test_a_huge_history_is_summarised_in_short_messages() -> None:
    for language in ("ky", "ru"):
        t = I18N.get(language)
        messages = summary_messages(t, _huge_family(), {})
        assert 1 <= len(messages) <= 3
        assert all(len(m) <= MESSAGE_LIMIT for m in messages)
        text = "\n".join(messages)
        assert "5\xa0000" in text or "5000" in text  # the transcript is a count
        assert "z" * 100 not in text and "y" * 100 not in text  # answers are counted too
        assert "<b>Айгүл</b> & *Асанова*" in text  # plain text: shown as typed
        assert "(future_table): 1" in text  # a table the summary does not know is counted
        assert text.count("• ") == LISTED_DOCUMENTS
