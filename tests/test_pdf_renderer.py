"""Business-plan PDFs rendered in a worker process (or a thread when it cannot be used), and
stored beside the submitted application once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.forms.model import Form
from bot.i18n import I18n
from bot.plan import pdf_renderer
from bot.plan.pdf_renderer import PdfRenderer
from bot.plan.submission import PDF_KIND, Submitted, store_plan_pdf, submit_plan
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


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with migrated_sessions(database_url) as factory:
        async with factory() as session, session.begin():
            session.add(User(id=77, first_name="Гүлнара"))
        yield factory


async def _submitted(factory: async_sessionmaker[AsyncSession]) -> Submitted:
    async with factory() as session, session.begin():
        draft = await create_draft(session, 77, "ky")
    async with factory() as session, session.begin():
        outcome = await submit_plan(
            session,
            application_id=draft.id,
            user_id=77,
            answers=full_answers(),
            computed={},
            t=T,
            now=WHEN,
        )
    assert isinstance(outcome, Submitted)
    return outcome


async def test_the_submission_commits_without_waiting_for_its_pdf(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    outcome = await _submitted(sessions)
    async with sessions() as session:
        application = await get_application(session, outcome.application.id)
        assert application is not None and application.submitted_at == WHEN
        assert application.ref == outcome.ref
        assert await plan_pdf(session, application.id) is None  # made after the confirmation


async def test_the_pdf_is_stored_once_and_learns_its_telegram_id(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    outcome = await _submitted(sessions)
    data = await PdfRenderer(1, 150_000).render(
        T, FORM, full_answers(), ref=outcome.ref, submitted_at=WHEN, prefilled=frozenset()
    )
    async with sessions() as session, session.begin():
        application = await get_application(session, outcome.application.id)
        assert application is not None
        await store_plan_pdf(session, application, data, None)  # the send had failed
    async with sessions() as session, session.begin():
        application = await get_application(session, outcome.application.id)
        assert application is not None
        # Made again after a restart, and sent this time: one row, now with the file id.
        await store_plan_pdf(session, application, b"%PDF-again", "file-42")
    async with sessions() as session:
        rows = (
            await session.scalars(
                select(Document).where(
                    Document.application_id == outcome.application.id,
                    Document.kind == PDF_KIND,
                )
            )
        ).all()
    assert len(rows) == 1
    assert rows[0].content == data and rows[0].telegram_file_id == "file-42"
    assert rows[0].file_name == f"{outcome.ref}.pdf" and rows[0].size == len(data)
    assert outcome.ref in pdf_text(data)


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
