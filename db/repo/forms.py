"""Form runs: find the user's active one, start, pause, finish. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models.forms import FormRun, RunStatus


async def active_run(session: AsyncSession, user_id: int) -> FormRun | None:
    """The run the user's typed answers go to, if any."""
    return await session.scalar(
        select(FormRun).where(FormRun.user_id == user_id, FormRun.status == RunStatus.ACTIVE)
    )


async def open_run(session: AsyncSession, user_id: int, form_id: str) -> FormRun | None:
    """The user's unfinished (active or paused) run of this form."""
    return await session.scalar(
        select(FormRun).where(
            FormRun.user_id == user_id,
            FormRun.form_id == form_id,
            FormRun.status.in_((RunStatus.ACTIVE, RunStatus.PAUSED)),
        )
    )


async def get_run(session: AsyncSession, run_id: int) -> FormRun | None:
    return await session.get(FormRun, run_id)


async def pause_others(session: AsyncSession, user_id: int, form_id: str) -> None:
    """Pause the user's active run of any other form (it resumes when started again)."""
    await session.execute(
        update(FormRun)
        .where(
            FormRun.user_id == user_id,
            FormRun.status == RunStatus.ACTIVE,
            FormRun.form_id != form_id,
        )
        .values(status=RunStatus.PAUSED, updated_at=utcnow(), version=FormRun.version + 1)
        .execution_options(synchronize_session="fetch")
    )


async def create_run(
    session: AsyncSession,
    *,
    user_id: int,
    form_id: str,
    current: str,
    answers: dict[str, Any],
    prefilled: Sequence[str],
    subject_id: int | None,
) -> FormRun:
    run = FormRun(
        user_id=user_id,
        form_id=form_id,
        status=RunStatus.ACTIVE,
        current=current,
        answers=answers,
        prefilled=list(prefilled),
        pending={},
        subject_id=subject_id,
    )
    session.add(run)
    await session.flush()
    return run


def finish_run(run: FormRun, status: RunStatus) -> None:
    """Mark the run completed or cancelled (the caller's unit of work commits it)."""
    run.status = status
    run.finished_at = utcnow()


async def runs_of(session: AsyncSession, user_id: int) -> list[FormRun]:
    """Every run of the user, newest first (for tests and support)."""
    rows = await session.scalars(
        select(FormRun).where(FormRun.user_id == user_id).order_by(FormRun.id.desc())
    )
    return list(rows)


async def completed_run_of_subject(
    session: AsyncSession, user_id: int, form_id: str, subject_id: int
) -> FormRun | None:
    """The user's completed run of this form about this subject (a plan's application)."""
    return await session.scalar(
        select(FormRun)
        .where(
            FormRun.user_id == user_id,
            FormRun.form_id == form_id,
            FormRun.subject_id == subject_id,
            FormRun.status == RunStatus.COMPLETED,
        )
        .order_by(FormRun.id.desc())
        .limit(1)
    )
