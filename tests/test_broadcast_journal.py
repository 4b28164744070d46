"""The send journal on its own: what a dead sender's file says, and when it is not trusted."""

from __future__ import annotations

from pathlib import Path

from bot.broadcast import journal
from bot.broadcast.journal import Answer, Journal, Template
from db.enums import DeliveryState


def test_the_last_line_of_each_delivery_decides(tmp_path: Path) -> None:
    writer = Journal(tmp_path, "s1")
    template = Template("text", "Салам", None, None)
    writer.dispatching(1)
    writer.dispatching(2)
    writer.answered(1, Answer(DeliveryState.SENT, 1, 501, 1.0), "ky", template)
    writer.dispatching(3)
    writer.answered(3, Answer(DeliveryState.PENDING, 1, None, 2.0), "ky", None)  # a 429
    writer.dispatching(3)  # claimed and sent again: on the wire now
    writer.close(remove=False)
    replay = journal.read(tmp_path, "s1")
    assert replay is not None
    assert replay.sent_out == {2, 3}
    assert replay.answers == {1: Answer(DeliveryState.SENT, 1, 501, 1.0)}
    assert replay.templates == {"ky": template}
    assert not replay.seen(4)


def test_untrusted_journals(tmp_path: Path) -> None:
    assert journal.read(tmp_path, "none") is None  # no file
    path = journal.journal_path(tmp_path, "s2")
    path.write_text(f"J1 {journal.boot_id()} someone-else\nD 1\n")
    assert journal.read(tmp_path, "s2") is None  # not this sender's
    path.write_text("J1 another-boot s2\nD 1\n")
    assert journal.read(tmp_path, "s2") is None  # a reboot may have lost its last lines
    path.write_text(f"J1 {journal.boot_id()} s2\nD 1\nD x\n")
    assert journal.read(tmp_path, "s2") is None  # not what we wrote
    path.write_text(f"J1 {journal.boot_id()} s2\nD 1\n")
    good = journal.read(tmp_path, "s2")
    assert good is not None and good.sent_out == {1}


def test_a_clean_end_removes_the_file(tmp_path: Path) -> None:
    writer = Journal(tmp_path / "sub", "s3")
    writer.dispatching(9)
    assert writer.path.exists() and writer.path.stat().st_mode & 0o777 == 0o600
    writer.close(remove=True)
    assert not writer.path.exists()
