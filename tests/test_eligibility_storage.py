"""Stored checks on a real database (SQLite, and PostgreSQL when the suite is given one)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.eligibility.loader import load_ruleset
from bot.eligibility.service import latest_answers, record_check
from db.base import utcnow
from db.models import EligibilityCheck, User
from db.repo.eligibility import checks_of, latest_check
from tests.harness import migrated_sessions

RULESET = load_ruleset()
FAMILY = {
    "region": "KG-T",
    "district": "Талас району",
    "support": "social_passport",
    "household_size": 4,
    "children_under_16": 2,
    "able_to_work_adults": 2,
    "disability": True,
    "had_contract_before": False,
    "accepts_suspension": True,
    "ready_for_training": True,
    "existing_business": False,
    "ovop_product": False,
    "green_project": False,
}


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A migrated database (the conftest's: SQLite, and PostgreSQL when configured)."""
    async with migrated_sessions(database_url) as factory:
        async with factory() as session, session.begin():
            session.add(User(id=77, first_name="Айгүл"))
        yield factory


async def test_a_check_is_stored_with_everything(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    factory = sessions
    started = utcnow()
    async with factory() as session, session.begin():
        check, evaluation = await record_check(
            session, RULESET, user_id=77, language="ru", answers=FAMILY, started_at=started
        )
    async with factory() as session:
        row = await session.get(EligibilityCheck, check.id)
    assert row is not None
    assert row.answers == FAMILY and row.ruleset_version == "2026.1" and row.language == "ru"
    assert row.outcome == "eligible" == evaluation.outcome
    assert row.verdicts is not None and len(row.verdicts) == len(RULESET.rules)
    first = row.verdicts[0]
    assert set(first) == {"rule", "question", "verdict", "on_fail", "source"}
    assert first["source"].startswith("doc: ")
    assert row.priority_flags == ["disability"] and row.priority_score == 2
    assert row.started_at == started and row.finished_at is not None
    assert row.finished_at.tzinfo is not None and row.finished_at >= row.started_at


async def test_history_is_kept_and_the_latest_answers_are_reused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    factory = sessions
    async with factory() as session:
        assert await latest_answers(session, 77) == {}
    refused = {"region": "KG-T", "district": "Талас району", "support": "neither"}
    for answers in (FAMILY, refused):
        async with factory() as session, session.begin():
            await record_check(session, RULESET, user_id=77, language="ky", answers=answers)
    async with factory() as session:
        history = await checks_of(session, 77)
        latest = await latest_check(session, 77)
        reused = await latest_answers(session, 77)
    assert [c.outcome for c in history] == ["eligible", "not_eligible"]
    assert latest is not None and latest.id == history[-1].id
    assert reused == refused


async def test_answers_that_became_irrelevant_are_not_stored(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The family went back and changed its support to "neither": later answers are dropped."""
    factory = sessions
    async with factory() as session, session.begin():
        check, _ = await record_check(
            session, RULESET, user_id=77, language="ky", answers={**FAMILY, "support": "neither"}
        )
    assert set(check.answers) == {"region", "district", "support"}


async def test_an_incomplete_check_is_refused(sessions: async_sessionmaker[AsyncSession]) -> None:
    factory = sessions
    async with factory() as session, session.begin():
        with pytest.raises(ValueError, match="not complete"):
            await record_check(
                session, RULESET, user_id=77, language="ky", answers={"support": "benefit"}
            )
