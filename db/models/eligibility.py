"""Stored eligibility checks: every answer, each rule's verdict and the outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, JSONType, UTCDateTime, utcnow

_ID = BigInteger().with_variant(Integer, "sqlite")


class EligibilityCheck(Base):
    """One run of the check. A family may run it again; every run is kept (history).

    `answers` keys (shared with the business-plan questionnaire, which reuses them):
    region (ISO code, e.g. "KG-C"), district (text), support ("benefit" | "social_passport" |
    "neither"), household_size, children_under_16, able_to_work_adults (ints), disability,
    had_contract_before, existing_business, accepts_suspension, ready_for_training (bools).
    """

    __tablename__ = "eligibility_checks"
    __table_args__ = (Index("ix_eligibility_checks_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"))
    ruleset_version: Mapped[str] = mapped_column(String(32))
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # The question being asked now; None once the check is finished.
    current_question: Mapped[str | None] = mapped_column(String(64))
    # eligible | not_eligible | ask_district_office; None while in progress.
    outcome: Mapped[str | None] = mapped_column(String(32))
    # [{"rule": id, "verdict": "pass"|"fail"|"unknown", ...}]
    verdicts: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    priority_flags: Mapped[list[str] | None] = mapped_column(JSONType)
    priority_score: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
