"""One simulated family for the intake benchmark: its script, and how one run is checked.

The script is the path the end-to-end tests take (tests/test_e2e_eligibility.py, then
tests/test_e2e_plan.py's fill_plan with the eligibility answers reused): /start, the language,
the eligibility check, «start the business plan», every plan question with the contact, the
ID card photo and the disability certificate, the summary, Submit, the PDF. Button labels and
answers are imported from those tests, so a wording change there reaches the benchmark too.

A family acts like a person who answers instantly (or after `think` seconds, give or take
half, before each message: so families that think also start at scattered moments): one
update, then it waits for the bot's reply (the number of messages the step brings, or an edit
for a toggle) before the next.
"""

from __future__ import annotations

import asyncio
import importlib
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from tests.fakebot import FakeTelegramServer, FakeUser, UpdateRecord
from tests.fakebot.models import BotMessage
from tests.fakebot.state import ChatState

Kind = Literal["send", "press", "contact", "photo", "document"]
# A few KB that start like a JPEG: the bot only stores the file_id, it never decodes it.
PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 12
CERTIFICATE = b"%PDF-1.4 disability certificate"
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Step:
    kind: Kind
    value: str = ""
    replies: int = 1  # new bot messages this step brings
    edit: bool = False  # answered by editing the pressed message in place (toggles)
    until_button: str | None = None  # take messages until one carries this inline button


def _test_data() -> tuple[Any, Any, Any, str]:
    """WORDS, LABELS, ANSWERS and START_DATE from the end-to-end tests, looked up at run time:
    `mypy bench` then checks the benchmark, not the test modules it borrows wording from."""
    eligibility = importlib.import_module("tests.test_e2e_eligibility")
    plan = importlib.import_module("tests.test_e2e_plan")
    return eligibility.WORDS, plan.LABELS, plan.ANSWERS, str(plan.START_DATE)


def pin_for(index: int) -> str:
    """A distinct, valid PIN per family: one open application per PIN is enforced."""
    return f"215031985{index % 100_000:05d}"


def family_steps(language: str, index: int) -> list[Step]:
    """Every update of the whole path, in order, for a family speaking ``language``."""
    words, labels, answers, start_date = _test_data()
    w, label, a = words[language], labels[language], answers[language]

    def send(text: str, replies: int = 1) -> Step:
        return Step("send", text, replies)

    def press(text: str, replies: int = 1) -> Step:
        return Step("press", text, replies)

    eligibility = [
        send("/start"),
        press(w["language"]),
        press(w["check"], replies=2),  # the introduction and the first question
        press(label["region"]),
        press(label["district"]),
        press(w["benefit"]),
        send("6"),  # household
        send("3"),  # children under 16
        send("2"),  # adults able to work
        press(w["yes"]),  # disability
        press(w["no"]),  # had a contract before
        press(w["yes"]),  # accepts the suspension
        press(w["yes"]),  # ready for the training
        press(w["no"]),  # existing business
        press(w["yes"]),  # OVOP
        press(w["no"]),  # green
        press(w["plan"], replies=2),  # the plan's introduction and its first question
    ]
    # fill_plan(prefilled=True, disability=True): region, district, household and business
    # questions are answered from the eligibility check and not asked again.
    plan = [
        send(a["full_name"]),
        send(pin_for(index)),
        Step("contact", "996555123456", replies=2),  # "saved" (keyboard back) + next question
        send(a["village"]),
        press(label["dairy"]),
        press(label["yes"]),  # OVOP
        send(a["description"]),
        send(a["resources"]),
        send(a["skills"]),
        send(a["workers"]),
        send(a["market"]),
        Step("press", label["bazaar"], replies=0, edit=True),
        Step("press", label["shops"], replies=0, edit=True),
        press(label["done"]),
        send(a["item1"]),
        send("2"),
        send("50 000"),
        press(label["add"]),
        send(a["item2"]),
        send("1"),
        send("30000"),
        press(label["finish"]),
        send("20 000"),
        press(label["skip"]),  # what the family contributes: optional
        send("40000"),
        send("15 000"),
        send(start_date),
        send("3"),
        send(a["risks"]),
        send(a["risk_plan"]),
        Step("photo"),  # the ID card
        Step("document", "certificate.pdf"),  # the disability certificate
        Step("press", label["skip"], until_button=label["submit"]),  # the summary
        press(label["submit"], replies=2),  # the confirmation with SC-… and the PDF
    ]
    return eligibility + plan


@dataclass(slots=True)
class FamilyResult:
    """What one family saw. ``transcript`` has one normalised entry per answered step."""

    latencies: list[float] = field(default_factory=list)  # seconds, one per answered step
    first_sent_at: float | None = None
    last_reply_at: float | None = None
    transcript: list[str] = field(default_factory=list)
    early_replies: int = 0  # replies stamped before the update they answer: out of order
    ref: str | None = None  # the SC-… reference of the submitted application
    error: str | None = None
    stopped: bool = False  # the phase's time budget ran out before the last step

    @property
    def updates(self) -> int:
        return len(self.latencies)


def normalise(message: BotMessage) -> str:
    """Text as the family saw it, numbers blanked (references, ids), media kind kept."""
    media = f"[{message.media_kind}] " if message.media_kind else ""
    return media + _DIGITS.sub("#", message.content)


