"""The send journal: which claimed deliveries were really handed to the network.

A claim commits a batch of deliveries (pending -> sending) before any of them is sent. If the
process dies (kill -9), the database alone cannot tell the claimed rows apart: some never left,
some are on the wire, some were answered but their result was still in the Outbox's buffer.
Without more information every one of them must be treated as "maybe delivered" (UNKNOWN) and
never resent. The journal is that information, one small append-only file per sender:

    J1 <boot id> <sender id>                  header
    T <language> <json>                       what the transcript shows for that language
    D <delivery id>                           about to be handed to the network
    R <delivery id> <state> <attempts> <message id or -> <unix time>    the answer

`D` is written (os.write, one syscall, a few microseconds) right before the request is made.
Between that write and the socket write the event loop runs the same task without letting
another one in, except to open a connection or wait for a free one in the pool, so "D without
R" means "the request may be on the wire" only for the requests really in flight at the crash.
`R` records the answer at once, before the Outbox commits it in its next batch.

Recovery (bot/broadcast/worker.py) reads the journal of a dead sender: a claimed row with no
`D` never left (back to pending, sent again), a row whose last line is `R` gets that result
(and its transcript row), a row whose last line is `D` is the truly unknown one.

What makes the file trustworthy: the writes need no fsync to survive kill -9 (the kernel has
them). They do not survive a power loss or kernel crash, so the header names the boot; a
journal from another boot (or missing, unreadable, or from another machine on PostgreSQL) is
not trusted and every claimed row of that sender becomes UNKNOWN, as before the journal.
A write that fails (disk full) stops the run before the request is made.

The file is removed when a run ends with every result committed; it never holds more than one
broadcast run (~40 bytes per recipient).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from db.enums import DeliveryState

_LOG = logging.getLogger(__name__)

MAGIC = "J1"
SUFFIX = ".journal"
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def boot_id() -> str | None:
    """This machine's boot (Linux); None where unknown (journals are then never trusted)."""
    try:
        return _BOOT_ID.read_text().strip() or None
    except OSError:
        return None


def journal_path(directory: Path, sender_id: str) -> Path:
    return directory / f"{sender_id}{SUFFIX}"


@dataclass(frozen=True, slots=True)
class Template:
    """The transcript row of a broadcast message, the same for every family of a language."""

    kind: str
    text: str | None
    file_ids: list[str] | None
    buttons: Any | None

    def line(self, language: str) -> bytes:
        data = {
            "kind": self.kind,
            "text": self.text,
            "file_ids": self.file_ids,
            "buttons": self.buttons,
        }
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return f"T {language} {body}\n".encode()


@dataclass(frozen=True, slots=True)
class Answer:
    """An `R` line: what Telegram answered (state as the retry policy decided)."""

    state: DeliveryState
    attempts: int
    message_id: int | None
    at: float  # unix time


