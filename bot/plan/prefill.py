"""Answers the family already gave in the eligibility check, reused so they are not asked again.

Only well-formed values are taken (a value the plan would refuse is asked again instead).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.regions import REGION_CODES

_INT_LIMITS = {
    "household_size": (1, 30),
    "children_under_16": (0, 25),
    "able_to_work_adults": (0, 30),
}
_BOOLS = ("disability", "existing_business")


def prefill_from_check(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The plan's answers taken from an eligibility check's answers."""
    found: dict[str, Any] = {}
    region = answers.get("region")
    if region in REGION_CODES:
        found["region"] = region
        district = answers.get("district")
        if isinstance(district, str) and 2 <= len(district.strip()) <= 100:
            found["district"] = district.strip()
    for key, (low, high) in _INT_LIMITS.items():
        value = answers.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            found[key] = value
    size = found.get("household_size")
    if isinstance(size, int):
        if found.get("able_to_work_adults", 0) > size:
            del found["able_to_work_adults"]
        if found.get("children_under_16", -1) >= size:  # someone in the family is an adult
            del found["children_under_16"]
    for key in _BOOLS:
        if isinstance(answers.get(key), bool):
            found[key] = answers[key]
    return found
