"""The HTTP client of the external store: kept-alive connections to one SPARQL endpoint.

A query through the seam is one POST of a form, and on an aggregate Virtuoso answers from its indexes in
7 ms the client's own CPU is the seam's cost (issue 13, BENCHMARKS.md). So the layers are as thin as they
can be: ``http.client`` opens a connection (TCP, a proxy's ``CONNECT`` tunnel, TLS with the CA bundle),
and from then on a request is one ``sendall`` of bytes written here and the answer is parsed by
``httptools`` (llhttp, the parser of Node.js, in C): ``requests``/urllib3 cost 0.35–0.7 ms of CPU a query,
``http.client``'s own response reading (the ``email`` package's header parser) another 0.25 ms.

What requests would read from the environment is read once, when the client is made: the proxy for the
endpoint (``http_proxy``/``https_proxy``/``no_proxy``, via ``urllib.request``) and the CA bundle
(``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``, else the system's). ``~/.netrc`` is never read; credentials
come only from ``PUBLISHER_STORE_USER``/``PUBLISHER_STORE_PASSWORD``.
"""

from __future__ import annotations

import base64
import http.client
import os
import socket
import ssl
import threading
import time
import urllib.request
from collections.abc import Sequence
from urllib.parse import unquote, urlencode, urlsplit

import httptools

from publisher.core.config import store_credentials

#: Idle connections kept per client (more are opened when busy, and closed after use).
POOL_SIZE = 32
CONNECT_TIMEOUT = 5.0
CHUNK = 256 * 1024


class StoreUnreachable(OSError):
    """The store did not answer: refused, reset, a proxy or TLS failure, a malformed answer."""


class StoreTimeout(StoreUnreachable):
    """The store did not answer within the time given."""


class StoreAnswerTooLarge(Exception):
    """The store's answer is longer than the byte cap it was read with."""


class _Stale(Exception):
    """A kept-alive connection the store had closed before it took the request."""


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


class Headers(dict):
    """The answer's headers, names lower-cased; ``get`` takes any case."""

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return super().get(name.lower(), default)


class _Answer:
    """httptools' callbacks for one answer: status, headers, body parts."""

    __slots__ = ("headers", "parts", "size", "head_done", "done", "keep_alive", "parser")

    def __init__(self) -> None:
        self.headers = Headers()
        self.parts: list[bytes] = []
        self.size = 0
        self.head_done = self.done = self.keep_alive = False
        self.parser = httptools.HttpResponseParser(self)

    def _interim(self) -> bool:
        """A 1xx answer (e.g. 103 Early Hints from a proxy): the real one follows in the same stream."""
        return self.parser.get_status_code() < 200

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        if self._interim():
            self.headers.clear()
        else:
            self.head_done = True

    def on_body(self, data: bytes) -> None:
        self.parts.append(data)
        self.size += len(data)

    def on_message_complete(self) -> None:
        self.done = not self._interim()
        self.keep_alive = self.parser.should_keep_alive()  # known only here: llhttp resets for the next one


