"""Issued and modified dates that change only when the content changes.

A build does not know when the office last edited a fact, but it knows whether the content changed:
each dataset has a fingerprint (the release's content hash for the whole, the part file's sha256 for a
part). The catalogue step stores, per dataset, the fingerprint with its ``issued`` and ``modified``
dates in the release (``catalog/state.json``). The next build carries them over from the previous
release: an unchanged fingerprint keeps both dates, a changed one sets ``modified`` to the build time
and keeps ``issued``; a dataset seen for the first time gets the build time for both.

On a fresh deployment (no previous release, e.g. a new server or ``make clean``) every dataset starts
over with the build time; the dates then stay put for as long as the data does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from publisher.core.release import Layout


@dataclass(frozen=True)
class Dates:
    fingerprint: str
    issued: str  # ISO 8601 date-time, UTC, seconds
    modified: str


def previous_state(layout: Layout | None) -> dict[str, Dates]:
    """The dates a previous release recorded; empty if there is none or it has no catalogue."""
    if layout is None:
        return {}
    path = layout.catalog_state
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {slug: Dates(**entry) for slug, entry in raw["datasets"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def carry_over(fingerprints: dict[str, str], previous: dict[str, Dates], now: datetime) -> dict[str, Dates]:
    stamp = now.isoformat(timespec="seconds").replace("+00:00", "Z")
    out = {}
    for slug, fingerprint in fingerprints.items():
        before = previous.get(slug)
        if before is None:
            out[slug] = Dates(fingerprint, stamp, stamp)
        elif before.fingerprint == fingerprint:
            out[slug] = before
        else:
            out[slug] = Dates(fingerprint, before.issued, stamp)
    return out


def write_state(layout: Layout, dates: dict[str, Dates]) -> None:
    path = layout.catalog_state
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"datasets": {slug: vars(d) for slug, d in sorted(dates.items())}}
    path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
