"""Region and district questions shared by every form (eligibility check, business plan).

Stored values: the region's ISO code ("KG-C"); the district's Kyrgyz name from districts.csv
(a stable key, shown in the user's language), or the text typed for "other".
"""

from __future__ import annotations

import functools
from typing import Any

from bot.forms.model import Answers, Choice, Kind, Question
from bot.i18n import N_
from bot.regions import REGIONS, districts_of


def region_choices() -> tuple[Choice, ...]:
    return tuple(Choice(r.code, names={"ky": r.name_ky, "ru": r.name_ru}) for r in REGIONS)


def district_choices(answers: Answers) -> tuple[Choice, ...]:
    """The districts and cities of the region answered before."""
    region = answers.get("region")
    if not isinstance(region, str):
        return ()
    return _districts_of(region)


# Asked at every step of a form (is the district question relevant, which buttons): built once
# per region. Bounded, as the key is an answer (only valid region codes get this far).
@functools.lru_cache(maxsize=32)
def _districts_of(region: str) -> tuple[Choice, ...]:
    return tuple(
        Choice(d.name_ky, names={"ky": d.name_ky, "ru": d.name_ru}) for d in districts_of(region)
    )


def has_districts(answers: Answers) -> bool:
    return bool(district_choices(answers))


def region_question(section: str | None = None, **overrides: Any) -> Question:
    fields: dict[str, Any] = {
        "label": N_("In which region do you live?"),
        "short": N_("Region"),
        "choices": region_choices(),
        "columns": 2,
        "section": section,
    }
    fields.update(overrides)
    return Question("region", Kind.CHOICE, **fields)


def district_question(section: str | None = None, **overrides: Any) -> Question:
    """Districts as buttons after the region; any other name may be typed."""
    fields: dict[str, Any] = {
        "label": N_("Which district or city? If it is not on the buttons, type its name."),
        "short": N_("District or city"),
        "choices": district_choices,
        "allow_typed": True,
        "max_length": 100,
        "min_length": 2,
        "columns": 2,
        "section": section,
        "relevant": has_districts,
    }
    fields.update(overrides)
    return Question("district", Kind.CHOICE, **fields)