class StoreResponse:
    """One answer of the store. ``read`` takes the body whole (within a byte cap and a deadline) and gives the
    connection back for the next query; an answer not read to its end is ``close``d with its connection."""

    def __init__(self, client: StoreClient, sock: socket.socket, answer: _Answer) -> None:
        self.client, self.sock, self.answer = client, sock, answer
        self.status = answer.parser.get_status_code()
        self.headers = answer.headers

    def read(self, max_bytes: int | None = None, deadline: float | None = None) -> bytes:
        """The body. Raises ``StoreAnswerTooLarge`` past ``max_bytes``, ``StoreTimeout`` past ``deadline``
        (``time.monotonic()``) or when the store stops sending, ``StoreUnreachable`` when the answer breaks."""
        answer = self.answer
        try:
            while True:
                if max_bytes is not None and answer.size > max_bytes:
                    raise StoreAnswerTooLarge(f"the answer is longer than {max_bytes} bytes")
                if deadline is not None and time.monotonic() > deadline:
                    raise StoreTimeout("the answer did not arrive within the time limit")
                if answer.done:
                    break
                data = self.sock.recv(CHUNK)
                if not data:
                    if _ends_at_close(answer):
                        self.client._discard(self.sock)
                        self.sock = None  # type: ignore[assignment]
                        break
                    raise StoreUnreachable("the store closed the connection before the answer's end")
                answer.parser.feed_data(data)
        except (StoreUnreachable, StoreAnswerTooLarge):  # ours, raised above: as they are
            self.close()
            raise
        except TimeoutError:
            self.close()
            raise StoreTimeout("the store stopped sending its answer") from None
        except (OSError, httptools.HttpParserError) as exc:
            self.close()
            raise StoreUnreachable(f"the answer broke off: {exc!r}") from None
        except BaseException:
            self.close()
            raise
        if self.sock is not None:
            self.client._release(self.sock, answer.keep_alive)
            self.sock = None  # type: ignore[assignment]
        return b"".join(answer.parts)

    def close(self) -> None:
        """Drop the connection (its unread rest must not be taken for the next answer)."""
        if self.sock is not None:
            self.client._discard(self.sock)
            self.sock = None  # type: ignore[assignment]


def _ends_at_close(answer: _Answer) -> bool:
    """An answer with neither a length nor chunks ends when the store closes the connection (RFC 9112 6.3)."""
    return answer.head_done and "content-length" not in answer.headers and \
        "chunked" not in answer.headers.get("transfer-encoding", "").lower()