class Journal:
    """The writing side, owned by one BroadcastRun (opened lazily, removed at a clean end)."""

    def __init__(self, directory: Path, sender_id: str) -> None:
        self.path = journal_path(directory, sender_id)
        self.sender_id = sender_id
        self._fd: int | None = None
        self._templates: dict[str, Template] = {}

    def _write(self, data: bytes) -> None:
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            header = f"{MAGIC} {boot_id() or '-'} {self.sender_id}\n".encode()
            self._fd = fd
            self._write(header)
        written = os.write(self._fd, data)
        if written != len(data):  # a full disk: the line is not there, so we must not send
            raise OSError(f"short write to {self.path} ({written} of {len(data)} bytes)")

    def dispatching(self, delivery_id: int) -> None:
        """Before the request is made (raises OSError: then it must not be made)."""
        self._write(b"D %d\n" % delivery_id)

    def answered(
        self,
        delivery_id: int,
        answer: Answer,
        language: str,
        template: Template | None,
    ) -> None:
        """The answer, before the Outbox commits it. A failure here only costs precision
        (the row becomes UNKNOWN after a crash), so it is logged, not raised."""
        try:
            if template is not None and self._templates.get(language) != template:
                self._write(template.line(language))
                self._templates[language] = template
            message_id = "-" if answer.message_id is None else str(answer.message_id)
            self._write(
                f"R {delivery_id} {answer.state.value} {answer.attempts} {message_id} "
                f"{answer.at:.2f}\n".encode()
            )
        except OSError:
            _LOG.exception("could not journal the answer for delivery %s", delivery_id)

    def close(self, *, remove: bool) -> None:
        """Close; remove the file when every result in it is committed."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            self._templates.clear()
        if remove:
            try:
                self.path.unlink(missing_ok=True)
            except OSError:
                _LOG.exception("could not remove %s", self.path)


@dataclass(slots=True)
class Replay:
    """What a dead sender's journal says about its claimed deliveries."""

    sent_out: set[int] = field(default_factory=set)  # last line D: may be on the wire
    answers: dict[int, Answer] = field(default_factory=dict)  # last line R
    templates: dict[str, Template] = field(default_factory=dict)

    def seen(self, delivery_id: int) -> bool:
        return delivery_id in self.sent_out or delivery_id in self.answers


def _parse_template(body: str) -> Template:
    data = json.loads(body)
    return Template(data["kind"], data.get("text"), data.get("file_ids"), data.get("buttons"))


def read(directory: Path, sender_id: str) -> Replay | None:
    """The journal of `sender_id`, or None when there is none or it cannot be trusted."""
    path = journal_path(directory, sender_id)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError:
        _LOG.exception("could not read %s", path)
        return None
    lines = raw.decode("utf-8", errors="replace").split("\n")
    header = lines[0].split(" ") if lines else []
    here = boot_id()
    if len(header) != 3 or header[0] != MAGIC or header[2] != sender_id:
        _LOG.warning("%s: not a send journal of this sender; not trusted", path)
        return None
    if here is None or header[1] != here:
        _LOG.warning("%s was written before a reboot (maybe incomplete); not trusted", path)
        return None
    replay = Replay()
    for number, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        try:
            _apply(replay, line)
        except (ValueError, KeyError, IndexError):
            # Each line is one write() call; a process kill does not split one. Anything
            # malformed means the file is not what we wrote: trust none of it.
            _LOG.warning("%s:%d is malformed; journal not trusted", path, number)
            return None
    return replay


def _apply(replay: Replay, line: str) -> None:
    kind, _, rest = line.partition(" ")
    if kind == "D":
        delivery_id = int(rest)
        replay.answers.pop(delivery_id, None)
        replay.sent_out.add(delivery_id)
    elif kind == "R":
        parts = rest.split(" ")
        if len(parts) != 5:
            raise ValueError(line)
        delivery_id = int(parts[0])
        replay.sent_out.discard(delivery_id)
        replay.answers[delivery_id] = Answer(
            DeliveryState(parts[1]),
            int(parts[2]),
            None if parts[3] == "-" else int(parts[3]),
            float(parts[4]),
        )
    elif kind == "T":
        language, _, body = rest.partition(" ")
        replay.templates[language] = _parse_template(body)
    else:
        raise ValueError(line)


def remove(directory: Path, sender_ids: Iterable[str]) -> None:
    """Drop the journals of senders whose rows were recovered."""
    for sender_id in sender_ids:
        try:
            journal_path(directory, sender_id).unlink(missing_ok=True)
        except OSError:
            _LOG.exception("could not remove the journal of sender %s", sender_id)


def remove_others(directory: Path, sender_id: str) -> None:
    """One process (SQLite): every other journal is a dead predecessor's, already used."""
    try:
        paths = list(directory.glob(f"*{SUFFIX}"))
    except OSError:
        return
    remove(directory, [p.name[: -len(SUFFIX)] for p in paths if p.name != f"{sender_id}{SUFFIX}"])
