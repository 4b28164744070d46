"""Drafts and submission of the business-plan application (one unit of work, no Telegram).

One open application per family: the PIN is checked here (a clear message) and by the
database's partial unique index uq_applications_open_pin (the race between two instances).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.forms.identity import mask_pin
from bot.i18n import BISHKEK, Translator
from bot.lifecycle import check_transition
from db.enums import Role, Status
from db.models import Application, Document
from db.repo.applications import (
    add_document,
    get_application,
    open_application_with_pin,
    record_status_change,
)
from db.repo.cases import plan_pdf

_LOG = logging.getLogger(__name__)

# Upload question id -> Document.kind.
UPLOAD_KINDS = {
    "id_card": "id_card",
    "disability_doc": "disability_certificate",
    "other_doc": "other_document",
}
PDF_KIND = "business_plan_pdf"


def reference(application_id: int, when: datetime) -> str:
    """SC-2026-000123: the year of submission in Bishkek and the application's number."""
    return f"SC-{when.astimezone(BISHKEK).year}-{application_id:06d}"


@dataclass(frozen=True, slots=True)
class Submitted:
    application: Application
    ref: str


@dataclass(frozen=True, slots=True)
class Refused:
    reason: str  # "duplicate_pin" | "not_a_draft"
    other_ref: str | None = None


async def duplicate_of(
    session: AsyncSession, pin: str, application_id: int | None
) -> Application | None:
    """Another family's (or an earlier) open application with this PIN."""
    return await open_application_with_pin(session, pin, exclude_id=application_id)


async def submit_plan(
    session: AsyncSession,
    *,
    application_id: int | None,
    user_id: int,
    answers: Mapping[str, Any],
    computed: Mapping[str, Any],
    t: Translator,
    now: datetime,
) -> Submitted | Refused:
    """DRAFT -> SUBMITTED with its reference, audit row and documents; or why not.

    The plan's PDF is not made here: the family is told at once that the application went in,
    and the PDF follows (store_plan_pdf), rendered outside this unit of work."""
    application = (
        await get_application(session, application_id) if application_id is not None else None
    )
    if application is None or application.user_id != user_id:
        return Refused("not_a_draft")
    if application.status is not Status.DRAFT:
        return Refused("not_a_draft", application.ref)
    pin = str(answers["pin"])
    other = await duplicate_of(session, pin, application.id)
    if other is not None:
        _LOG.info("submission refused: PIN %s already open as %s", mask_pin(pin), other.ref)
        return Refused("duplicate_pin", other.ref)
    check_transition(Status.DRAFT, Status.SUBMITTED, Role.APPLICANT)
    ref = reference(application.id, now)
    try:
        async with session.begin_nested():
            application.pin = pin
            application.phone = str(answers["phone"])
            application.full_name = str(answers["full_name"])
            application.region = answers.get("region")
            application.district = answers.get("district")
            application.language = t.language
            application.answers = {**answers, **computed}
            application.ref = ref
            application.submitted_at = now
            record_status_change(session, application, Status.SUBMITTED, user_id, Role.APPLICANT)
            await session.flush()
    except IntegrityError:  # another instance submitted the same PIN a moment ago
        _LOG.info("submission refused by the index: PIN %s", mask_pin(pin))
        return Refused("duplicate_pin")
    for question_id, kind in UPLOAD_KINDS.items():
        upload = answers.get(question_id)
        if isinstance(upload, dict):
            add_document(
                session,
                application.id,
                kind,
                telegram_file_id=upload.get("file_id"),
                file_name=upload.get("file_name"),
                mime_type=upload.get("mime_type"),
                size=upload.get("size"),
            )
    _LOG.info("application %s submitted by user %s", ref, user_id)
    return Submitted(application, ref)


async def store_plan_pdf(
    session: AsyncSession, application: Application, pdf: bytes, file_id: str | None
) -> Document:
    """The plan's PDF beside its application, once: a PDF made again after a restart (the
    process died before storing it) is not stored twice. `file_id`: Telegram's id of the copy
    sent to the family, so caseworkers get the same file without uploading it again."""
    stored = await plan_pdf(session, application.id)
    if stored is not None:
        if stored.telegram_file_id is None and file_id is not None:
            stored.telegram_file_id = file_id
        return stored
    return add_document(
        session,
        application.id,
        PDF_KIND,
        telegram_file_id=file_id,
        file_name=f"{application.ref}.pdf",
        mime_type="application/pdf",
        size=len(pdf),
        content=pdf,
    )


async def withdraw_draft(
    session: AsyncSession, application_id: int | None, user_id: int
) -> Application | None:
    """The family cancelled the questionnaire: DRAFT -> WITHDRAWN, with its audit row."""
    if application_id is None:
        return None
    application = await get_application(session, application_id)
    if application is None or application.user_id != user_id:
        return None
    if application.status is not Status.DRAFT:
        return None
    check_transition(Status.DRAFT, Status.WITHDRAWN, Role.APPLICANT)
    record_status_change(session, application, Status.WITHDRAWN, user_id, Role.APPLICANT)
    return application
