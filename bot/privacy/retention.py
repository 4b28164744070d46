"""How long a signed contract's data is kept after the family asks for erasure (a data file)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_RETENTION = Path(__file__).resolve().parent / "retention.toml"


class RetentionError(Exception):
    """The retention file is missing or broken."""


@dataclass(frozen=True, slots=True)
class Retention:
    contract_years: int
    source: str  # "doc: ..." or "assumed: ...", as in the ruleset


def load_retention(path: Path = DEFAULT_RETENTION) -> Retention:
    """Read and check the file; a broken file names its problem."""
    try:
        with path.open("rb") as fp:
            data = tomllib.load(fp)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RetentionError(f"retention file {path}: {exc}") from None
    years = data.get("contract_years")
    if not isinstance(years, int) or isinstance(years, bool) or not 1 <= years <= 100:
        raise RetentionError(f"retention file {path}: contract_years must be 1..100")
    source = data.get("contract_years_source")
    if not isinstance(source, str) or not source.startswith(("doc:", "assumed")):
        raise RetentionError(
            f"retention file {path}: contract_years_source must start with doc: or assumed"
        )
    return Retention(years, source)
