"""Finishing a check and reading it back: the evaluator's verdict stored in one unit of work.

The caller owns the transaction (repositories never commit). Other features use
`latest_answers` to reuse what the family already told the check (the business plan asks
none of these questions again).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.eligibility.evaluator import Evaluation, final_evaluation, relevant_answers
from bot.eligibility.rules import Ruleset
from db.models import EligibilityCheck
from db.repo.eligibility import add_check, latest_check


def verdict_rows(evaluation: Evaluation) -> list[dict[str, Any]]:
    """Each rule's verdict as stored (JSON), with what a caseworker needs to read it."""
    return [
        {
            "rule": v.rule.id,
            "question": v.rule.question,
            "verdict": v.verdict.value,
            "on_fail": v.rule.on_fail.value,
            "source": str(v.rule.source),
        }
        for v in evaluation.verdicts
    ]


async def record_check(
    session: AsyncSession,
    ruleset: Ruleset,
    *,
    user_id: int,
    language: str,
    answers: Mapping[str, object],
    started_at: datetime | None = None,
) -> tuple[EligibilityCheck, Evaluation]:
    """Evaluate complete answers and store the check; ValueError if answers are missing."""
    evaluation = final_evaluation(ruleset, answers)
    assert evaluation.outcome is not None  # final_evaluation guarantees it
    check = await add_check(
        session,
        user_id=user_id,
        ruleset_version=ruleset.version,
        language=language,
        answers=dict(relevant_answers(ruleset, answers)),
        outcome=evaluation.outcome.value,
        verdicts=verdict_rows(evaluation),
        priority_flags=list(evaluation.priority_flags),
        priority_score=evaluation.priority_score,
        started_at=started_at,
    )
    return check, evaluation


async def latest_answers(session: AsyncSession, user_id: int) -> dict[str, Any]:
    """The answers of the family's latest finished check ({} if it never ran one)."""
    check = await latest_check(session, user_id)
    return dict(check.answers) if check is not None else {}
