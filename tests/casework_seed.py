"""Test helpers of casework: applications seeded through the database, the way the
business-plan flow leaves them, and staff set up through the bot's own admin commands.

`seed_submitted` inserts a submitted Application (+ its PDF Document + audit rows) and then
calls `notify_new_submission` through the running app, exactly what the real submission does
after its commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.casework.notify import notify_new_submission
from bot.flood import FloodGuard
from db.enums import Role, Status
from db.models import Application, Document, StatusChange, User
from tests.conftest import ADMIN_ID
from tests.fakebot import BotMessage, FakeTelegramServer, FakeUser
from tests.harness import BotHarness

FAMILY = 3001
FAMILY_2 = 3002
CW_CHUI = 3101  # Чүй, Kyrgyz
CW_CHUI_2 = 3102  # Чүй, Russian
CW_ISSYK = 3201  # Ысык-Көл, Russian
# A minimal valid PDF: what matters is that the same bytes reach the caseworker.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
_PINS = iter(range(10_000_000, 99_999_999))


@pytest.fixture
async def casework(server: FakeTelegramServer, database_url: str) -> AsyncIterator[BotHarness]:
    """The bot with a fast reminder job (every 0.2 s); ADMIN_ID is an admin."""
    bot = BotHarness(
        server,
        database_url,
        admin_ids=str(ADMIN_ID),
        reminder_interval_seconds=0.2,
    )
    await bot.start()
    # Tests press dozens of buttons in a second on purpose; the flood guard is tested elsewhere.
    bot.services.flood = FloodGuard(rate=1000.0, burst=1000.0)
    try:
        yield bot
    finally:
        await bot.stop()


def inline_texts(message: BotMessage) -> list[str]:
    return [text for row in message.inline_buttons for text, _ in row]


def data_of(message: BotMessage, text: str) -> str:
    for row in message.inline_buttons:
        for label, data in row:
            if label == text and data is not None:
                return data
    raise AssertionError(f"no button {text!r} in {message.summary()}")


async def start_user(harness: BotHarness, user_id: int, language: str) -> FakeUser:
    """A person who opened the bot and chose a language (their chat exists)."""
    user = harness.user(user_id, language_code=language, first_name=f"User{user_id}")
    await user.send("/start")
    await user.expect_one()
    await user.press("✓ Кыргызча" if language == "ky" else "✓ Русский")
    await user.expect_edit()
    await user.expect_one()
    return user


async def add_caseworker(
    harness: BotHarness, admin: FakeUser, person: FakeUser, regions: list[str]
) -> None:
    """Through the admin's own tools: /addcaseworker <id>, region buttons, Done."""
    await admin.send(f"/addcaseworker {person.user_id}")
    picker = await admin.expect_one()
    for code in regions:
        await admin.press_data(f"adm:rg:{person.user_id}:{code}", message=picker)
        await admin.expect_answer()
        await admin.expect_edit()
    await admin.press_data(f"adm:ok:{person.user_id}", message=picker)
    await admin.expect_edit()
    await person.expect_one()  # "You are a social worker of the program for: ..."


async def seed_submitted(
    harness: BotHarness,
    user_id: int,
    *,
    region: str = "KG-C",
    district: str = "Аламүдүн району",
    full_name: str = "Айгүл Токтогулова",
    language: str = "ky",
    notify: bool = True,
    submitted_at: datetime | None = None,
    answers: dict[str, Any] | None = None,
) -> tuple[int, str]:
    """A submitted application as the business-plan flow commits it; returns (id, ref)."""
    now = submitted_at or datetime.now(UTC)
    pin = f"2010119{next(_PINS) % 10**7:07d}"
    async with harness.db() as db:
        if await db.get(User, user_id) is None:
            db.add(User(id=user_id, first_name="Family", language=language))
            await db.flush()  # no ORM relationship orders the inserts: the user goes first
        application = Application(
            user_id=user_id,
            status=Status.SUBMITTED,
            language=language,
            pin=pin,
            phone=f"+996700{user_id % 1_000_000:06d}",
            full_name=full_name,
            region=region,
            district=district,
            answers=answers
            or {"business_idea": "Бал өндүрүү: 20 уюк", "budget_total": 148000, "bees": True},
            priority_score=2,
            created_at=now - timedelta(hours=2),
            updated_at=now,
            submitted_at=now,
        )
        db.add(application)
        await db.flush()
        application.ref = f"SC-{now.year}-{application.id:06d}"
        db.add(
            StatusChange(
                application_id=application.id,
                from_status=Status.DRAFT,
                to_status=Status.SUBMITTED,
                actor_id=user_id,
                actor_role=Role.APPLICANT,
                created_at=now,
            )
        )
        db.add(
            Document(
                application_id=application.id,
                kind="business_plan_pdf",
                file_name=f"{application.ref}.pdf",
                mime_type="application/pdf",
                size=len(PDF),
                content=PDF,
            )
        )
        await db.commit()
        app_id, ref = application.id, application.ref
    harness.services.note_case(user_id)  # as handlers/plan.py does on submission
    if notify:
        assert harness.app is not None
        await notify_new_submission(harness.app.bot, harness.services, app_id)
    return app_id, ref


async def seed_draft(harness: BotHarness, user_id: int, language: str = "ky") -> int:
    async with harness.db() as db:
        if await db.get(User, user_id) is None:
            db.add(User(id=user_id, first_name="Family", language=language))
            await db.flush()  # no ORM relationship orders the inserts: the user goes first
        application = Application(user_id=user_id, status=Status.DRAFT, language=language)
        db.add(application)
        await db.commit()
        return application.id


async def application_row(harness: BotHarness, app_id: int) -> Application:
    async with harness.db() as db:
        row = await db.get(Application, app_id)
        assert row is not None
        return row


async def audit(harness: BotHarness, app_id: int) -> list[StatusChange]:
    async with harness.db() as db:
        rows = await db.scalars(
            select(StatusChange)
            .where(StatusChange.application_id == app_id)
            .order_by(StatusChange.id)
        )
        return list(rows)
