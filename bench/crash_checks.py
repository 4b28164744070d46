"""After the crash run: what the database holds and what each chat received, checked.

1. Answers: every acknowledged answer (bench/crash_family.py) must be stored with the value
   given: eligibility answers in the form run whose question was answered (form_runs), plan
   answers in the submitted application (applications.answers).
2. Wrong questions are counted by the families as they go (a skipped or repeated question).
3. Duplicates: in each family's chat, a bot message identical (text, caption, buttons, as first
   sent) to the one right before it. If the family asked where it stands in between, the bot
   was answering that request. If the bot was killed in between and the first copy is not in
   its message log (sent, but the process died before logging it), the restarted bot could
   not know the family had it: it re-sent the question for a redelivered update, as designed
   (counted apart). Otherwise the family had the first copy already: a violation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from bench.crash_family import Acked, FamilyLog
from bench.crash_script import UPLOADED
from db.enums import Direction, Status
from db.models import Application, Delivery, FormRun, MessageLog
from tests.fakebot.models import BotMessage

_MISSING = object()
_REDELIVERED = re.compile(r"update (\d+) was delivered again")


@dataclass(slots=True)
class Stored:
    runs: dict[int, dict[str, Any]] = field(default_factory=dict)  # form run id -> answers
    latest_plan: dict[int, dict[str, Any]] = field(default_factory=dict)  # user -> answers
    applications: dict[int, dict[str, Any]] = field(default_factory=dict)  # user -> submitted
    refs: dict[int, str | None] = field(default_factory=dict)  # user -> submitted SC-…
    inbound: set[int] = field(default_factory=set)  # update ids with an inbound log row
    deliveries: dict[int, str] = field(default_factory=dict)  # user -> delivery state
    # chat -> Telegram message ids of the bot messages in the log (what the bot knows it sent)
    outbound: dict[int, set[int]] = field(default_factory=dict)


async def load_stored(database_url: str, broadcast_id: int | None) -> Stored:
    """Read everything the checks compare, after the bot has stopped."""
    stored = Stored()
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as db:
            for run in (await db.execute(select(FormRun).order_by(FormRun.id))).all():
                stored.runs[run.id] = dict(run.answers or {})
                if run.form_id == "plan":
                    stored.latest_plan[run.user_id] = stored.runs[run.id]
            submitted = select(Application).where(Application.status == Status.SUBMITTED)
            for app in (await db.execute(submitted)).all():
                stored.applications[app.user_id] = dict(app.answers or {})
                stored.refs[app.user_id] = app.ref
            inbound = select(MessageLog.update_id).where(
                MessageLog.direction == Direction.IN, MessageLog.update_id.is_not(None)
            )
            stored.inbound = {u for u in (await db.scalars(inbound)).all() if u is not None}
            outbound = select(MessageLog.chat_id, MessageLog.telegram_message_id).where(
                MessageLog.direction == Direction.OUT,
                MessageLog.telegram_message_id.is_not(None),
            )
            for chat_id, message_id in (await db.execute(outbound)).all():
                if message_id is not None:
                    stored.outbound.setdefault(int(chat_id), set()).add(int(message_id))
            if broadcast_id is not None:
                rows = await db.execute(
                    select(Delivery.user_id, Delivery.state).where(
                        Delivery.broadcast_id == broadcast_id
                    )
                )
                stored.deliveries = {int(u): str(s) for u, s in rows.all()}
    finally:
        await engine.dispose()
    return stored


@dataclass(slots=True)
class AnswerCheck:
    checked: int = 0
    missing: int = 0
    examples: list[str] = field(default_factory=list)


def _lookup(answers: Any, path: tuple[str | int, ...]) -> Any:
    value = answers
    for step in path:
        if isinstance(step, int):
            if not isinstance(value, list) or step >= len(value):
                return _MISSING
            value = value[step]
        elif isinstance(value, dict) and step in value:
            value = value[step]
        else:
            return _MISSING
    return value


def _matches(acked: Acked, stored: Any) -> bool:
    if acked.answer.expected is UPLOADED:
        return isinstance(stored, dict) and stored.get("file_id") == acked.value
    if isinstance(acked.value, list) and isinstance(stored, list):
        return sorted(acked.value) == sorted(stored)
    return bool(stored == acked.value)


def check_answers(families: dict[int, FamilyLog], stored: Stored) -> AnswerCheck:
    result = AnswerCheck()
    for user_id, log in families.items():
        plan = stored.applications.get(user_id, stored.latest_plan.get(user_id, {}))
        for acked in log.acked:
            source = (
                stored.runs.get(acked.run_id or -1, {}) if acked.key.startswith("el.") else plan
            )
            found = _lookup(source, acked.answer.path)
            result.checked += 1
            if found is _MISSING or not _matches(acked, found):
                result.missing += 1
                if len(result.examples) < 5:
                    shown = "nothing" if found is _MISSING else repr(found)[:60]
                    result.examples.append(
                        f"family {user_id}: {acked.key} (run {acked.run_id}) stored {shown}, "
                        f"given {acked.value!r}"[:200]
                    )
    return result


def _original(message: BotMessage) -> tuple[Any, ...]:
    """The message as first sent (edits keep the earlier versions in history)."""
    first = message.history[0] if message.history else message
    markup = json.dumps(first.reply_markup, sort_keys=True, ensure_ascii=False)
    return (first.text, first.caption, markup, message.media_kind)


@dataclass(slots=True)
class DuplicateCheck:
    seen: int = 0  # the family already had the first copy and did not ask: a violation
    requested: int = 0  # the family asked where it stands in between
    # a kill in between, and the first copy not in the bot's log: re-sent for a redelivered
    # update, the restarted bot could not know the first copy had gone out
    unlogged_before_kill: int = 0
    examples: list[str] = field(default_factory=list)


def check_duplicates(
    chats: dict[int, list[BotMessage]],
    families: dict[int, FamilyLog],
    before: float,
    kills: Sequence[float] = (),
    logged: dict[int, set[int]] | None = None,
) -> DuplicateCheck:
    """Consecutive identical bot messages per chat, sent before ``before`` (the broadcast).

    ``kills``: when the bot was killed (time.monotonic()); ``logged``: chat -> message ids of
    the bot messages in its log. Both given: a repeat across a kill of an unlogged first copy
    is counted apart, not as a violation.
    """
    result = DuplicateCheck()
    for user_id, messages in chats.items():
        requests = families[user_id].requests
        known = (logged or {}).get(user_id, set())
        shown = [m for m in messages if m.sent_at < before]
        for first, second in pairwise(shown):
            if _original(first) != _original(second):
                continue
            if any(first.sent_at < asked < second.sent_at for asked in requests):
                result.requested += 1
                continue
            killed = any(first.sent_at < at < second.sent_at for at in kills)
            if logged is not None and killed and first.message_id not in known:
                result.unlogged_before_kill += 1
                continue
            result.seen += 1
            if len(result.examples) < 5:
                result.examples.append(f"family {user_id}: sent twice: {second.summary()[:160]}")
    return result


def redelivered_updates(logs: list[Path]) -> set[int]:
    """Update ids the bot recognised as delivered again (handlers/redelivery.py's warning)."""
    found: set[int] = set()
    for path in logs:
        if path.exists():
            found.update(int(m) for m in _REDELIVERED.findall(path.read_text(errors="replace")))
    return found
