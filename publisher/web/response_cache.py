"""Whole HTTP responses kept per release, in front of Flask: a repeated request costs a dict lookup.

A release never changes, so the response to a GET or HEAD is a function of the release and of the
request line and the headers that select a variant (Accept, Accept-Encoding, Accept-Language, the
conditional headers, Host and forwarded headers). Keys start with the release id, so a new build is
never answered from an old entry. SPARQL is not cached here: query results have limits and
timeouts of their own, and their benchmark is measured without a cache. Large or streamed bodies
(the dumps) pass through untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from publisher.live import LiveRelease, NoRelease
from publisher.web.cache import RenderCache

VARIANT_HEADERS = ("HTTP_ACCEPT", "HTTP_ACCEPT_ENCODING", "HTTP_ACCEPT_LANGUAGE", "HTTP_IF_NONE_MATCH",
                   "HTTP_IF_MODIFIED_SINCE", "HTTP_HOST", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
                   "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX", "HTTP_ORIGIN")
NOT_CACHED = ("/sparql", "/queries")
CACHEABLE_STATUS = ("200", "304", "404", "406", "410")
MAX_ENTRY = 2 * 1024 * 1024

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
LIVE_KEY = "publisher.live"


class ResponseCache:
    def __init__(self, app: WSGIApp, live: LiveRelease, max_bytes: int = 128 * 1024 * 1024) -> None:
        self.app = app
        self.live = live
        self.cache = RenderCache(max_bytes)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        if method not in ("GET", "HEAD") or path.startswith(NOT_CACHED):
            return self.app(environ, start_response)
        try:
            live = self.live.get()
        except NoRelease:
            return self.app(environ, start_response)
        environ[LIVE_KEY] = live  # the app answers from the same release the key names
        key = (live.release.id, method, environ.get("SCRIPT_NAME", ""), path, environ.get("QUERY_STRING", ""),
               *(environ.get(h) for h in VARIANT_HEADERS))
        hit = self.cache.peek(key)
        if hit is not None:
            status, headers, body = hit
            start_response(status, list(headers))
            return [body]
        return self._miss(key, environ, start_response)

    def _miss(self, key: tuple, environ: dict, start_response: Callable) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info) if exc_info else _no_write

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
        self.cache.put(key, (status, tuple(headers), body), len(body) + 64 * len(headers))
        start_response(status, headers)
        return [body]


def _no_write(data: bytes) -> None:
    raise RuntimeError("the app must return its body, not call write()")
