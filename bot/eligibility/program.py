"""Program facts read from the ruleset file: grant amount, currency, suspension years."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_RULESET = Path(__file__).resolve().parent / "ruleset.toml"


class RulesetError(Exception):
    """The ruleset file is missing or broken; the message names the problem for the operator."""


@dataclass(frozen=True, slots=True)
class Program:
    """What the bot tells families about the program; all of it editable in the ruleset."""

    version: str
    program_year: int
    grant_amount: int
    currency: str
    benefit_suspension_years: int
    benefit_stops_after_months: int
    followup_loan_max: int
    followup_loan_years: int


def read_ruleset_file(path: Path) -> dict[str, Any]:
    """Parse the TOML, turning every failure into one RulesetError line."""
    try:
        with path.open("rb") as fp:
            return tomllib.load(fp)
    except FileNotFoundError:
        raise RulesetError(f"ruleset file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulesetError(f"ruleset file {path} is not valid TOML: {exc}") from None


def _positive_int(table: dict[str, Any], key: str, where: str) -> int:
    value = table.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise RulesetError(
            f"ruleset: {where}.{key} must be a positive whole number, got {value!r}"
        )
    return value


def parse_program(data: dict[str, Any]) -> Program:
    """The [program] table and the top-level version, validated."""
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise RulesetError("ruleset: 'version' must be a non-empty string")
    program = data.get("program")
    if not isinstance(program, dict):
        raise RulesetError("ruleset: the [program] table is missing")
    grant_amount = _positive_int(program, "grant_amount", "program")
    currency = program.get("currency")
    if currency != "KGS":
        raise RulesetError(f"ruleset: program.currency must be 'KGS', got {currency!r}")
    return Program(
        version=version,
        program_year=_positive_int(data, "program_year", "ruleset"),
        grant_amount=grant_amount,
        currency=currency,
        benefit_suspension_years=_positive_int(program, "benefit_suspension_years", "program"),
        benefit_stops_after_months=_positive_int(program, "benefit_stops_after_months", "program"),
        followup_loan_max=_positive_int(program, "followup_loan_max", "program"),
        followup_loan_years=_positive_int(program, "followup_loan_years", "program"),
    )


def load_program(path: Path = DEFAULT_RULESET) -> Program:
    """Read and validate the program facts."""
    return parse_program(read_ruleset_file(path))
