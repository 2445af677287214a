"""Request bodies read within a size and a time limit, before any route (or the response cache) sees them.

A WSGI server hands the app a blocking ``wsgi.input``, and granian's ``read(n)`` returns only with ``n`` bytes
(or the end). So the body is read in the request's own thread, in chunks sized to what the client actually
delivers (each read returns within about a quarter of a second for a steady sender), and the deadline is
checked between reads: a client that sends one byte a second gets 408 with ``Connection: close`` at
``body_timeout``. Bodies larger than the limit are refused (413) from their ``Content-Length`` without reading
them, and a body without a length is read only up to the limit.

Not in a helper thread, as it was: when the request returned (its 408) while another thread still waited in
its body's ``read``, the granian worker stopped answering anyone — one client with ten bytes of a body and
then silence stalled the server (``test_a_body_that_stops_half_way_never_stalls_the_server``).

What nothing here can do is interrupt a read: a client that goes silent mid-body, or one that sends a burst
and then nothing (the reads grow with the burst), keeps its server thread until it disconnects. So a body
being read holds a slot (``slots.py``: a share of the threads, a few per client address); past that, 503 at
once, and the other threads keep answering. Against many addresses: a proxy with per-client connection
limits (README).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable

from publisher.serve.web.clients import client_of
from publisher.serve.web.errors import refusal
from publisher.serve.web.slots import Slots, busy

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]

MIN_CHUNK = 1
MAX_CHUNK = 64 * 1024
TARGET_READ_SECONDS = 0.25  # a read should return this fast for a client sending at its current rate


class BodyTimeout(Exception):
    """The client did not send its body in time."""


class BodyTooLarge(Exception):
    """The body is larger than the limit."""


class ReadersBusy(Exception):
    """Every slot a slow client can hold is taken (by slow clients, or by this client's)."""


def _read(stream, length: int | None, limit: int, deadline: float) -> bytes:
    """The body in adaptive chunks, until its end, past ``limit`` (BodyTooLarge) or past ``deadline``."""
    parts: list[bytes] = []
    size, chunk = 0, MIN_CHUNK
    while True:
        want = chunk if length is None else min(chunk, length - size)
        if want <= 0:
            return b"".join(parts)
        started = time.monotonic()
        if started > deadline:
            raise BodyTimeout()
        try:
            data = stream.read(want)
        except (OSError, ValueError):  # a reset connection: nothing to answer
            raise BodyTimeout() from None
        if not data:
            if length is not None:
                raise BodyTimeout()  # the client closed early
            return b"".join(parts)
        parts.append(data)
        size += len(data)
        if size > limit:
            raise BodyTooLarge()
        # Ask next for what this client sends in TARGET_READ_SECONDS at the rate just seen
        # (at most twice the last chunk: one byte already waiting says nothing about the rate).
        rate = len(data) / max(time.monotonic() - started, 1e-4)
        chunk = max(MIN_CHUNK, min(MAX_CHUNK, 2 * chunk, int(rate * TARGET_READ_SECONDS)))


def read_body(environ: dict, limit: int, timeout: float, slots: Slots | None = None,
              client: str = "-") -> bytes:
    """The whole body of the request, or BodyTooLarge / BodyTimeout / ReadersBusy; never more than ``limit``
    + 1 chunk in memory."""
    length_header = environ.get("CONTENT_LENGTH") or ""
    length = int(length_header) if length_header.strip().isdigit() else None
    if length is not None and length > limit:
        raise BodyTooLarge()
    if length == 0 or (length is None and environ.get("HTTP_TRANSFER_ENCODING", "").lower() != "chunked"):
        return b""
    if slots is not None and not slots.take(client):
        raise ReadersBusy()
    try:
        return _read(environ["wsgi.input"], length, limit, time.monotonic() + timeout)
    finally:
        if slots is not None:
            slots.give_back(client)


class BoundedBodies:
    """WSGI middleware: every request body is read here, within ``max_body`` bytes and ``timeout`` seconds."""

    def __init__(self, app: WSGIApp, max_body: int, timeout: float, slots: Slots,
                 trust_forwarded: bool = False) -> None:
        self.app, self.max_body, self.timeout, self.trust_forwarded = app, max_body, timeout, trust_forwarded
        self.slots = slots

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD", "OPTIONS") and not environ.get("CONTENT_LENGTH") \
                and not environ.get("HTTP_TRANSFER_ENCODING"):
            return self.app(environ, start_response)
        try:
            body = read_body(environ, self.max_body, self.timeout, self.slots,
                             client_of(environ, self.trust_forwarded))
        except BodyTooLarge:
            return refusal(start_response, "413 Content Too Large",
                           f"Der Anfragekörper ist zu groß (höchstens {self.max_body} Bytes). / "
                           f"The request body is too large (at most {self.max_body} bytes).")
        except BodyTimeout:
            return refusal(start_response, "408 Request Timeout",
                           f"Der Anfragekörper kam nicht innerhalb von {self.timeout:g} s an. / "
                           f"The request body did not arrive within {self.timeout:g} s.")
        except ReadersBusy:
            return busy(start_response)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["wsgi.input_terminated"] = True
        return self.app(environ, start_response)
