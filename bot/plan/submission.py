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
from bot.forms.model import Form
from bot.i18n import BISHKEK, Translator
from bot.lifecycle import check_transition
from bot.plan.pdf_renderer import PdfRenderer
from db.enums import Role, Status
from db.models import Application
from db.repo.applications import (
    add_document,
    get_application,
    open_application_with_pin,
    record_status_change,
)

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
    pdf: bytes


@dataclass(frozen=True, slots=True)
class Refused:
    reason: str  # "duplicate_pin" | "not_a_draft"
    other_ref: str | None = None


@dataclass(frozen=True, slots=True)
class PreparedPdf:
    """A plan's PDF rendered before the submission's unit of work (handlers/forms.py _prepare):
    rendering inside it held the database for as long as the PDF took."""

    application_id: int
    answers: Mapping[str, Any]  # what it shows
    language: str
    prefilled: frozenset[str]
    submitted_at: datetime  # the time printed on it, and then the submission's
    pdf: bytes

    def fits(
        self,
        application_id: int,
        answers: Mapping[str, Any],
        language: str,
        prefilled: frozenset[str],
    ) -> bool:
        """Still the plan being submitted (another update may have changed an answer)."""
        return (
            self.application_id == application_id
            and self.language == language
            and self.prefilled == prefilled
            and dict(self.answers) == dict(answers)
        )


async def prepare_pdf(
    *,
    application_id: int | None,
    form: Form,
    answers: Mapping[str, Any],
    prefilled: frozenset[str],
    t: Translator,
    now: datetime,
    printer: PdfRenderer,
) -> PreparedPdf | None:
    """The PDF submit_plan would render at `now`, made before its unit of work."""
    if application_id is None:
        return None
    ref = reference(application_id, now)
    pdf = await printer.render(t, form, answers, ref=ref, submitted_at=now, prefilled=prefilled)
    return PreparedPdf(application_id, dict(answers), t.language, prefilled, now, pdf)


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
    form: Form,
    answers: Mapping[str, Any],
    computed: Mapping[str, Any],
    prefilled: frozenset[str],
    t: Translator,
    now: datetime,
    printer: PdfRenderer,
    prepared: PreparedPdf | None = None,
) -> Submitted | Refused:
    """DRAFT -> SUBMITTED with its reference, audit row, documents and PDF; or why not.

    A `prepared` PDF that still fits is used as it is, with its time as the submission's."""
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
    if prepared is not None and not prepared.fits(
        application.id, answers, t.language, prefilled
    ):
        prepared = None
    if prepared is not None:
        now = prepared.submitted_at
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
    if prepared is not None:
        pdf = prepared.pdf
    else:
        pdf = await printer.render(
            t, form, answers, ref=ref, submitted_at=now, prefilled=prefilled
        )
    add_document(
        session,
        application.id,
        PDF_KIND,
        file_name=f"{ref}.pdf",
        mime_type="application/pdf",
        size=len(pdf),
        content=pdf,
    )
    _LOG.info("application %s submitted by user %s", ref, user_id)
    return Submitted(application, ref, pdf)


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
