"""Small parsers for values that come from users (URL parameters), shared by every route that reads one."""

from __future__ import annotations

import re

_ASCII_DIGITS = re.compile(r"[0-9]{1,9}")


def positive_int(raw: str) -> int | None:
    """``raw`` as a whole number ≥ 1, or None. Only ASCII digits: ``str.isdigit`` also accepts "²" and
    "٣", which ``int`` then refuses or reads as another number."""
    if not _ASCII_DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if value >= 1 else None
