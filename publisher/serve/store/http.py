"""The HTTP client of the external store: kept-alive ``http.client`` connections to one SPARQL endpoint.

The standard library's ``http.client`` directly, not ``requests`` or urllib3: a query through the seam is
one POST of a form, and the layers above ``http.client`` (requests' session merging, request preparation
and runtime-checked protocols; urllib3's retry, timeout and header objects) cost 0.35–0.7 ms of CPU per
query — a tenth of an aggregate Virtuoso answers from its indexes at 1M triples (issue 13, BENCHMARKS.md).
What requests would read from the environment is read once, when the client is made: the proxy for the
endpoint (``http_proxy``/``https_proxy``/``no_proxy``, via ``urllib.request``) and the CA bundle
(``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``, else the system's). ``~/.netrc`` is never read; credentials
come only from ``PUBLISHER_STORE_USER``/``PUBLISHER_STORE_PASSWORD``.
"""

from __future__ import annotations

import base64
import http.client
import os
import ssl
import threading
import time
import urllib.request
from collections.abc import Sequence
from urllib.parse import unquote, urlencode, urlsplit

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


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


class StoreResponse:
    """One answer of the store. ``read`` takes the body whole (within a byte cap and a deadline) and gives the
    connection back for the next query; an answer not read to its end is ``close``d with its connection."""

    def __init__(self, client: StoreClient, conn: http.client.HTTPConnection, raw: http.client.HTTPResponse):
        self.client, self.conn, self.raw = client, conn, raw
        self.status = raw.status
        self.headers = raw.headers  # case-insensitive ``get``

    def read(self, max_bytes: int | None = None, deadline: float | None = None) -> bytes:
        """The body. Raises ``StoreAnswerTooLarge`` past ``max_bytes``, ``StoreTimeout`` past ``deadline``
        (``time.monotonic()``) or when the store stops sending, ``StoreUnreachable`` when the answer breaks."""
        parts: list[bytes] = []
        size = 0
        try:
            while True:
                if deadline is not None and time.monotonic() > deadline:
                    raise StoreTimeout("the answer did not arrive within the time limit")
                part = self.raw.read(CHUNK)
                if not part:
                    break
                size += len(part)
                if max_bytes is not None and size > max_bytes:
                    raise StoreAnswerTooLarge(f"the answer is longer than {max_bytes} bytes")
                parts.append(part)
        except (StoreUnreachable, StoreAnswerTooLarge):  # ours, raised above: as they are
            self.close()
            raise
        except TimeoutError:
            self.close()
            raise StoreTimeout("the store stopped sending its answer") from None
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise StoreUnreachable(f"the answer broke off: {exc!r}") from None
        except BaseException:
            self.close()
            raise
        self.client._release(self.conn, self.raw)
        self.conn = None  # type: ignore[assignment]
        return b"".join(parts)

    def close(self) -> None:
        """Drop the connection (its unread rest must not be taken for the next answer)."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None  # type: ignore[assignment]


class StoreClient:
    """POSTs of SPARQL protocol forms to one endpoint over kept-alive connections; safe across threads."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        url = urlsplit(endpoint)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"the store's endpoint must be an http(s) URL, not {endpoint!r}")
        self.https = url.scheme == "https"
        self.host, self.port = url.hostname, url.port or (443 if self.https else 80)
        self.target = (url.path or "/") + (f"?{url.query}" if url.query else "")
        self.headers = {"Content-Type": "application/x-www-form-urlencoded", "Connection": "keep-alive"}
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
            self.target = endpoint  # a plain-HTTP request through a proxy names the whole URL
        if self.proxy is not None and self.proxy.username:
            self.headers["Proxy-Authorization"] = _basic(unquote(self.proxy.username),
                                                         unquote(self.proxy.password or ""))
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def _connection(self) -> http.client.HTTPConnection:
        if self.proxy is not None:
            host, port = self.proxy.hostname or "", self.proxy.port or 80
        else:
            host, port = self.host, self.port
        if self.https:
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(host, port, timeout=CONNECT_TIMEOUT,
                                                                           context=self.context)
            if self.proxy is not None:
                tunnel = {"Proxy-Authorization": self.headers["Proxy-Authorization"]} \
                    if "Proxy-Authorization" in self.headers else None
                conn.set_tunnel(self.host, self.port, headers=tunnel)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=CONNECT_TIMEOUT)
        return conn

    def post(self, form: Sequence[tuple[str, str]] | dict[str, str], accept: str, timeout: float) -> StoreResponse:
        """The store's answer (any status), its body not yet read.

        Raises ``StoreTimeout`` when no answer came within ``timeout`` seconds, ``StoreUnreachable`` when none
        could come. A kept-alive connection the store closed meanwhile is retried once on a fresh one (a
        query changes nothing, so sending it twice is safe), and a 401 once with the credentials.
        """
        body = urlencode(form).encode("utf-8")
        retried = False
        for _ in range(3):  # a stale connection retried once; credentials sent after a 401
            headers = {**self.headers, "Accept": accept}
            if self.send_authorization:
                headers["Authorization"] = self.authorization  # type: ignore[assignment]
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            reused = conn is not None
            conn = conn or self._connection()
            try:
                if conn.sock is None:
                    conn.connect()
                conn.sock.settimeout(timeout)
                conn.request("POST", self.target, body=body, headers=headers)
                response = StoreResponse(self, conn, conn.getresponse())
                if response.status == 401 and self.authorization and not self.send_authorization:
                    response.close()
                    self.send_authorization = True
                    continue
                return response
            except TimeoutError:
                conn.close()
                raise StoreTimeout(f"no answer from {self.endpoint} within {timeout:g} s") from None
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                stale = isinstance(exc, http.client.RemoteDisconnected | ConnectionResetError | BrokenPipeError)
                if reused and stale and not retried:
                    retried = True
                    continue
                raise StoreUnreachable(f"{self.endpoint}: {exc!r}") from None
        raise StoreUnreachable(f"{self.endpoint}: no answer")  # not reached: the last attempt returns or raises

    def _release(self, conn: http.client.HTTPConnection, raw: http.client.HTTPResponse) -> None:
        if raw.will_close:
            conn.close()
            return
        with self._lock:
            if len(self._idle) < POOL_SIZE:
                self._idle.append(conn)
                return
        conn.close()
