"""Content negotiation, used by every route that returns RDF, query results or pages.

Accept headers (with q-values) and file extensions map to a ``Format`` of the registry
(``publisher.core.formats``); ``finish`` sets ``Vary``,
``Link`` alternates, ``ETag`` and ``Last-Modified`` and answers conditional requests, so that no
route does any of this on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from flask import Request, Response, request

from publisher.core.formats import Format


class NotAcceptable(Exception):
    """No offered format matches the Accept header; answered with 406 and the list of offers."""

    def __init__(self, offers: Sequence[Format]) -> None:
        self.offers = list(offers)
        super().__init__("none of the offered formats is acceptable: "
                         + ", ".join(f.media_type for f in self.offers))


def parse_accept(header: str | None) -> list[tuple[str, float, int]]:
    """``[(media range, q, position)]``; malformed parts are skipped, never fatal."""
    ranges = []
    for position, part in enumerate((header or "").split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((media, q, position))
    return ranges


def _match_quality(fmt: Format, ranges: list[tuple[str, float, int]]) -> tuple[float, int, int]:
    """(q, specificity, -position) of the most specific range that matches ``fmt``."""
    best: tuple[float, int, int] | None = None
    for media, q, position in ranges:
        for candidate in (fmt.media_type, *fmt.aliases):
            kind = candidate.split("/")[0]
            if media == candidate:
                spec = 3
            elif media == f"{kind}/*":
                spec = 2
            elif media == "*/*":
                spec = 1
            else:
                continue
            key = (q, spec, -position)
            if best is None or key[1] > best[1] or (key[1] == best[1] and key[0] > best[0]):
                best = key
    return best or (0.0, 0, 0)


def choose(offers: Sequence[Format], accept: str | None, default: Format | None = None) -> Format:
    """The offer the client prefers. No Accept header gives ``default`` (the first offer if unset)."""
    return _choose(tuple(offers), accept, default or offers[0])


@lru_cache(maxsize=256)  # clients send few distinct Accept headers: each is weighed once per list of offers
def _choose(offers: tuple[Format, ...], accept: str | None, default: Format) -> Format:
    ranges = parse_accept(accept)
    if not accept or not accept.strip() or not ranges:
        return default
    scored = []
    for index, fmt in enumerate(offers):
        q, spec, position = _match_quality(fmt, ranges)
        if q > 0:
            # Prefer higher q; on a tie, a range that names the type beats a wildcard, then the
            # client's own order, then ours (the default first).
            scored.append((q, spec, position, fmt is default, -index, fmt))
    if not scored:
        raise NotAcceptable(offers)
    scored.sort(key=lambda s: s[:5], reverse=True)
    top = scored[0]
    if top[1] == 1:  # only */* matched: the server's default, as the tie-break intends
        return default if any(s[5] is default for s in scored) else top[5]
    return top[5]


def finish(
    response: Response,
    *,
    etag: str | None = None,
    last_modified: datetime | None = None,
    alternates: Sequence[tuple[str, Format]] = (),
    negotiated: bool = True,
    req: Request | None = None,
) -> Response:
    """Set the shared headers and answer conditional requests (304) — the one place that does it."""
    req = req or request
    if negotiated:
        response.vary.add("Accept")
    if alternates:
        links = [f'<{url}>; rel="alternate"; type="{fmt.media_type}"' for url, fmt in alternates]
        existing = response.headers.get("Link")
        response.headers["Link"] = ", ".join(([existing] if existing else []) + links)
    if etag:
        response.set_etag(etag)
    if last_modified:
        response.last_modified = last_modified
    return response.make_conditional(req)


def respond(
    body: bytes | str,
    fmt: Format,
    *,
    etag: str,
    last_modified: datetime | None,
    alternates: Sequence[tuple[str, Format]] = (),
    content_location: str | None = None,
    vary_language: bool = False,
) -> Response:
    """A representation with every shared header: ``Vary``, ``Link``, ``ETag``, ``Last-Modified`` and 304.

    ``Vary: Accept`` is sent on extension URLs too, so that one cache key never mixes formats on the
    negotiated URL the document also answers for; ``vary_language`` adds ``Accept-Language`` (HTML).
    """
    response = Response(body, content_type=fmt.content_type)
    if content_location:
        response.headers["Content-Location"] = content_location
    if vary_language:
        response.vary.add("Accept-Language")
    return finish(response, etag=etag, last_modified=last_modified, alternates=alternates)
