"""Business-plan PDFs rendered in a worker process, prepared before the submission's unit of
work, and the fallbacks when either cannot be used."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.forms.model import Form
from bot.i18n import I18n
from bot.plan import pdf_renderer
from bot.plan.pdf_renderer import PdfRenderer
from bot.plan.submission import PDF_KIND, PreparedPdf, Submitted, prepare_pdf, submit_plan
from db.models import Document, User
from db.repo.applications import create_draft, get_application
from db.repo.cases import plan_pdf
from tests.harness import migrated_sessions
from tests.test_plan_questions import FORM, full_answers, pdf_text

WHEN = datetime(2026, 3, 8, 6, 0, tzinfo=UTC)
T = I18n().get("ky")


def _worker_pids() -> set[int]:
    pids: set[int] = set()
    for pool in pdf_renderer._POOLS.values():
        pids.update(pool._processes or {})  # the executor's own table of its workers
    return pids


async def test_the_worker_renders_the_plan_in_another_process() -> None:
    renderer = PdfRenderer(1, 150_000)
    data = await renderer.render(
        T, FORM, full_answers(), ref="SC-2026-000007", submitted_at=WHEN, prefilled=frozenset()
    )
    text = pdf_text(data)
    assert "SC-2026-000007" in text and "Өмүрбекова Гүлнара Үсөновна" in text
    assert "08.03.2026 12:00" in text  # Bishkek time, as rendering in the bot would print it
    workers = _worker_pids()
    assert workers and os.getpid() not in workers


async def test_a_killed_worker_costs_no_submission_and_is_replaced() -> None:
    renderer = PdfRenderer(1, 150_000)
    renderer.start()
    await renderer.render(
        T, FORM, full_answers(), ref="SC-2026-000008", submitted_at=WHEN, prefilled=frozenset()
    )
    killed = _worker_pids()
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    await asyncio.sleep(0.5)  # the executor notices its dead worker
    data = await renderer.render(
        T, FORM, full_answers(), ref="SC-2026-000009", submitted_at=WHEN, prefilled=frozenset()
    )
    assert "SC-2026-000009" in pdf_text(data)  # rendered in a thread meanwhile
    data = await renderer.render(
        T, FORM, full_answers(), ref="SC-2026-000010", submitted_at=WHEN, prefilled=frozenset()
    )
    assert "SC-2026-000010" in pdf_text(data)
    assert _worker_pids() and not (_worker_pids() & killed)  # a fresh worker


async def test_without_workers_or_for_another_form_it_renders_in_a_thread() -> None:
    other = Form("not_the_plan", FORM.title, FORM.questions, FORM.sections, FORM.computed)
    for renderer, form in ((PdfRenderer(0, 150_000), FORM), (PdfRenderer(1, 150_000), other)):
        data = await renderer.render(
            T,
            form,
            full_answers(),
            ref="SC-2026-000011",
            submitted_at=WHEN,
            prefilled=frozenset(),
        )
        assert "SC-2026-000011" in pdf_text(data)


def test_a_prepared_pdf_fits_only_the_same_plan() -> None:
    answers = full_answers()
    prepared = PreparedPdf(5, answers, "ky", frozenset({"region"}), WHEN, b"%PDF")
    assert prepared.fits(5, dict(answers), "ky", frozenset({"region"}))
    assert not prepared.fits(6, answers, "ky", frozenset({"region"}))
    assert not prepared.fits(5, answers, "ru", frozenset({"region"}))
    assert not prepared.fits(5, answers, "ky", frozenset())
    assert not prepared.fits(
        5, {**answers, "full_name": "Башка Адам"}, "ky", frozenset({"region"})
    )


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with migrated_sessions(database_url) as factory:
        async with factory() as session, session.begin():
            session.add(User(id=77, first_name="Гүлнара"))
        yield factory


async def _prepared(answers: dict[str, Any], now: datetime) -> PreparedPdf:
    """What the Submit press renders before its unit of work (the draft is the database's
    first application: id 1)."""
    prepared = await prepare_pdf(
        application_id=1,
        form=FORM,
        answers=answers,
        prefilled=frozenset(),
        t=T,
        now=now,
        printer=PdfRenderer(1, 150_000),
    )
    assert prepared is not None
    return prepared


async def _submit(
    factory: async_sessionmaker[AsyncSession],
    answers: dict[str, Any],
    prepared: PreparedPdf | None,
    now: datetime,
) -> tuple[Submitted, Document]:
    async with factory() as session, session.begin():
        draft = await create_draft(session, 77, "ky")
    async with factory() as session, session.begin():
        outcome = await submit_plan(
            session,
            application_id=draft.id,
            user_id=77,
            form=FORM,
            answers=answers,
            computed={},
            prefilled=frozenset(),
            t=T,
            now=now,
            printer=PdfRenderer(1, 150_000),
            prepared=prepared,
        )
    assert isinstance(outcome, Submitted)
    async with factory() as session:
        stored = await plan_pdf(session, draft.id)
        application = await get_application(session, draft.id)
    assert stored is not None and stored.kind == PDF_KIND and application is not None
    assert application.submitted_at is not None
    return outcome, stored


async def test_submission_stores_the_prepared_pdf_with_its_time(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    answers = full_answers()
    pressed = WHEN
    prepared = await _prepared(answers, pressed)
    outcome, stored = await _submit(sessions, answers, prepared, pressed + timedelta(seconds=2))
    assert stored.content == prepared.pdf
    assert outcome.application.submitted_at == pressed  # the time printed on the PDF


async def test_a_plan_changed_after_the_pdf_was_prepared_is_rendered_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    answers = full_answers()
    prepared = await _prepared(answers, WHEN)
    changed = {**answers, "full_name": "Асанова Айпери"}
    later = WHEN + timedelta(seconds=2)
    outcome, stored = await _submit(sessions, changed, prepared, later)
    assert stored.content is not None and stored.content != prepared.pdf
    text = pdf_text(stored.content)
    assert "Асанова Айпери" in text and "Өмүрбекова" not in text
    assert outcome.application.submitted_at == later


BOT_THAT_DIES = """
import asyncio, os, signal, sys
from datetime import UTC, datetime
from bot.i18n import I18n
from bot.plan import pdf_renderer
from tests.harness import migrated_sessions
from tests.test_plan_questions import FORM, full_answers

async def main():
    renderer = pdf_renderer.PdfRenderer(1, 150_000)
    await renderer.render(I18n().get("ru"), FORM, full_answers(), ref="SC-2026-000012",
                          submitted_at=datetime.now(UTC), prefilled=frozenset())
    for pool in pdf_renderer._POOLS.values():
        print(*pool._processes, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

if __name__ == "__main__":
    asyncio.run(main())
"""


ROOT = Path(__file__).resolve().parent.parent


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def test_workers_leave_when_the_bot_is_killed(tmp_path: Path) -> None:
    """kill -9 (or the OOM killer) gives the bot no chance to stop its workers."""
    script = tmp_path / "bot_that_dies.py"
    script.write_text(BOT_THAT_DIES)
    process = subprocess.run(
        [sys.executable, str(script)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert process.returncode == -signal.SIGKILL, process.stderr
    workers = [int(pid) for pid in process.stdout.split()]
    assert workers
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)