def echo_data(number: int) -> str:
    """callback_data for the echo bot's step ``number``: it sends the data back as text."""
    return f"step{number}"


async def act(user: FakeUser, step: Step, number: int, echo: bool) -> UpdateRecord:
    """Send the step's update. For the echo bot a press is a callback with short data."""
    if step.kind == "send":
        return await user.send(step.value)
    if step.kind == "press":
        if echo:  # the echo bot's replies carry no buttons; the update is what counts
            return await user.press_data(echo_data(number))
        return await user.press(step.value)
    if step.kind == "contact":
        return await user.share_contact(step.value)
    if step.kind == "photo":
        return await user.send_photo(PHOTO)
    return await user.send_document(CERTIFICATE, step.value, "application/pdf")


class FamilyRun:
    """Drives one family through its steps and records what each step brought."""

    def __init__(
        self,
        server: FakeTelegramServer,
        user: FakeUser,
        steps: list[Step],
        timeout: float,
        think: float = 0.0,
    ) -> None:
        self.user = user
        # Seconds a family pauses before each message, the first too: uniform in [think/2,
        # 3*think/2], the same sequence for a family in every run (seeded by its user id).
        self.think = think
        self._rng = random.Random(user.user_id)
        self.chat: ChatState = server.state.chats[user.user_id]
        self.steps = steps
        self.timeout = timeout
        self.result = FamilyResult()
        self._messages = 0  # bot messages already attributed to a step
        self._edits = 0

    async def run(self, echo: bool = False, stop_at: float | None = None) -> FamilyResult:
        """All steps (or until ``stop_at``, monotonic); a failure is recorded, not raised."""
        try:
            for number, step in enumerate(self.steps):
                if self.think > 0:  # the first message too: families do not start in step
                    await asyncio.sleep(self._rng.uniform(0.5, 1.5) * self.think)
                if stop_at is not None and time.monotonic() >= stop_at:
                    self.result.stopped = True
                    break
                await self._step(step, number, echo)
        except AssertionError as exc:  # the driver's timeouts and missing buttons
            self.result.error = str(exc)
        return self.result

    async def _step(self, step: Step, number: int, echo: bool) -> None:
        chat, result = self.chat, self.result
        self._edits = len(chat.edits)  # edits so far answered earlier steps (✓ on a question)
        update = await act(self.user, step, number, echo)
        if result.first_sent_at is None:
            result.first_sent_at = update.available_at
        if step.edit and not echo:
            await self.user.wait_until(lambda: len(chat.edits) > self._edits, self.timeout, "edit")
            edited = chat.edits[self._edits]
            # Read now: a later edit of the same message overwrites edited_at.
            replied_at = edited.edited_at or 0.0
            entries = ["edit: " + normalise(edited)]
        else:
            replies = await self._take_messages(1 if echo else step.replies, step, echo)
            replied_at = replies[0].sent_at
            entries = [normalise(m) for m in replies]
            result.early_replies += sum(m.sent_at < update.available_at for m in replies)
            if not echo:
                self._note_ref(replies)
        if replied_at < update.available_at:
            result.early_replies += 1
        result.latencies.append(replied_at - update.available_at)
        result.last_reply_at = max(result.last_reply_at or 0.0, replied_at)
        result.transcript.append(" | ".join(entries))

    async def _take_messages(self, count: int, step: Step, echo: bool) -> list[BotMessage]:
        chat, start = self.chat, self._messages
        if step.until_button is not None and not echo:
            wanted = step.until_button

            def done() -> bool:
                return any(wanted in m.button_texts for m in chat.bot_messages[start:])

            await self.user.wait_until(done, self.timeout, f"a message with {wanted!r}")
            end = next(
                i + 1
                for i in range(start, len(chat.bot_messages))
                if wanted in chat.bot_messages[i].button_texts
            )
        else:
            await self.user.wait_until(
                lambda: len(chat.bot_messages) >= start + count,
                self.timeout,
                f"{count} message(s)",
            )
            end = start + count
        self._messages = end
        return chat.bot_messages[start:end]

    def _note_ref(self, replies: list[BotMessage]) -> None:
        for message in replies:
            found = re.search(r"SC-\d{4}-\d+", message.content)
            if found:
                self.result.ref = found.group()

    def extra_messages(self) -> int:
        """Bot messages that arrived after the family's last step: unexpected, out of order."""
        return len(self.chat.bot_messages) - self._messages


def compare(reference: list[str], seen: list[str]) -> int:
    """Steps whose replies differ from the reference family's (same language, run alone)."""
    return sum(1 for want, got in zip(reference, seen, strict=False) if want != got)


def first_difference(reference: list[str], seen: list[str]) -> str | None:
    """The first step whose replies differ, for the report on stderr."""
    for number, (want, got) in enumerate(zip(reference, seen, strict=False)):
        if want != got:
            return f"step {number}: expected {want[:120]!r}, got {got[:120]!r}"
    return None


def check_echo(steps: list[Step], seen: list[str]) -> int:
    """Steps whose echo is not what that step sent: a text or press data comes back as is,
    a photo, document or contact as "ok"."""
    wrong = 0
    for number, (step, entry) in enumerate(zip(steps, seen, strict=False)):
        if step.kind == "send":
            expected = step.value
        elif step.kind == "press":
            expected = echo_data(number)
        else:
            expected = "ok"
        wrong += entry != _DIGITS.sub("#", expected)
    return wrong
