"""Request bodies read within a size and a time limit, before any route (or the response cache) sees them.

A WSGI server hands the app a blocking ``wsgi.input``: a client that sends one byte a second would hold a
server thread for as long as it likes. Here the body is read by a helper thread in chunks sized to what the
client actually delivers (so each read returns within about a quarter of a second for a steady sender, and
the helper notices when it should give up), while the request thread waits at most ``body_timeout``
seconds: then the client gets 408 with ``Connection: close`` and the server thread is free again. Bodies
larger than the limit are refused (413) from their ``Content-Length`` without reading them, and a body
without a length is read only up to the limit. Helper threads are capped (``MAX_READERS_PER_THREAD`` per
server thread): when all are busy with slow clients, a new body gets 503 at once.
"""

from __future__ import annotations

import io
import queue
import threading
import time
from collections.abc import Callable, Iterable

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]

MIN_CHUNK = 1
MAX_CHUNK = 64 * 1024
TARGET_READ_SECONDS = 0.25  # a read should return this fast for a client sending at its current rate
MAX_READERS_PER_THREAD = 8


class BodyTimeout(Exception):
    """The client did not send its body in time."""


class BodyTooLarge(Exception):
    """The body is larger than the limit."""


class ReadersBusy(Exception):
    """Every body reader is waiting for a slow client."""


class _Reader:
    """Reads one body in adaptive chunks; stops at the end, at the limit, or when told to."""

    def __init__(self, stream, length: int | None, limit: int,
                 slots: threading.BoundedSemaphore | None = None) -> None:
        self.stream, self.length, self.limit, self.slots = stream, length, limit, slots
        self.parts: list[bytes] = []
        self.size = 0
        self.error: BaseException | None = None
        self.stop = threading.Event()
        # Held until the body is read; the request thread waits on it. A bare lock: an Event's wait and set
        # are a Condition's Python code in both threads, on every POST.
        self.done = threading.Lock()
        self.done.acquire()

    def run(self) -> None:
        chunk = MIN_CHUNK
        try:
            while not self.stop.is_set():
                want = chunk if self.length is None else min(chunk, self.length - self.size)
                if self.length is not None and want <= 0:
                    return
                started = time.monotonic()
                data = self.stream.read(want)
                if not data:
                    return
                self.parts.append(data)
                self.size += len(data)
                if self.size > self.limit:
                    self.error = BodyTooLarge()
                    return
                # Ask next for what this client sends in TARGET_READ_SECONDS at the rate just seen.
                rate = len(data) / max(time.monotonic() - started, 1e-4)
                # (at most twice the last chunk: one byte already waiting says nothing about the rate).
                chunk = max(MIN_CHUNK, min(MAX_CHUNK, 2 * chunk, int(rate * TARGET_READ_SECONDS)))
        except BaseException as exc:  # a reset connection: the request thread answers
            self.error = exc
        finally:
            self.stream = None  # let the server drop the connection once the response is out
            if self.slots is not None:
                self.slots.release()
            self.done.release()


class _ReaderThreads:
    """Long-lived daemon threads that run the readers: starting a thread for every POST cost about 0.2 ms of
    CPU, more than the rest of a cached answer (issue 14). A thread is started only when none is idle, so
    there are never more than the readers running at once (``MAX_READERS_PER_THREAD`` per server thread)."""

    def __init__(self) -> None:
        self._tasks: queue.SimpleQueue[_Reader] = queue.SimpleQueue()
        self._idle = 0
        self._lock = threading.Lock()

    def submit(self, reader: _Reader) -> None:
        with self._lock:
            start = self._idle == 0
            if not start:
                self._idle -= 1
        if start:
            threading.Thread(target=self._loop, daemon=True, name="body-reader").start()
        self._tasks.put(reader)

    def _loop(self) -> None:
        while True:
            self._tasks.get().run()
            with self._lock:
                self._idle += 1


_READERS = _ReaderThreads()


def read_body(environ: dict, limit: int, timeout: float, slots: threading.BoundedSemaphore | None = None) -> bytes:
    """The whole body of the request, or BodyTooLarge / BodyTimeout; never more than ``limit`` + 1 chunk in memory."""
    length_header = environ.get("CONTENT_LENGTH") or ""
    length = int(length_header) if length_header.strip().isdigit() else None
    if length is not None and length > limit:
        raise BodyTooLarge()
    if length == 0 or (length is None and environ.get("HTTP_TRANSFER_ENCODING", "").lower() != "chunked"):
        return b""
    if slots is not None and not slots.acquire(blocking=False):
        raise ReadersBusy()
    reader = _Reader(environ.pop("publisher.raw_input", None) or environ["wsgi.input"], length, limit, slots)
    try:
        _READERS.submit(reader)
    except BaseException:
        if slots is not None:
            slots.release()
        raise
    if not reader.done.acquire(timeout=timeout):
        reader.stop.set()
        raise BodyTimeout()
    if isinstance(reader.error, BodyTooLarge):
        raise reader.error
    body = b"".join(reader.parts)
    if reader.error is not None or (length is not None and len(body) < length):
        raise BodyTimeout()  # the client went away or closed early: nothing to answer
    return body


class BoundedBodies:
    """WSGI middleware: every request body is read here, within ``max_body`` bytes and ``timeout`` seconds."""

    def __init__(self, app: WSGIApp, max_body: int, timeout: float, threads: int) -> None:
        self.app, self.max_body, self.timeout = app, max_body, timeout
        self.slots = threading.BoundedSemaphore(max(1, threads) * MAX_READERS_PER_THREAD)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD", "OPTIONS") and not environ.get("CONTENT_LENGTH") \
                and not environ.get("HTTP_TRANSFER_ENCODING"):
            return self.app(environ, start_response)
        stream = environ.get("wsgi.input")
        # Past this point the app never sees the server's stream: once the helper lets go, nothing holds it.
        environ["wsgi.input"] = io.BytesIO(b"")
        environ["publisher.raw_input"] = stream
        try:
            body = read_body(environ, self.max_body, self.timeout, self.slots)
        except BodyTooLarge:
            return _refuse(start_response, "413 Content Too Large",
                           f"Der Anfragekörper ist zu groß (höchstens {self.max_body} Bytes). / "
                           f"The request body is too large (at most {self.max_body} bytes).")
        except BodyTimeout:
            return _refuse(start_response, "408 Request Timeout",
                           f"Der Anfragekörper kam nicht innerhalb von {self.timeout:g} s an. / "
                           f"The request body did not arrive within {self.timeout:g} s.")
        except ReadersBusy:
            return _refuse(start_response, "503 Service Unavailable",
                           "Zu viele langsame Anfragen; bitte später erneut. / Too many slow requests; retry later.",
                           [("Retry-After", "5")])
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["wsgi.input_terminated"] = True
        return self.app(environ, start_response)


def _refuse(start_response: Callable, status: str, message: str,
            extra: list[tuple[str, str]] | None = None) -> list[bytes]:
    body = f"{status[:3]}: {message}\n".encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
                            ("Connection", "close"), ("X-Content-Type-Options", "nosniff"), *(extra or [])])
    return [body]
