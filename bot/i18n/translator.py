"""The Translator: gettext catalogs plus Babel formatting for one locale and timezone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from fractions import Fraction
from functools import cache
from gettext import NullTranslations
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, dates, lists, numbers, units
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
DOMAIN = "messages"


def negotiate_language(hint: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Map a platform language hint ('en-GB', 'fr', None) to a supported language."""
    if not hint:
        return default
    best = Locale.negotiate([hint.replace("-", "_")], list(LANGUAGES), sep="_")
    return str(best) if best else default


def compile_catalogs(locales_dir: Path = LOCALES_DIR) -> None:
    """Compile every .po into .mo when missing or stale (fast; run at start-up)."""
    for po_path in locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)
        tmp.replace(mo_path)
    _translations.cache_clear()


@cache
def _translations(language: str) -> NullTranslations:
    return Translations.load(str(LOCALES_DIR), [language], DOMAIN)


@cache
def _locale(language: str) -> Locale:
    """One Babel locale per language: its data is loaded on first use, then kept."""
    return Locale.parse(language)


class Translator:
    """Translate and format for one reader: language + organisation timezone."""

    def __init__(self, language: str = DEFAULT_LANGUAGE, timezone: str = "Europe/Paris") -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self.locale = _locale(self.language)
        self.tz = ZoneInfo(timezone)
        self._t = _translations(self.language)

    def __call__(self, message: str, **params: Any) -> str:
        """Translate a message and fill `{name}` placeholders."""
        text = self._t.gettext(message)
        return text.format(**params) if params else text

    def plural(self, singular: str, plural: str, n: int, **params: Any) -> str:
        """Translate with the right plural form; `{n}` is formatted for the locale."""
        text = self._t.ngettext(singular, plural, n)
        return text.format(n=self.number(n), **params)

    def number(self, value: int | float | Fraction) -> str:
        """Format a number (fractions shown with up to 2 decimals)."""
        if isinstance(value, Fraction):
            value = float(value)
        return numbers.format_decimal(value, locale=self.locale, decimal_quantization=False)

    def percent(self, value: Fraction | float, decimals: int = 1) -> str:
        """Format a share as a percentage with up to `decimals` decimals (63,3 % / 40 %)."""
        pattern = numbers.parse_pattern(self.locale.percent_formats[None].pattern)
        pattern.frac_prec = (0, decimals)
        return str(pattern.apply(float(value), self.locale))

    def datetime(self, instant: dt.datetime, form: str = "medium") -> str:
        """Format an instant in the organisation's timezone."""
        return dates.format_datetime(instant, form, tzinfo=self.tz, locale=self.locale)

    def date(self, instant: dt.datetime, form: str = "long") -> str:
        """Format the date of an instant in the organisation's timezone."""
        return dates.format_date(instant.astimezone(self.tz), form, locale=self.locale)

    def duration(self, delta: dt.timedelta) -> str:
        """Format a duration ('3 jours')."""
        return str(dates.format_timedelta(delta, locale=self.locale))

    def exact_duration(self, delta: dt.timedelta) -> str:
        """A duration in the largest unit that states it exactly ('36 heures', '3 jours',
        '90 minutes'), where `duration` rounds ('2 jours')."""
        minutes = int(delta.total_seconds()) // 60
        if minutes and minutes % (24 * 60) == 0:
            value, unit = minutes // (24 * 60), "duration-day"
        elif minutes and minutes % 60 == 0:
            value, unit = minutes // 60, "duration-hour"
        else:
            value, unit = minutes, "duration-minute"
        return str(units.format_unit(value, unit, length="long", locale=self.locale))

    def list_of(self, items: Sequence[str]) -> str:
        """Items joined as the language does ('3 jours, 1 jour et 3 heures')."""
        return str(lists.format_list(list(items), locale=self.locale))
