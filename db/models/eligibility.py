"""Stored eligibility checks: every answer, each rule's verdict and the outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, JSONType, UTCDateTime, utcnow

_ID = BigInteger().with_variant(Integer, "sqlite")


class EligibilityCheck(Base):
    """One finished run of the check. A family may run it again; every run is kept (history).

    A row is written when the check completes; the questions in progress live in the form
    engine's progress row (so a restart resumes at the same question).

    `answers` keys (shared with the business-plan questionnaire, which reuses them; only the
    questions the check asked are present, see bot/eligibility/evaluator.py):
    region (ISO code, e.g. "KG-C"), district (text: the Kyrgyz name from districts.csv when
    chosen on a button, else what the family typed), support ("benefit" | "social_passport" |
    "neither"), household_size, children_under_16, able_to_work_adults (ints), disability,
    had_contract_before, existing_business, accepts_suspension, ready_for_training,
    ovop_product, green_project (bools; the last two: the planned business is a «One Village –
    One Product» product / a green project, as the family sees it before writing the plan).
    """

    __tablename__ = "eligibility_checks"
    __table_args__ = (Index("ix_eligibility_checks_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"))
    ruleset_version: Mapped[str] = mapped_column(String(32))
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # The language the family answered in (district names are stored in it).
    language: Mapped[str | None] = mapped_column(String(8))
    # eligible | not_eligible | ask_district_office
    outcome: Mapped[str | None] = mapped_column(String(32))
    # [{"rule": id, "question": id, "verdict": "pass"|"fail"|"unknown",
    #   "on_fail": "not_eligible"|"ask_district_office", "source": "doc: ..."|"assumed: ..."}]
    verdicts: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    # Ids of the priority criteria met (e.g. ["many_children", "disability"]) and their weights.
    priority_flags: Mapped[list[str] | None] = mapped_column(JSONType)
    priority_score: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
