"""One family of the crash benchmark: answers like a person while the bot is being killed.

Behaviour (what a person does, and what the benchmark documents):

* The family answers the question on screen, then waits for the bot's next screen before it
  does anything else. It reads which question a screen is (bench/crash_script.py) and answers
  by question id, so after a restart it answers whatever the bot shows.
* If the bot was restarted after the family's last update and nothing came within ``grace``
  seconds of the restart, the family sends nothing new on its own: it asks where it stands,
  like a person would: /start before the check, «✅ Check eligibility» during the check,
  «📝 Apply» during the business plan (the bot's documented resume entries). It then waits
  for the bot's answer to *that* request («Welcome back!…», an introduction, the menu), waits
  until the chat has been quiet for ``quiet`` seconds, and answers the question shown after
  the newest such answer. Late replies to its earlier updates come before it (the bot keeps
  each chat in order) and are ignored: acting on them, then seeing the question again, would
  answer the same question twice.
  Without a restart it waits up to ``step_timeout`` before asking (counted as a stall). If
  the bot answers with its error apology ("Sorry, something went wrong. Please try again"),
  the family asks at once (counted as an apology: the update failed, nothing was stored).
* An answer is *acknowledged* when the bot moves on to the question that follows it in the
  script. Acknowledged answers are checked against the database at the end. A screen that is
  neither the question just answered (shown again: the answer never arrived) nor the next
  one is a *wrong question* (a question skipped, or the form moved back).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bench.crash_bot import BotSupervisor
from bench.crash_script import NOT_STORED, Answer, Phase, Screen, Script, strip_mark
from bench.intake_family import CERTIFICATE, PHOTO
from tests.fakebot import FakeUser, UpdateRecord
from tests.fakebot.models import BotMessage
from tests.fakebot.state import ChatState

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Timing:
    grace: float = 10.0  # after a restart, how long to wait for the reply before asking
    quiet: float = 1.0  # after asking: no new bot message for this long before answering
    step_timeout: float = 120.0  # no restart: how long a reply may take before asking
    max_resumes: int = 40  # a family that has to ask more often than this gives up


@dataclass(frozen=True, slots=True)
class Acked:
    key: str
    answer: Answer
    value: Any  # what the family gave: the answer's expected value, or an upload's file_id
    run_id: int | None  # the form run whose question it answered


@dataclass(slots=True)
class FamilyLog:
    """What the checks need from one family."""

    acked: list[Acked] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    requests: list[float] = field(default_factory=list)  # when it asked where it stands
    update_ids: list[int] = field(default_factory=list)  # every update it sent
    # (update waited on, answered after a restart without asking): a kill hit this wait
    waits_over_restart: list[tuple[int, bool]] = field(default_factory=list)
    reshown: int = 0  # requests answered with a question (shown again)
    apologies: int = 0  # updates the bot failed on (its error handler's apology)
    stalls: int = 0
    stall_notes: list[str] = field(default_factory=list)
    ref: str | None = None
    error: str | None = None


class CrashFamily:
    def __init__(
        self,
        user: FakeUser,
        chat: ChatState,
        script: Script,
        bot: BotSupervisor,
        timing: Timing,
        sent: Callable[[], None],
    ) -> None:
        self.user = user
        self.chat = chat
        self.script = script
        self.bot = bot
        self.timing = timing
        self._sent = sent  # tells the killer about progress
        self.log = FamilyLog()
        self.phase: Phase = "start"
        self._mark = 0  # bot messages before this index came before the last update
        self._sent_at = 0.0
        self._update_id = 0
        self._last: Acked | None = None  # the last answer given, until acknowledged
        self._toggle: tuple[BotMessage, str, bool] | None = None  # (message, option, ticked)

    async def run(self) -> FamilyLog:
        """The whole path, /start to the SC-… reference; a failure is recorded, not raised."""
        try:
            await self._push(lambda: self.user.send("/start"))
            resumes = 0
            while self.phase != "done":
                screen = await self._wait(self._new_screen)
                if screen is None:
                    resumes += 1
                    if resumes > self.timing.max_resumes:
                        raise AssertionError(f"asked {resumes} times where it stands; gave up")
                    screen = await self._resume()
                    if screen is None:
                        continue
                self._judge(screen)
                if screen.key == "done":
                    self.log.ref = screen.ref
                    self.phase = "done"
                else:
                    await self._answer(screen)
        except AssertionError as exc:
            self.log.error = f"family {self.user.user_id}: {exc}\n{self.user.transcript(12)}"
        return self.log

    # -- waiting -------------------------------------------------------------------------------

    async def _wait(self, ready: Callable[[], T | None]) -> T | None:
        """``ready()``'s value once there is one; None when the family should ask instead."""
        while True:
            found = ready()
            bot, now = self.bot, time.monotonic()
            restarted = bot.ready_at > self._sent_at  # a new life since the last update
            if found is not None:
                if restarted:
                    self.log.waits_over_restart.append((self._update_id, True))
                return found
            if self._apologised():
                self.log.apologies += 1
                return None
            if bot.up and restarted and now >= bot.ready_at + self.timing.grace:
                self.log.waits_over_restart.append((self._update_id, False))
                return None
            if bot.up and not restarted and now - self._sent_at > self.timing.step_timeout:
                self.log.stalls += 1
                self._note_stall()
                return None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.chat.changed.wait(), 0.25)

    def _note_stall(self) -> None:
        """What the family had on screen when it gave up waiting (for the report)."""
        since = [m.summary()[:90] for m in self.chat.bot_messages[self._mark :]]
        last = self._last.key if self._last is not None else self.phase
        self.log.stall_notes.append(f"after {last} (update {self._update_id}): {since}")

    def _apologised(self) -> bool:
        apologies = self.script.apologies
        return any(m.content in apologies for m in self.chat.bot_messages[self._mark :])

    def _new_screen(self) -> Screen | None:
        """The newest screen since the last update (or the option just ticked, in place)."""
        for message in reversed(self.chat.bot_messages[self._mark :]):
            screen = self.script.read(message, self.phase)
            if screen is not None:
                self._toggle = None
                return screen
        if self._toggle is not None:
            message, option, ticked = self._toggle
            if _ticked(message, option) == ticked:
                self._toggle = None
                return self.script.read(message, self.phase)
        return None

    async def _resume(self) -> Screen | None:
        """Ask where it stands; the first screen from the bot's answer to that request."""
        await self._push(lambda: self.user.send(self.script.resume[self.phase]), request=True)

        def answered() -> Screen | None:
            messages, script, phase = self.chat.bot_messages, self.script, self.phase
            if not messages or time.monotonic() - messages[-1].sent_at < self.timing.quiet:
                return None  # the bot may still be answering
            start = next(
                (i for i in range(len(messages) - 1, self._mark - 1, -1)
                 if script.answers_resume(messages[i], phase)),
                None,
            )  # fmt: skip
            if start is None:
                return None
            screens = (script.read(m, phase) for m in messages[start:])
            return next((screen for screen in screens if screen is not None), None)

        screen = await self._wait(answered)
        self.log.reshown += screen is not None
        return screen

    # -- judging and answering -----------------------------------------------------------------

    def _judge(self, screen: Screen) -> None:
        last = self._last
        if last is None or screen.key == last.key:
            return  # shown again: the answer did not arrive (or a tick, edited in place)
        if screen.key == self.script.successor(last.key):
            if last.answer.expected is not NOT_STORED:
                self.log.acked.append(last)
        else:
            self.log.wrong.append(f"answered {last.key}, then the bot showed {screen.key}")
        self._last = None

    async def _answer(self, screen: Screen) -> None:
        answer = self.script.answer_for(screen.key)
        if answer is None:
            raise AssertionError(f"no answer for screen {screen.key}: {screen.message.summary()}")
        message, user, value = screen.message, self.user, answer.expected
        if answer.kind == "toggle":
            await self._tick(message, answer)
        elif screen.key == "language":
            await self._press(message, f"lang:{self.script.language}")
        elif answer.kind == "verdict":
            self.phase = "plan"
            await self._press(message, _data(message, lambda d: d.startswith("el:plan:")))
        elif answer.kind in ("press", "submit"):
            await self._press(message, _data(message, label=answer.value))
        elif answer.kind == "send":
            if screen.key == "menu":
                self.phase = "eligibility"
            await self._push(lambda: user.send(answer.value))
        elif answer.kind == "contact":
            await self._push(lambda: user.share_contact(answer.value))
        elif answer.kind == "photo":
            record = await self._push(lambda: user.send_photo(PHOTO))
            value = record.payload["message"]["photo"][-1]["file_id"]
        else:
            record = await self._push(
                lambda: user.send_document(CERTIFICATE, answer.value, "application/pdf")
            )
            value = record.payload["message"]["document"]["file_id"]
        self._last = Acked(screen.key, answer, value, screen.run_id)

    async def _tick(self, message: BotMessage, answer: Answer) -> None:
        """Multiple choice: tick (or untick) one option at a time, then «Done»."""
        *options, done = answer.value
        for row in message.inline_buttons:
            for text, data in row:
                if not data or data.split(":")[2:3] != ["t"]:
                    continue
                option, ticked = strip_mark(text), text.startswith("✅")
                if (option in options) != ticked:
                    await self._press(message, data)
                    self._toggle = (message, option, not ticked)
                    return
        await self._press(message, _data(message, label=done))

    async def _press(self, message: BotMessage, data: str) -> None:
        await self._push(lambda: self.user.press_data(data, message=message))

    async def _push(
        self, action: Callable[[], Awaitable[UpdateRecord]], request: bool = False
    ) -> UpdateRecord:
        # The driver queues the update before its first await: the mark is exact.
        self._mark = len(self.chat.bot_messages)
        self._toggle = None
        record = await action()
        self._sent_at = record.available_at
        self._update_id = record.update_id
        self.log.update_ids.append(record.update_id)
        if request:
            self.log.requests.append(record.available_at)
        self._sent()
        return record


def _ticked(message: BotMessage, option: str) -> bool:
    return any(text == "✅ " + option for row in message.inline_buttons for text, _ in row)


def _data(
    message: BotMessage, match: Callable[[str], bool] | None = None, *, label: str = ""
) -> str:
    """The callback data of the button with this label (or whose data matches)."""
    for row in message.inline_buttons:
        for text, data in row:
            if data is None:
                continue
            if (match is not None and match(data)) or (
                match is None and strip_mark(text) == strip_mark(label)
            ):
                return data
    raise AssertionError(f"no button {label!r} on {message.summary()}")
