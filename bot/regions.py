"""Regions (7 oblasts, Bishkek, Osh) and their districts and cities, in Kyrgyz and Russian.

Place names are proper nouns shown in the user's language from data (PROGRAM.md and
bot/data/districts.csv, copied from ../shared with its sources), not translated through gettext.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DISTRICTS_CSV = Path(__file__).resolve().parent / "data" / "districts.csv"


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    name_ky: str
    name_ru: str

    def name(self, language: str) -> str:
        return self.name_ru if language == "ru" else self.name_ky


REGIONS: tuple[Place, ...] = (
    Place("KG-GB", "Бишкек шаары", "город Бишкек"),
    Place("KG-GO", "Ош шаары", "город Ош"),
    Place("KG-B", "Баткен облусу", "Баткенская область"),
    Place("KG-C", "Чүй облусу", "Чуйская область"),
    Place("KG-J", "Жалал-Абад облусу", "Джалал-Абадская область"),
    Place("KG-N", "Нарын облусу", "Нарынская область"),
    Place("KG-O", "Ош облусу", "Ошская область"),
    Place("KG-T", "Талас облусу", "Таласская область"),
    Place("KG-Y", "Ысык-Көл облусу", "Иссык-Кульская область"),
)
REGION_CODES = frozenset(r.code for r in REGIONS)


def region(code: str) -> Place | None:
    return next((r for r in REGIONS if r.code == code), None)


@dataclass(frozen=True, slots=True)
class District:
    region_code: str
    kind: str  # district | city | city_district
    name_ky: str
    name_ru: str

    def name(self, language: str) -> str:
        return self.name_ru if language == "ru" else self.name_ky


@cache
def districts() -> tuple[District, ...]:
    """Every district and city of regional significance, in file order (read once)."""
    with DISTRICTS_CSV.open(encoding="utf-8", newline="") as fp:
        return tuple(
            District(row["region_code"], row["kind"], row["name_ky"], row["name_ru"])
            for row in csv.DictReader(fp)
        )


def districts_of(region_code: str) -> list[District]:
    """Districts first, then cities, as offered on buttons after the region."""
    found = [d for d in districts() if d.region_code == region_code]
    return sorted(found, key=lambda d: d.kind == "city")
