"""After a crash: what happened to the deliveries a dead sender had claimed.

Its send journal (bot/broadcast/journal.py) answers it row by row:
- never handed to the network (no `D` line): back to pending, sent again;
- answered (last line `R`): the answer is recorded as if the Outbox had committed it (with
  the transcript row of a sent message);
- on the wire (last line `D`): UNKNOWN, never resent: it may have reached the family.
Without a trustworthy journal (none, another boot, another machine) every claimed row is
UNKNOWN: at most once comes first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import journal
from db.enums import DeliveryState
from db.models import Direction, MessageLog
from db.repo import broadcast_deliveries as repo
from db.repo.broadcast_deliveries import Claimed, Outcome

RECOVERED = "answer recovered from the send journal after a restart"


@dataclass(slots=True)
class Summary:
    resent: int = 0  # never left: pending again
    answered: int = 0  # the journal had Telegram's answer
    unknown: int = 0  # maybe delivered: not resent
    senders: list[str] = field(default_factory=list)  # whose journals are now used up

    def forget_journals(self, directory: Path) -> None:
        """After the commit: the journals of recovered senders are no longer needed."""
        journal.remove(directory, self.senders)


async def recover(session: AsyncSession, directory: Path, now: datetime) -> Summary:
    """Settle every delivery claimed by a sender that is gone (call inside a transaction,
    after dropping the dead senders' rows)."""
    summary = Summary()
    for sender_id in await repo.orphaned_senders(session):
        summary.senders.append(sender_id)
        replay = journal.read(directory, sender_id)
        if replay is None:
            continue  # untrusted or none: recover_orphans makes them all UNKNOWN below
        rows = await repo.claimed_by(session, sender_id)
        never_sent = [row.id for row in rows if not replay.seen(row.id)]
        outcomes, logs = _answers(rows, replay)
        await repo.release(session, never_sent, sender_id, DeliveryState.PENDING, now)
        await repo.record(session, outcomes, now, logs)
        summary.resent += len(never_sent)
        summary.answered += len(outcomes)
    summary.unknown = await repo.recover_orphans(session, now)
    return summary


def _answers(
    rows: list[Claimed], replay: journal.Replay
) -> tuple[list[Outcome], list[MessageLog]]:
    outcomes: list[Outcome] = []
    logs: list[MessageLog] = []
    for row in rows:
        answer = replay.answers.get(row.id)
        if answer is None:
            continue
        state = answer.state
        if state is DeliveryState.SENDING:  # not an answer we write; be safe
            state = DeliveryState.UNKNOWN
        outcomes.append(
            Outcome(
                delivery_id=row.id,
                user_id=row.user_id,
                state=state,
                attempts=answer.attempts,
                message_id=answer.message_id,
                error=None if state is DeliveryState.SENT else RECOVERED,
            )
        )
        template = replay.templates.get(row.language)
        if state is DeliveryState.SENT and template is not None:
            logs.append(
                MessageLog(
                    chat_id=row.user_id,
                    user_id=None,
                    direction=Direction.OUT,
                    kind=template.kind,
                    text=template.text,
                    file_ids=template.file_ids,
                    buttons=template.buttons,
                    telegram_message_id=answer.message_id,
                    created_at=datetime.fromtimestamp(answer.at, UTC),
                )
            )
    return outcomes, logs