class StoreClient:
    """POSTs of SPARQL protocol forms to one endpoint over kept-alive connections; safe across threads."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        url = urlsplit(endpoint)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"the store's endpoint must be an http(s) URL, not {endpoint!r}")
        self.https = url.scheme == "https"
        self.host, self.port = url.hostname, url.port or (443 if self.https else 80)
        target = (url.path or "/") + (f"?{url.query}" if url.query else "")
        default_port = self.port == (443 if self.https else 80)
        host_header = (f"[{self.host}]" if ":" in self.host else self.host) + ("" if default_port else f":{self.port}")
        auth = store_credentials()
        # Sent once the store asks for it (401), and from then on: a store whose query endpoint is open
        # (Virtuoso's /sparql) checks no password per query (0.2–0.3 ms of its CPU) and never sees one.
        self.authorization = _basic(*auth) if auth else None
        self.send_authorization = False
        self.context = (ssl.create_default_context(cafile=os.environ.get("REQUESTS_CA_BUNDLE")
                                                   or os.environ.get("CURL_CA_BUNDLE") or None)
                        if self.https else None)
        self.proxy = None
        if not urllib.request.proxy_bypass(url.hostname):  # no_proxy
            proxy = urllib.request.getproxies().get(url.scheme)
            self.proxy = urlsplit(proxy if "://" in (proxy or "://") else f"http://{proxy}") if proxy else None
        if self.proxy is not None and not self.https:
            target = endpoint  # a plain-HTTP request through a proxy names the whole URL
        self.proxy_authorization = _basic(unquote(self.proxy.username), unquote(self.proxy.password or "")) \
            if self.proxy is not None and self.proxy.username else None
        # The request head up to its variable part, written once: a query costs one join and one sendall.
        head = [f"POST {target} HTTP/1.1", f"Host: {host_header}", "Content-Type: application/x-www-form-urlencoded"]
        if self.proxy_authorization and not self.https:  # through a tunnel the proxy saw it at CONNECT
            head.append(f"Proxy-Authorization: {self.proxy_authorization}")
        self._head = ("\r\n".join(head) + "\r\n").encode("latin-1")
        self._idle: list[socket.socket] = []
        self._lock = threading.Lock()

    def _connect(self) -> socket.socket:
        """A new connection, by ``http.client``: TCP, the proxy's tunnel, TLS; then only its socket is used."""
        if self.proxy is not None:
            host, port = self.proxy.hostname or "", self.proxy.port or 80
        else:
            host, port = self.host, self.port
        if self.https:
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(host, port, timeout=CONNECT_TIMEOUT,
                                                                           context=self.context)
            if self.proxy is not None:
                tunnel = {"Proxy-Authorization": self.proxy_authorization} if self.proxy_authorization else None
                conn.set_tunnel(self.host, self.port, headers=tunnel)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=CONNECT_TIMEOUT)
        conn.connect()
        sock = conn.sock
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def post(self, form: Sequence[tuple[str, str]] | dict[str, str] | bytes, accept: str,
             timeout: float) -> StoreResponse:
        """The store's answer (any status), its body not yet read.

        Raises ``StoreTimeout`` when no answer came within ``timeout`` seconds, ``StoreUnreachable`` when none
        could come. A kept-alive connection the store closed meanwhile is retried once on a fresh one (a
        query changes nothing, so sending it twice is safe), and a 401 once with the credentials.
        """
        body = form if isinstance(form, bytes) else urlencode(form).encode("utf-8")  # bytes: encoded already
        retried = False
        for _ in range(3):  # a stale connection retried once; credentials sent after a 401
            head = [self._head, b"Accept: ", accept.encode("latin-1"), b"\r\nContent-Length: ",
                    str(len(body)).encode("ascii"), b"\r\n"]
            if self.send_authorization:
                head += [b"Authorization: ", self.authorization.encode("latin-1"), b"\r\n"]  # type: ignore[union-attr]
            with self._lock:
                sock = self._idle.pop() if self._idle and not retried else None  # a retry: a fresh one
            reused = sock is not None
            try:
                sock = sock or self._connect()
            except TimeoutError:
                raise StoreTimeout(f"no connection to {self.endpoint} within {CONNECT_TIMEOUT:g} s") from None
            except (OSError, http.client.HTTPException) as exc:
                raise StoreUnreachable(f"{self.endpoint}: {exc!r}") from None
            try:
                sock.settimeout(timeout)
                response = self._exchange(sock, b"".join([*head, b"\r\n", body]), reused)
            except _Stale:
                self._discard(sock)
                self._drop_idle()  # the pool is last in, first out: the rest idled longer, closed as well
                if retried:
                    raise StoreUnreachable(f"{self.endpoint}: the connection was closed") from None
                retried = True
                continue
            except TimeoutError:
                self._discard(sock)
                raise StoreTimeout(f"no answer from {self.endpoint} within {timeout:g} s") from None
            except (OSError, httptools.HttpParserError) as exc:
                self._discard(sock)
                raise StoreUnreachable(f"{self.endpoint}: {exc!r}") from None
            if response.status == 401 and self.authorization and not self.send_authorization:
                response.close()
                self.send_authorization = True
                continue
            return response
        raise StoreUnreachable(f"{self.endpoint}: no answer")  # not reached: the last attempt returns or raises

    def _exchange(self, sock: socket.socket, request: bytes, reused: bool) -> StoreResponse:
        """Send the request and read up to the end of the answer's headers. A kept-alive connection the store
        closed meanwhile fails before the first byte of an answer: ``_Stale``, retried by the caller."""
        answer = _Answer()
        received = False
        try:
            sock.sendall(request)
            while not answer.head_done:
                data = sock.recv(CHUNK)
                if not data:
                    raise ConnectionResetError("the store closed the connection without an answer")
                received = True
                answer.parser.feed_data(data)
        except (ConnectionResetError, BrokenPipeError):
            if reused and not received:
                raise _Stale from None
            raise
        return StoreResponse(self, sock, answer)

    def _release(self, sock: socket.socket, keep_alive: bool) -> None:
        if keep_alive:
            with self._lock:
                if len(self._idle) < POOL_SIZE:
                    self._idle.append(sock)
                    return
        self._discard(sock)

    def _drop_idle(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for sock in idle:
            self._discard(sock)

    @staticmethod
    def _discard(sock: socket.socket) -> None:
        sock.close()  # what was not read of the answer goes with it
