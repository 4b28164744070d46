"""Sending one broadcast: claim deliveries, pace them, keep many requests in flight.

Waiting for each answer before the next send manages about 20 messages per second at a 50 ms
round trip, so each send is its own task: the Pacer decides when a request may leave, up to
`max_in_flight` are on the wire at once, and their results go to the Outbox.

The at-most-once rule: a delivery is only sent after its claim (pending -> sending) committed,
and a delivery is only put back to pending when the send certainly did not reach Telegram
(never dispatched, or Telegram refused it). Everything else ends in a final state.
Each request is written to the send journal (bot/broadcast/journal.py) right before it is
made and its answer right after, so a kill -9 leaves "maybe delivered" only for the requests
really on the wire; the rest of the claim is sent again after the restart.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import random
import time
from collections import deque
from datetime import timedelta
from typing import TYPE_CHECKING

from telegram import Bot

from bot.broadcast.content import Content, content_for, send_raw
from bot.broadcast.errors import classify
from bot.broadcast.journal import Answer, Journal, Template
from bot.broadcast.outbox import RETRY_PAUSE, Outbox, capture
from bot.broadcast.pacing import Pacer
from bot.broadcast.progress_message import ProgressReporter
from bot.broadcast.retry import Attempt, Verdict
from bot.i18n import LANGUAGES
from db.base import utcnow
from db.enums import BroadcastState, DeliveryState
from db.models import Broadcast, MessageLog
from db.repo import broadcast_deliveries as repo
from db.repo.broadcast_deliveries import Claimed, Outcome

if TYPE_CHECKING:
    from bot.broadcast.worker import BroadcastWorker

_LOG = logging.getLogger(__name__)

# Claim about this much sending time at once, or 3 claim round trips' worth when the database
# is slow (a busy machine), so the queue never runs dry. Never more than MAX_CLAIM_SECONDS:
# with several processes the rows are shared out, and without a trusted send journal (after
# a reboot) a dead sender's whole claim becomes "unknown". (A kill -9 costs no claimed row:
# the journal shows which never left.)
CLAIM_SECONDS = 0.25
MAX_CLAIM_SECONDS = 0.5
MIN_CLAIM, MAX_CLAIM = 5, 500
UNPACED_CLAIM = 100
EMPTY_CLAIM_PAUSE = 0.25  # nothing due: look again after this long
DRAIN_SECONDS = 15.0  # how long a stop waits for requests in flight (read timeout is 5 s)
# PostgreSQL: another process declares us dead after STALE_SECONDS (30 s) without a heartbeat
# and sends our unsent claims itself; we stop sending well before that.
SILENT_SECONDS = 20.0


class BroadcastRun:
    """One pass over one broadcast, until it is done, cancelled or the worker stops."""

    def __init__(self, worker: BroadcastWorker, broadcast: Broadcast, bot: Bot) -> None:
        self.worker = worker
        self.broadcast_id = broadcast.id
        self.bot = bot
        self.contents: dict[str, Content] = {
            lang: content_for(broadcast, lang) for lang in LANGUAGES
        }
        rate = worker.rate
        self.pacer = Pacer(rate) if rate > 0 else Pacer(0)
        self.rate = rate
        self.claim_latency = 0.02  # seconds, moving average
        self.spacing = worker.spacing
        self.outbox = Outbox(worker.services, worker.write_lock)
        self.progress = ProgressReporter(worker, broadcast, bot)
        self.queue: deque[Claimed] = deque()
        self.later: list[tuple[float, int, Claimed]] = []  # (ready_at, id, row): chat spacing
        self.in_flight: set[asyncio.Task[None]] = set()
        self.claiming: asyncio.Task[bool] | None = None
        self.next_claim_at = 0.0
        self.ended = False  # the broadcast left the sending state (cancelled, or finished)
        self.cancelled = False
        self.journal = Journal(worker.journal_dir, worker.sender_id)
        self.returned: list[int] = []  # claimed but not sent after all (journal write failed)
        self.failure: BaseException | None = None

    # -- the loop -----------------------------------------------------------------------------

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        self.outbox.start()
        self.progress.start(self)
        try:
            while not self.worker.stopping and not self.ended:
                row = await self._next_row(loop)
                if row is None:
                    if await self._finished():
                        break
                    continue
                await self._dispatch(row, loop)
        finally:
            await self._wind_down()
        if self.failure is not None:
            raise RuntimeError(f"broadcast {self.broadcast_id} stopped") from self.failure

    async def _next_row(self, loop: asyncio.AbstractEventLoop) -> Claimed | None:
        """The next delivery to send, claiming more as the queue runs low; None when idle."""
        now = loop.time()
        if self.later and self.later[0][0] <= now:
            return heapq.heappop(self.later)[2]
        if (
            len(self.queue) <= self._low_water()
            and self.claiming is None
            and now >= self.next_claim_at
        ):
            self.claiming = asyncio.create_task(self._claim())
        if not self.queue and self.claiming is not None:
            claimed = await self.claiming
            self.claiming = None
            if not claimed:
                self.next_claim_at = loop.time() + EMPTY_CLAIM_PAUSE
        elif self.claiming is not None and self.claiming.done():
            self.claiming = None
        if self.queue:
            return self.queue.popleft()
        return None

    def _batch(self) -> int:
        if self.rate <= 0:
            return UNPACED_CLAIM
        seconds = min(MAX_CLAIM_SECONDS, max(CLAIM_SECONDS, 3 * self.claim_latency))
        return max(MIN_CLAIM, min(MAX_CLAIM, round(self.rate * seconds)))

    def _low_water(self) -> int:
        """Claim more when the queue holds less than two claim round trips of sending."""
        if self.rate <= 0:
            return UNPACED_CLAIM // 2
        batch = self._batch()
        return min(batch, max(MIN_CLAIM, round(self.rate * 2 * self.claim_latency), batch // 2))

    async def _claim(self) -> bool:
        """Claim the next batch (committed before any of it is sent); False if none was due
        or the database failed (busy, restarting: logged, and tried again shortly)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            return await self._claim_batch()
        except Exception:
            _LOG.exception("claiming for broadcast %s failed; retrying", self.broadcast_id)
            return False
        finally:
            took = loop.time() - started
            self.claim_latency = 0.7 * self.claim_latency + 0.3 * took

    async def _claim_batch(self) -> bool:
        async with self.worker.write_lock, self.worker.services.transaction() as session:
            state = await repo.state_of(session, self.broadcast_id)
            if state is not BroadcastState.SENDING:
                self.end(cancelled=state is BroadcastState.CANCELLED)
                return False
            rows = await repo.claim(
                session, self.broadcast_id, self.worker.sender_id, utcnow(), self._batch()
            )
        self.queue.extend(rows)
        return bool(rows)

    async def _finished(self) -> bool:
        """Nothing to send right now: done, or wait (requests in flight, retries in backoff)."""
        if self.ended:
            return True
        if self.in_flight:
            await asyncio.wait(self.in_flight, timeout=0.2, return_when=asyncio.FIRST_COMPLETED)
            return False
        if self.later:
            await asyncio.sleep(max(0.0, self.later[0][0] - asyncio.get_running_loop().time()))
            return False
        await self.outbox.flush()
        try:
            async with self.worker.write_lock, self.worker.services.transaction() as session:
                if await repo.finish(session, self.broadcast_id, utcnow()):
                    return True
                if not await repo.has_open(session, self.broadcast_id):
                    return True  # cancelled meanwhile (finish needs state sending)
                retry_at = await repo.next_retry_at(session, self.broadcast_id)
        except Exception:
            _LOG.exception("checking broadcast %s failed; retrying", self.broadcast_id)
            retry_at = None
        wait = EMPTY_CLAIM_PAUSE
        if retry_at is not None:
            wait = min(max((retry_at - utcnow()).total_seconds(), 0.0), 1.0)
        await asyncio.sleep(max(wait, 0.05))
        self.next_claim_at = 0.0
        return False

    async def _dispatch(self, row: Claimed, loop: asyncio.AbstractEventLoop) -> None:
        now = loop.time()
        ready = self.spacing.ready_at(row.user_id, now)
        if ready > now:  # this chat got a message less than a second ago
            heapq.heappush(self.later, (ready, row.id, row))
            return
        while len(self.in_flight) >= self.worker.max_in_flight:
            await asyncio.wait(self.in_flight, return_when=asyncio.FIRST_COMPLETED)
        slot = self.pacer.reserve(loop.time())
        delay = slot - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        left = loop.time()
        entry = self.pacer.sent(left)
        self.spacing.sent(row.user_id, left)
        task = asyncio.create_task(self._send(row, entry))
        self.in_flight.add(task)
        task.add_done_callback(self.in_flight.discard)

    def end(self, *, cancelled: bool) -> None:
        """Stop after the current send (the broadcast was cancelled or is over)."""
        self.ended = True
        self.cancelled = self.cancelled or cancelled

    # -- one send -----------------------------------------------------------------------------

    def _may_send(self, row: Claimed) -> bool:
        """Journal the request before it is made; False (the row goes back) if we must not."""
        worker = self.worker
        if not worker.single_process and time.monotonic() - worker.last_seen > SILENT_SECONDS:
            # Our heartbeat is late: another process may already have taken our claims.
            self.failure = self.failure or RuntimeError("heartbeat late; not sending")
        else:
            try:
                self.journal.dispatching(row.id)
                return True
            except OSError as exc:
                _LOG.exception("cannot write the send journal %s", self.journal.path)
                self.failure = self.failure or exc
        self.returned.append(row.id)
        self.end(cancelled=False)
        return False

    async def _send(self, row: Claimed, entry: list[float] | None = None) -> None:
        if self.ended or not self._may_send(row):
            if self.ended and row.id not in self.returned:
                self.returned.append(row.id)  # cancelled or stopping meanwhile: never sent
            return
        content = self.contents.get(row.language) or self.contents[LANGUAGES[0]]
        message_id: int | None = None
        with capture() as logs:
            try:
                message_id = await send_raw(self.bot, row.user_id, content)
                attempt = Attempt(Verdict.SENT)
            except asyncio.CancelledError:  # a stop gave up waiting: it may have arrived
                self._settle(row, Attempt(Verdict.UNKNOWN, "stopped while in flight"), None, [])
                raise
            except Exception as exc:
                attempt = classify(exc)
        self.pacer.answered(entry, asyncio.get_running_loop().time())
        self._settle(row, attempt, message_id, logs)

    def _settle(
        self, row: Claimed, attempt: Attempt, message_id: int | None, logs: list[MessageLog]
    ) -> None:
        """Journal the answer at once and hand it to the Outbox (committed in its next batch)."""
        attempts = row.attempts + 1
        decision = self.worker.policy.decide(attempt, attempts, random.random())
        if attempt.verdict is Verdict.FLOOD:
            self.pacer.flood(asyncio.get_running_loop().time(), attempt.retry_after or 1.0)
        if attempt.verdict not in (Verdict.SENT, Verdict.FLOOD, Verdict.BLOCKED):
            _LOG.warning(
                "broadcast %s to %s: %s -> %s",
                self.broadcast_id,
                row.user_id,
                attempt.error,
                decision.state,
            )
        not_before = None
        if decision.state is DeliveryState.PENDING:
            not_before = utcnow() + timedelta(seconds=decision.delay)
        template = None
        if logs:
            entry = logs[0]
            template = Template(entry.kind, entry.text, entry.file_ids, entry.buttons)
        self.journal.answered(
            row.id,
            Answer(decision.state, attempts, message_id, time.time()),
            row.language,
            template,
        )
        self.outbox.add(
            Outcome(
                delivery_id=row.id,
                user_id=row.user_id,
                state=decision.state,
                attempts=attempts,
                message_id=message_id,
                error=decision.error,
                not_before=not_before,
            ),
            logs,
        )

    # -- the end ------------------------------------------------------------------------------

    async def _wind_down(self) -> None:
        """Give back what was never sent, let requests in flight finish, write every result."""
        if self.claiming is not None:
            try:
                await self.claiming
            except Exception:
                _LOG.exception("claim failed while stopping broadcast %s", self.broadcast_id)
            self.claiming = None
        unsent = [row.id for row in self.queue] + [row.id for _, _, row in self.later]
        self.queue.clear()
        self.later.clear()
        if self.in_flight:
            _done, pending = await asyncio.wait(set(self.in_flight), timeout=DRAIN_SECONDS)
            for task in pending:  # recorded unknown by _send: it may have arrived
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        unsent += self.returned
        await self.outbox.close()
        state = DeliveryState.CANCELLED if self.cancelled else DeliveryState.PENDING
        while True:  # until the database answers: the rows must not stay claimed
            try:
                async with self.worker.write_lock, self.worker.services.transaction() as session:
                    await repo.release(session, unsent, self.worker.sender_id, state, utcnow())
                break
            except Exception:
                _LOG.exception("releasing %d unsent deliveries failed; retrying", len(unsent))
                await asyncio.sleep(RETRY_PAUSE)
        # Every result of this run is committed and nothing is claimed: the journal is done.
        self.journal.close(remove=True)
        try:
            await self.progress.close()
        except Exception:
            _LOG.exception("final progress of broadcast %s failed", self.broadcast_id)
