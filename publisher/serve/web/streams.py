"""Streamed responses (dumps, files) hold a slot for a slow client while they are sent.

An answer in one piece is handed to granian whole and the thread is free at once. A file (``send_file``:
dumps, the catalogue, scripts) is sent in blocks by the request's thread, which waits in granian's write
while the client does not read — forever, if it never reads: 40 such downloads stalled a server of 32
threads (``tests/test_http_hardening.py``). Each file therefore takes a slot (``slots.py``) and gives it
back when its last block is out or granian closes it (the client gone); past the slots, 503 at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from werkzeug.wsgi import FileWrapper

from publisher.serve.web.clients import client_of
from publisher.serve.web.slots import Slots, busy

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


class _Held:
    """The app's iterator; the slot given back once it is read to its end or closed, whichever comes first."""

    def __init__(self, chunks: Iterable[bytes], slots: Slots, client: str) -> None:
        self.chunks, self.slots, self.client = chunks, slots, client
        self._lock = threading.Lock()
        self._held = True

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self.chunks
        finally:
            self._give_back()

    def close(self) -> None:
        try:
            close = getattr(self.chunks, "close", None)
            if close:
                close()
        finally:
            self._give_back()

    def _give_back(self) -> None:
        with self._lock:
            held, self._held = self._held, False
        if held:
            self.slots.give_back(self.client)


class BoundedStreams:
    """WSGI middleware: a response that is not a list holds a slot of its client's while it is sent."""

    def __init__(self, app: WSGIApp, slots: Slots, trust_forwarded: bool = False) -> None:
        self.app, self.slots, self.trust_forwarded = app, slots, trust_forwarded

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started: list[tuple[Any, ...]] = []
        passed: list[bool] = []  # decided: an app that starts its answer later reaches the server directly

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
            if exc_info or passed:
                return start_response(status, headers, exc_info)
            started[:] = [(status, headers)]
            return no_write

        chunks = self.app(environ, capture)
        # A file sent in blocks (``send_file`` without a server's own file wrapper); any other answer is one
        # piece, which granian takes whole.
        if not isinstance(chunks, FileWrapper) or not started:
            passed.append(True)
            if started:
                start_response(*started[0])
            return chunks
        client = client_of(environ, self.trust_forwarded)
        if not self.slots.take(client):
            close = getattr(chunks, "close", None)
            if close:
                close()
            return busy(start_response)
        start_response(*started[0])
        return _Held(chunks, self.slots, client)


def no_write(data: bytes) -> None:
    """The ``write`` a WSGI layer that holds back ``start_response`` gives the app: ours return their body."""
    raise RuntimeError("the app must return its body, not call write()")
