"""Numbers and dates as people of a locale read them (Babel, CLDR): shared by the views and the web layer."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

LANGUAGES = ("de", "en")


@cache
def locale(lang: str) -> Locale:
    return Locale.parse(lang if lang in LANGUAGES else "de")


def number(value: int | float, lang: str) -> str:
    """``1.234`` in German, ``1,234`` in English."""
    return format_decimal(value, locale=locale(lang))


def when(value: str | date | datetime | None, lang: str) -> str:
    """An ISO date or time stamp as people read it (``1. Dezember 2026, 06:55``); other text as it is."""
    if value is None or value == "":
        return ""
    parsed = value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(parsed, datetime):
        pattern = "d. MMMM y, HH:mm" if lang == "de" else "d MMMM y, HH:mm"
        return format_datetime(parsed, pattern, tzinfo=parsed.tzinfo, locale=locale(lang))
    return format_date(parsed, "long", locale=locale(lang))
