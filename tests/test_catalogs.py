"""Every string a family sees exists in Kyrgyz and Russian, complete and compiled."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot import catalogs
from bot.i18n import I18n

PO_FILES = sorted(catalogs.LOCALES.glob("*/LC_MESSAGES/*.po"))
KYRGYZ_LETTERS = re.compile("[ңөүҢӨҮ]")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_catalogs_exist_for_both_languages() -> None:
    domains = {(p.parent.parent.name, p.stem) for p in PO_FILES}
    names = {d for _, d in domains}
    assert "core" in names
    for domain in names:
        assert ("ky", domain) in domains and ("ru", domain) in domains, domain


def test_templates_match_the_code() -> None:
    """Every msgid in the code is in the catalogs (someone forgot `python -m bot.catalogs`)."""
    for domain, template in catalogs.extract().items():
        for language in catalogs.LANGUAGES:
            path = catalogs.LOCALES / language / "LC_MESSAGES" / f"{domain}.po"
            if not len(template):
                continue
            with path.open("rb") as fp:
                catalog = read_po(fp)
            missing = [m.id for m in template if m.id and m.id not in catalog]
            assert not missing, f"{path}: not extracted yet: {missing[:3]}"


@pytest.mark.parametrize("path", PO_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_every_entry_translated_with_same_placeholders(path: Path) -> None:
    with path.open("rb") as fp:
        catalog = read_po(fp)
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, f"fuzzy: {message.id!r}"
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        values = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(values), f"untranslated: {ids[0]!r}"
        expected = set().union(*(_fields(i) for i in ids))
        for value in values:
            assert _fields(value) == expected, f"placeholders differ in {ids[0]!r}: {value!r}"


def test_kyrgyz_catalog_is_kyrgyz() -> None:
    """Long Kyrgyz strings use the Kyrgyz letters (a Russian copy would not)."""
    for path in catalogs.LOCALES.glob("ky/LC_MESSAGES/*.po"):
        with path.open("rb") as fp:
            catalog = read_po(fp)
        long_texts = [
            m.string for m in catalog if m.id and isinstance(m.string, str) and len(m.string) > 60
        ]
        with_letters = [s for s in long_texts if KYRGYZ_LETTERS.search(s)]
        assert len(with_letters) >= 0.8 * len(long_texts), path


def test_compiled_catalogs_are_fresh() -> None:
    for po in PO_FILES:
        mo = po.with_suffix(".mo")
        assert mo.exists() and mo.read_bytes() == catalogs.compile_mo(po), (
            f"{mo} is stale: run python -m bot.catalogs compile"
        )


def test_runtime_translates_in_both_languages() -> None:
    i18n = I18n()
    assert i18n.get("ky").gettext("Please choose your language:") == "Тилди тандаңыз:"
    assert i18n.get("ru").gettext("Please choose your language:") == "Выберите язык:"
