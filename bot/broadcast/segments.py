"""Audiences: who a broadcast goes to. Plain data; the SQL lives in db/repo/broadcast_audience.py.

Decisions (the issue leaves them open):
- Families are users with role applicant; caseworkers and admins never receive broadcasts.
- A family's language is the one it chose, else the bot's default language: the language it
  would receive the text in, so "by language" and the text sent always agree.
- A family's region is users.region; when empty, the region of its latest application that has
  one; else the region answered in its latest eligibility check.
- "By application status" looks at the family's latest application only (an old withdrawn
  application does not put a family that has since applied again among the withdrawn).
- "Checked eligibility, never applied": at least one finished eligibility check and no
  application beyond a draft (a family that started a plan but never submitted it counts).
- Families that blocked the bot are left out of every audience until they write again.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.i18n import LANGUAGES, N_, Translator
from bot.menu import LANGUAGE_NAMES
from bot.regions import REGION_CODES, region
from db.enums import Status


class AudienceKind(enum.StrEnum):
    EVERYONE = "all"
    LANGUAGE = "lang"
    REGION = "region"
    STATUS = "status"
    CHECKED = "checked"  # checked eligibility but never applied


AUDIENCE_LABELS: dict[AudienceKind, str] = {
    AudienceKind.EVERYONE: N_("👥 All families"),
    AudienceKind.LANGUAGE: N_("🌐 By language"),
    AudienceKind.REGION: N_("📍 By region"),
    AudienceKind.STATUS: N_("📄 By application status"),
    AudienceKind.CHECKED: N_("✅ Checked eligibility, never applied"),
}

# Statuses an admin may target, in lifecycle order.
TARGET_STATUSES: tuple[Status, ...] = tuple(Status)

# The status names, as issue 5's catalog translates them (kept in sync by sharing the msgids).
STATUS_NAMES: dict[Status, str] = {
    Status.DRAFT: N_("Draft"),
    Status.SUBMITTED: N_("Submitted"),
    Status.IN_REVIEW: N_("Under review"),
    Status.NEEDS_INFO: N_("More information needed"),
    Status.APPROVED: N_("Approved"),
    Status.REJECTED: N_("Rejected"),
    Status.CONTRACT_SIGNED: N_("Contract signed"),
    Status.FUNDED: N_("Funds transferred"),
    Status.MONITORING: N_("Monitoring"),
    Status.COMPLETED: N_("Completed"),
    Status.WITHDRAWN: N_("Withdrawn"),
}


class AudienceError(ValueError):
    """An audience that makes no sense (forged button data, a stale stored value)."""


@dataclass(frozen=True, slots=True)
class Audience:
    kind: AudienceKind
    value: str | None = None

    @classmethod
    def parse(cls, kind: str | None, value: str | None) -> Audience:
        """Validate an audience from storage or from a button; AudienceError if invalid."""
        try:
            parsed = AudienceKind(kind or "")
        except ValueError:
            raise AudienceError(f"unknown audience {kind!r}") from None
        if parsed in (AudienceKind.EVERYONE, AudienceKind.CHECKED):
            if value:
                raise AudienceError(f"{parsed} takes no value")
            return cls(parsed, None)
        allowed: frozenset[str] | tuple[str, ...]
        if parsed is AudienceKind.LANGUAGE:
            allowed = LANGUAGES
        elif parsed is AudienceKind.REGION:
            allowed = REGION_CODES
        else:
            allowed = tuple(s.value for s in TARGET_STATUSES)
        if value not in allowed:
            raise AudienceError(f"bad value {value!r} for {parsed}")
        return cls(parsed, value)

    def describe(self, t: Translator) -> str:
        """ "Region: Чүй облусу", in the admin's language."""
        if self.kind is AudienceKind.EVERYONE:
            return t.gettext("All families")
        if self.kind is AudienceKind.CHECKED:
            return t.gettext("Families who checked eligibility but never applied")
        if self.kind is AudienceKind.LANGUAGE:
            name = LANGUAGE_NAMES.get(self.value or "", self.value or "")
            return t.gettext("Families reading {language}").format(language=name)
        if self.kind is AudienceKind.REGION:
            place = region(self.value or "")
            name = place.name(t.language) if place else (self.value or "")
            return t.gettext("Families in {region}").format(region=name)
        status = Status(self.value or "")
        return t.gettext("Families whose application is: {status}").format(
            status=t.gettext(STATUS_NAMES[status])
        )
