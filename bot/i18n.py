"""Languages: catalogs loaded once, locale choice, and Babel formatting of money, numbers, dates.

Catalogs live in locales/<lang>/LC_MESSAGES/<domain>.mo. Each capability may keep its own domain
(core, eligibility, ...); they are merged into one catalog per language at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_currency, format_decimal
from babel.support import Translations

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES = ("ky", "ru")
# Plain "ru" makes Babel print "KGS" for the som; ru_KG prints "сом".
BABEL_LOCALES = {"ky": "ky", "ru": "ru_KG"}
BISHKEK: tzinfo = ZoneInfo("Asia/Bishkek")


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where the user's language is known."""
    return message


def negotiate(language_code: str | None) -> str | None:
    """Our language for Telegram's language_code hint ("ru-RU" -> "ru"), or None."""
    if not language_code:
        return None
    primary = language_code.replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else None


def load_catalogs(locales_dir: Path = LOCALES_DIR) -> dict[str, Translations]:
    """Read every compiled domain of each language and merge them into one catalog."""
    catalogs: dict[str, Translations] = {}
    for lang in LANGUAGES:
        # The first catalog read becomes the base: its header carries the language's plural
        # rule (Russian has three forms), which an empty Translations() would not.
        merged: Translations | None = None
        for mo_path in sorted((locales_dir / lang / "LC_MESSAGES").glob("*.mo")):
            with mo_path.open("rb") as fp:
                loaded = Translations(fp=fp, domain=mo_path.stem)
            if merged is None:
                merged = loaded
            else:
                merged.merge(loaded)
        catalogs[lang] = merged if merged is not None else Translations()
    return catalogs


@dataclass(frozen=True, slots=True)
class Translator:
    """Everything language-dependent for one user: gettext and Babel formatting."""

    language: str
    catalog: Translations

    @property
    def babel_locale(self) -> str:
        return BABEL_LOCALES[self.language]

    def gettext(self, message: str) -> str:
        return self.catalog.ugettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalog.ungettext(singular, plural, n)

    def money(self, amount: int | Decimal) -> str:
        """Som without тыйын: "150 000 сом" (no-break spaces)."""
        return format_currency(
            amount, "KGS", format="#,##0 ¤", currency_digits=False, locale=self.babel_locale
        )

    def number(self, value: int | float | Decimal) -> str:
        return format_decimal(value, locale=self.babel_locale)

    def date(self, value: date) -> str:
        # 'short' gives a two-digit year in ky; dd.MM.yyyy reads the same in both languages.
        return _babel_date(value, "dd.MM.yyyy", locale=self.babel_locale)

    def datetime(self, value: datetime) -> str:
        """A stored UTC time, shown in Bishkek time."""
        local = value.astimezone(BISHKEK)
        return _babel_datetime(local, "dd.MM.yyyy HH:mm", tzinfo=BISHKEK, locale=self.babel_locale)


class I18n:
    """The catalogs of every language, loaded once per process."""

    def __init__(self, catalogs: dict[str, Translations] | None = None) -> None:
        self._catalogs = catalogs if catalogs is not None else load_catalogs()
        self._translators = {lang: Translator(lang, cat) for lang, cat in self._catalogs.items()}

    def get(self, language: str) -> Translator:
        return self._translators[language if language in self._translators else LANGUAGES[0]]

    def all_translations(self, message: str) -> set[str]:
        """The text in every language, to recognise a keyboard button whatever its language."""
        return {t.gettext(message) for t in self._translators.values()}
