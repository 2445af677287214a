"""Whole HTTP responses kept per release, in front of Flask: a repeated request costs a dict lookup.

A release never changes, so the response to a GET or HEAD is a function of the release and of the
request line and the headers that select a variant (Accept, Accept-Encoding, Accept-Language, the
conditional headers, Host and forwarded headers). Keys start with the release id, so a new build is
never answered from an old entry. Large or streamed bodies (over 2 MB, or without a length) pass through untouched.

SPARQL results are cached the same way when ``query_cache`` is on (the default): GET and POST to
``/sparql`` and ``/queries``, keyed by the query string or body as well. Queries that call a function
whose value changes between evaluations (NOW, RAND, UUID, STRUUID, BNODE) are always evaluated, and
so are errors such as timeouts (only answers with the statuses below are kept).

A request whose key would be larger than ``cache_max_key_bytes`` (a long path or query string, a large
POST body, long variant headers) is answered but never kept: one client cannot fill the cache with keys.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from publisher.core import urls
from publisher.serve.store.guard import keywords
from publisher.serve.store.live import LiveRelease, NoRelease
from publisher.serve.web.cache import Cache, size_of_response
from publisher.serve.web.streams import no_write

VARIANT_HEADERS = ("HTTP_ACCEPT", "HTTP_ACCEPT_ENCODING", "HTTP_ACCEPT_LANGUAGE", "HTTP_IF_NONE_MATCH",
                   "HTTP_IF_MODIFIED_SINCE", "HTTP_HOST", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
                   "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX")
QUERY_PATHS = ("/" + urls.SPARQL, "/" + urls.QUERIES)
VOLATILE = {"NOW", "RAND", "UUID", "STRUUID", "BNODE"}
_VOLATILE_BYTES = tuple(name.encode() for name in VOLATILE if name != "STRUUID")  # UUID is in STRUUID
#: What could hide one of those names from a plain byte search: a percent-encoded letter or backslash
#: (%41–%5A, %5C, %61–%7A) or a SPARQL \u / \U escape.
_MAY_SPELL = re.compile(rb"%(?:4[1-9A-Fa-f]|5[0-9AaCc]|6[1-9A-Fa-f]|7[0-9Aa])|\\[uU]")
CACHEABLE_STATUS = ("200", "304", "404", "406", "410")
MAX_ENTRY = 2 * 1024 * 1024

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
LIVE_KEY = "publisher.serve.store.live"


class ResponseCache:
    def __init__(self, app: WSGIApp, live: LiveRelease, cache: Cache, *, cache_queries: bool = True,
                 max_body: int = 1_000_000, max_key: int = 4096) -> None:
        self.app = app
        self.live = live
        self.cache = cache
        self.cache_queries = cache_queries
        self.max_body = max_body
        self.max_key = max_key

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        query_string = environ.get("QUERY_STRING", "")
        body = b""
        if path.startswith(QUERY_PATHS):
            if not self.cache_queries or method not in ("GET", "HEAD", "POST"):
                return self.app(environ, start_response)
            if method == "POST":
                body = self._read_body(environ)
                if body is None:
                    return self.app(environ, start_response)
            if _volatile(query_string, body, environ.get("CONTENT_TYPE", "")):
                return self.app(environ, start_response)
        elif method not in ("GET", "HEAD") or "HTTP_RANGE" in environ:
            # A range is cut from the file by the app (206/416); the cache keeps whole answers only.
            return self.app(environ, start_response)
        variants = tuple(environ.get(h) for h in VARIANT_HEADERS)
        key_bytes = (len(path) + len(query_string) + len(body) + len(environ.get("CONTENT_TYPE", ""))
                     + sum(len(v) for v in variants if v))
        if key_bytes > self.max_key:
            return self.app(environ, start_response)
        try:
            live = self.live.get()
        except NoRelease:
            return self.app(environ, start_response)
        environ[LIVE_KEY] = live  # the app answers from the same release the key names
        key = (live.release.id, method, environ.get("SCRIPT_NAME", ""), path, query_string,
               environ.get("CONTENT_TYPE", ""), body, *variants)
        hit = self.cache.peek(key)
        if hit is not None:
            status, headers, body = hit
            start_response(status, list(headers))
            return [body]
        return self._miss(key, environ, start_response)

    def _read_body(self, environ: dict) -> bytes | None:
        """The request body (put back for the app), or None when it is too large or of unknown length."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            return None
        if not 0 <= length <= self.max_body:
            return None  # the app answers 411/413 itself
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        return body

    def _miss(self, key: tuple, environ: dict, start_response: Callable) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info) if exc_info else no_write

        chunks = self.app(environ, capture)
        status, headers = captured.get("status", ""), captured.get("headers", [])
        length = next((v for k, v in headers if k.lower() == "content-length"), None)
        cacheable = (status[:3] in CACHEABLE_STATUS and length is not None and int(length) <= MAX_ENTRY
                     and not any(k.lower() == "set-cookie" for k, _ in headers))
        if not cacheable:
            start_response(status, headers)
            return chunks
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()
        self.cache.put(key, (status, tuple(headers), body), size_of_response(status, headers, body))
        start_response(status, headers)
        return [body]


def _volatile(query_string: str, body: bytes, content_type: str) -> bool:
    """Whether the request's SPARQL calls a function whose value changes between evaluations.

    Uses the endpoint's own SPARQL lexer, so "NOW" in a string or a comment does not count and a
    comment between a function's name and its "(" does not hide it. A request none of whose bytes can
    spell such a name (no name, no percent-encoded letter, no ``\\u`` escape) needs neither decoding nor the
    lexer: the common case, decided in C.
    """
    raw = query_string.encode("latin-1", "replace") + b"&" + body
    if not _MAY_SPELL.search(raw):
        upper = raw.upper()
        if not any(name in upper for name in _VOLATILE_BYTES):
            return False
    return _calls_volatile(query_string, body, content_type)


def _calls_volatile(query_string: str, body: bytes, content_type: str) -> bool:
    """``_volatile`` by the lexer, for every query text of the request."""
    texts = [v for values in parse_qs(query_string).values() for v in values]
    text = body.decode("utf-8", "replace")
    if content_type.startswith("application/x-www-form-urlencoded"):
        texts += [v for values in parse_qs(text).values() for v in values]
    else:
        texts.append(text)
    return any(VOLATILE.intersection(keywords(t)) for t in texts)
