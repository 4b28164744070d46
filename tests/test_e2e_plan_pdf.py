"""The business plan's PDF comes after the confirmation, and a PDF that was never stored (the
process died, or rendering failed) is made when the Submit press comes again."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from bot.plan.pdf_renderer import PdfRenderer
from bot.plan.submission import PDF_KIND
from db.enums import Status
from db.models import Application, Document
from tests.harness import BotHarness
from tests.test_e2e_plan import Family, application_of, fill_plan, pdf_text
from tests.test_redelivery import redeliver_after_restart


class GatedRenderer(PdfRenderer):
    """The real renderer, in a thread, once the test opens the gate."""

    def __init__(self, grant_amount: int) -> None:
        super().__init__(0, grant_amount)
        self.gate = asyncio.Event()
        self.calls = 0

    async def render(self, *args: Any, **kwargs: Any) -> bytes:
        self.calls += 1
        await self.gate.wait()
        return await super().render(*args, **kwargs)


class BrokenRenderer(PdfRenderer):
    """A render that fails: a bug in a layout, or the process dying at that moment."""

    def __init__(self, grant_amount: int) -> None:
        super().__init__(0, grant_amount)
        self.calls = 0

    async def render(self, *args: Any, **kwargs: Any) -> bytes:
        self.calls += 1
        raise RuntimeError("the PDF could not be made")


async def at_the_summary(harness: BotHarness, user_id: int, language: str) -> Family:
    """A family whose whole plan is answered, at the summary with its Submit button."""
    family = Family(harness, harness.user(user_id, language_code=language), language)
    await family.start()
    await family.apply()
    await fill_plan(family)
    return family


async def plan_pdfs(harness: BotHarness, application_id: int) -> list[Document]:
    async with harness.db() as session:
        rows = await session.scalars(
            select(Document).where(
                Document.application_id == application_id, Document.kind == PDF_KIND
            )
        )
        return list(rows)


async def test_the_confirmation_does_not_wait_for_the_pdf(harness: BotHarness) -> None:
    renderer = GatedRenderer(harness.services.program.grant_amount)
    harness.services.pdf = renderer
    family = await at_the_summary(harness, 5201, "ky")
    await family.user.press(family.label["submit"])
    done = await family.user.expect_one()
    assert "SC-" in done.text and "Арызыңыз берилди" in done.text
    application = await application_of(harness, 5201)
    assert application.status is Status.SUBMITTED and application.ref in done.text
    assert await plan_pdfs(harness, application.id) == []  # still being made
    assert family.user.unread == []

    renderer.gate.set()
    pdf = await family.user.expect_one()
    assert pdf.document is not None and pdf.document.file_name == f"{application.ref}.pdf"
    assert "Өмүрбекова Гүлнара Үсөновна" in pdf_text(pdf)

    async def stored() -> list[Document]:
        for _ in range(100):
            rows = await plan_pdfs(harness, application.id)
            if rows:
                return rows
            await asyncio.sleep(0.05)
        return []

    rows = await stored()
    assert len(rows) == 1
    assert rows[0].content == pdf.document.data
    # Caseworkers are sent the family's copy by its Telegram id, not a second upload.
    assert rows[0].telegram_file_id == pdf.document.file_id
    assert renderer.calls == 1


async def test_a_pdf_never_stored_is_made_when_the_press_comes_again(
    harness: BotHarness,
) -> None:
    broken = BrokenRenderer(harness.services.program.grant_amount)
    harness.services.pdf = broken
    family = await at_the_summary(harness, 5202, "ru")
    record = await family.user.press(family.label["submit"])
    done = await family.user.expect_one()
    assert "SC-" in done.text
    await harness.settle()
    assert broken.calls == 1
    assert family.user.unread == []  # no PDF, and no apology after a confirmation
    application = await application_of(harness, 5202)
    assert await plan_pdfs(harness, application.id) == []

    # The process that failed (or died) before storing the PDF is gone; Telegram, or the
    # update inbox, hands the Submit press over again after the restart.
    await redeliver_after_restart(harness, record)
    pdf = await family.user.expect_one(timeout=20)
    assert pdf.document is not None and pdf.document.file_name == f"{application.ref}.pdf"
    assert "Иванова Мария Петровна" in pdf_text(pdf)
    await harness.settle()
    assert family.user.unread == []  # applied once: no second confirmation
    rows = await plan_pdfs(harness, application.id)
    assert len(rows) == 1 and rows[0].telegram_file_id == pdf.document.file_id
    async with harness.db() as session:
        submitted = (
            await session.scalars(select(Application).where(Application.user_id == 5202))
        ).all()
    assert [a.status for a in submitted] == [Status.SUBMITTED]
