"""Languages of the pages: German by default, English on request, and the words, numbers and dates.

The language comes from ``?lang=de|en`` first (links then keep it), else from ``Accept-Language``
(English only when the client prefers it to German), else German. The UI texts are gettext message
catalogues (``translations/<lang>/LC_MESSAGES/messages.po``), read with Babel when first needed: no
compiled ``.mo`` file is needed, so a fresh clone serves and tests as it is. Numbers, dates and plurals
follow the locale through Babel (CLDR). The labels of properties and classes are in
``publisher.serve.render.labels``.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import request

from publisher.serve.render import locale

LANGUAGES = ("de", "en")
DEFAULT = "de"
TRANSLATIONS = Path(__file__).parent / "translations"


def language() -> str:
    """The page language for the current request."""
    asked = request.args.get("lang", "").lower()
    if asked in LANGUAGES:
        return asked
    best = request.accept_languages.best_match(LANGUAGES, default=DEFAULT)
    return best if best in LANGUAGES else DEFAULT


def explicit() -> bool:
    """Whether the language was chosen in the URL (then links carry it on)."""
    return request.args.get("lang", "").lower() in LANGUAGES


@cache
def translations(lang: str) -> Translations:
    """The catalogue of ``lang``: the .po file compiled in memory (Babel), once per process."""
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=lang)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def t(key: str, lang: str) -> str:
    """The UI text ``key`` in ``lang`` (a missing key is a bug: it raises, so tests find it)."""
    catalogue = translations(lang if lang in LANGUAGES else DEFAULT)
    if key not in catalogue._catalog:  # gettext would answer with the key itself
        raise KeyError(f"no text {key!r} in the {lang} catalogue")
    return catalogue.gettext(key)


def n(key: str, count: int, lang: str) -> str:
    """``count`` with the word in the plural form of ``lang`` (``1 Partner``, ``2 partners``)."""
    lang = lang if lang in LANGUAGES else DEFAULT
    text = translations(lang).ngettext(key, key + "_plural", count)
    return text % {"num": number(count, lang)}


def number(value: int | float, lang: str) -> str:
    """A number as the locale writes it (``1.234`` in German, ``1,234`` in English)."""
    return locale.number(value, lang)


def when(value: str | date | datetime | None, lang: str) -> str:
    """An ISO date or time stamp as people read it (``1. Dezember 2026, 06:55``); other text as it is."""
    return locale.when(value, lang)
