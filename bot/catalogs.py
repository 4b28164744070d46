"""The translation workflow: `python -m bot.catalogs extract|update|compile|check|all`.

  extract  scan bot/ and handlers/ for _(), gettext(), ngettext(), N_() -> locales/<domain>.pot
  update   merge each template into locales/{ky,ru}/LC_MESSAGES/<domain>.po (new msgids empty)
  compile  write the .mo files the bot loads (they are committed, so an install needs no step)
  check    fail if any msgid lacks a translation, is fuzzy, or the .mo is stale
  all      extract, update, compile, check

Each capability may own a domain (a separate .po pair), so two people translating different
features never edit the same file. Files not claimed by a domain belong to "core".
"""

from __future__ import annotations

import fnmatch
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
LANGUAGES = ("ky", "ru")
SOURCES = ("bot", "handlers")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
# domain -> glob patterns (relative to the project root) of the files it owns.
DOMAINS: dict[str, tuple[str, ...]] = {
    "eligibility": ("bot/eligibility/*", "handlers/eligibility*.py"),
    "plan": ("bot/forms/*", "bot/plan/*", "handlers/plan*.py", "handlers/forms*.py"),
    "casework": ("bot/lifecycle*.py", "bot/casework/*", "handlers/casework*.py"),
    "broadcast": ("bot/broadcast/*", "handlers/broadcast*.py"),
    "privacy": ("bot/privacy/*", "handlers/privacy*.py"),
}
CORE = "core"


def domain_of(relative: str) -> str:
    for domain, patterns in DOMAINS.items():
        if any(fnmatch.fnmatch(relative, p) for p in patterns):
            return domain
    return CORE


def extract() -> dict[str, Catalog]:
    """One template catalog per domain, from the Python sources."""
    templates: dict[str, Catalog] = {}
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            domain = domain_of(relative)
            template = templates.setdefault(domain, Catalog(domain=domain, charset="utf-8"))
            for lineno, message, comments, context in extract_from_file(
                "python", str(path), keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
            ):
                template.add(
                    message, None, [(relative, lineno)], auto_comments=comments, context=context
                )
    return templates


def _po_path(language: str, domain: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{domain}.po"


def write_templates(templates: dict[str, Catalog]) -> None:
    LOCALES.mkdir(exist_ok=True)
    for domain, template in templates.items():
        if not len(template):
            continue
        with (LOCALES / f"{domain}.pot").open("wb") as fp:
            write_po(fp, template, omit_header=False, sort_output=False, width=99)


def update(templates: dict[str, Catalog]) -> None:
    """Merge new msgids into the .po files, keeping every translation made so far."""
    for domain, template in templates.items():
        if not len(template):
            continue
        for language in LANGUAGES:
            path = _po_path(language, domain)
            if path.exists():
                with path.open("rb") as fp:
                    catalog = read_po(fp, locale=language, domain=domain)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                catalog = Catalog(locale=language, domain=domain, charset="utf-8")
            # No fuzzy guesses: a near-match translation shown to a family would be wrong.
            catalog.update(template, no_fuzzy_matching=True)
            catalog.fuzzy = False  # the header is ours, not a guess: never mark it fuzzy
            with path.open("wb") as fp:
                write_po(fp, catalog, width=99, ignore_obsolete=True)


def compile_mo(path: Path) -> bytes:
    with path.open("rb") as fp:
        catalog = read_po(fp)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def compile_all() -> None:
    for po in sorted(LOCALES.glob("*/LC_MESSAGES/*.po")):
        po.with_suffix(".mo").write_bytes(compile_mo(po))


def problems() -> list[str]:
    """Untranslated, fuzzy or stale entries, one line each."""
    found: list[str] = []
    for po in sorted(LOCALES.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as fp:
            catalog = read_po(fp)
        for message in catalog:
            if not message.id:
                continue
            values = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy:
                found.append(f"{po}: fuzzy: {message.id!r}")
            elif not all(values):
                found.append(f"{po}: untranslated: {message.id!r}")
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != compile_mo(po):
            found.append(f"{mo}: missing or stale; run python -m bot.catalogs compile")
    return found


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "all"
    if command in ("extract", "update", "all"):
        templates = extract()
        write_templates(templates)
        if command in ("update", "all"):
            update(templates)
    if command in ("compile", "all"):
        compile_all()
    if command in ("check", "all"):
        issues = problems()
        for line in issues:
            print(line)
        return 1 if issues else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
