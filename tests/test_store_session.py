"""The external store's HTTP client (``publisher.serve.store.http``), against real HTTP servers on loopback.

The environment (proxies) is read once, when the client is made: requests read the proxy variables again
on every request (a walk of ``os.environ``, ~0.4 ms of each query through the seam, issue 13). Connections
are kept alive, a connection the store closed meanwhile is retried once, an answer over the byte cap is
refused and its connection dropped, and credentials come from the environment only.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from publisher.serve.store.http import StoreAnswerTooLarge, StoreClient, StoreTimeout, StoreUnreachable

PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                   "no_proxy", "NO_PROXY")
DEAD_PROXY = "http://127.0.0.1:9"  # the discard port: nothing answers there
_servers: dict[str, ThreadingHTTPServer] = {}


def _handler(endpoint: str) -> type[_Ok]:
    return _servers[endpoint].handler  # type: ignore[attr-defined]


class _Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the stores answer
    seen: list[tuple[str, str, str]] = []  # (request target, Authorization, peer port) of every request
    body = b"ok"
    close_after = False  # close the connection after the answer without saying so (a store's idle timeout)
    password = ""  # the Authorization a request must carry, or 401 ("" = an open endpoint)

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen.append((self.path, self.headers.get("Authorization", ""), str(self.client_address[1])))
        if self.password and self.headers.get("Authorization") != self.password:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="store"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)
        if self.close_after:
            self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


def _without_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    _without_proxies(monkeypatch)
    monkeypatch.delenv("PUBLISHER_STORE_USER", raising=False)
    handler = type("Handler", (_Ok,), {"seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.handler = handler  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _servers[f"http://127.0.0.1:{server.server_address[1]}/query"] = server
    yield f"http://127.0.0.1:{server.server_address[1]}/query"
    server.shutdown()
    server.server_close()


def test_a_proxy_variable_set_later_is_not_read_per_request(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    client = StoreClient(endpoint)
    monkeypatch.setenv("http_proxy", DEAD_PROXY)  # before: every request read this again and failed
    assert _ask(client) == b"ok"


def test_the_proxy_of_the_environment_is_still_used(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", DEAD_PROXY)
    with pytest.raises(StoreUnreachable):
        _ask(StoreClient(endpoint))
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    assert _ask(StoreClient(endpoint)) == b"ok"


def _ask(client: StoreClient) -> bytes:
    return client.post({"query": "ASK {}"}, "application/sparql-results+json", 5).read()


def test_connections_are_kept_alive(endpoint: str) -> None:
    client = StoreClient(endpoint)
    for _ in range(3):
        assert _ask(client) == b"ok"
    ports = {port for _, _, port in _handler(endpoint).seen}
    assert len(ports) == 1  # one connection for three queries


def test_a_connection_the_store_closed_is_retried_once_on_a_fresh_one(endpoint: str) -> None:
    _handler(endpoint).close_after = True
    client = StoreClient(endpoint)
    assert [_ask(client) for _ in range(3)] == [b"ok"] * 3
    assert len({port for _, _, port in _handler(endpoint).seen}) == 3


def test_an_answer_over_the_byte_cap_is_refused_and_its_connection_dropped(endpoint: str) -> None:
    _handler(endpoint).body = b"x" * 10_000
    client = StoreClient(endpoint)
    with pytest.raises(StoreAnswerTooLarge):
        client.post({"query": "ASK {}"}, "application/sparql-results+json", 5).read(max_bytes=1000)
    assert len(_ask(client)) == 10_000  # the next query is answered whole, on a new connection
    assert len({port for _, _, port in _handler(endpoint).seen}) == 2


def test_credentials_come_from_the_environment_and_only_when_asked(endpoint: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLISHER_STORE_USER", "reader")
    monkeypatch.setenv("PUBLISHER_STORE_PASSWORD", "s3cret")
    _ask(StoreClient(endpoint))  # an open endpoint never sees them
    assert [auth for _, auth, _ in _handler(endpoint).seen] == [""]
    _handler(endpoint).password = "Basic cmVhZGVyOnMzY3JldA=="
    client = StoreClient(endpoint)
    assert _ask(client) == _ask(client) == b"ok"  # asked once (401), then sent with every query
    assert [auth for _, auth, _ in _handler(endpoint).seen][1:] == ["", _handler(endpoint).password,
                                                                    _handler(endpoint).password]
    monkeypatch.delenv("PUBLISHER_STORE_USER")
    assert StoreClient(endpoint).post({"query": "ASK {}"}, "application/sparql-results+json", 5).status == 401


def test_a_plain_http_proxy_is_sent_the_whole_url(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through an HTTP proxy a request names the whole URL; the proxy (here the test server itself) answers."""
    proxy = endpoint.rsplit("/", 1)[0]
    store = "http://store.invalid:8890/sparql"  # never resolved: only the proxy is connected to
    monkeypatch.setenv("http_proxy", proxy)
    assert _ask(StoreClient(store)) == b"ok"
    assert _handler(endpoint).seen[-1][0] == store


def test_an_answer_past_its_deadline_is_a_timeout_not_a_broken_answer(endpoint: str) -> None:
    """The deadline (the query's time limit) raises ``StoreTimeout``, which the seam answers as 504."""
    import time

    response = StoreClient(endpoint).post({"query": "ASK {}"}, "application/sparql-results+json", 5)
    with pytest.raises(StoreTimeout):
        response.read(deadline=time.monotonic() - 1)


# Answers as the wire carries them (the client parses them with httptools): chunked, ended by the store
# closing the connection, after an interim 1xx answer, and broken.
CANNED = {
    "chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nServer: test\r\n\r\n"
               b"3\r\n{\"a\r\n5\r\n\": 1}\r\n0\r\n\r\n",
    "until-close": b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"a\": 1}",
    "interim": b"HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n"
               b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\nX-Final: yes\r\n\r\n{\"a\": 1}",
    "broken": b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{\"a\": 1}",
    "garbage": b"SPARQL!\r\n\r\n",
}


@pytest.fixture
def canned(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A store that answers every request on a connection with ``CANNED[param]`` and then closes it."""
    import socket

    _without_proxies(monkeypatch)
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)
                conn.sendall(CANNED[request.param])

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    stop.set()
    thread.join()
    listener.close()


@pytest.mark.parametrize("canned", ["chunked", "until-close", "interim"], indirect=True)
def test_answers_in_every_framing_are_read_whole(canned: str) -> None:
    response = StoreClient(canned).post({"query": "ASK {}"}, "application/sparql-results+json", 5)
    assert response.status == 200
    assert response.read() == b'{"a": 1}'


@pytest.mark.parametrize("canned", ["interim"], indirect=True)
def test_an_interim_answer_s_headers_are_not_the_answer_s(canned: str) -> None:
    response = StoreClient(canned).post({"query": "ASK {}"}, "application/sparql-results+json", 5)
    assert response.headers.get("X-Final") == "yes" and response.headers.get("Link") is None


@pytest.mark.parametrize("canned", ["broken", "garbage"], indirect=True)
def test_a_broken_answer_is_unreachable_not_a_crash(canned: str) -> None:
    with pytest.raises(StoreUnreachable):
        StoreClient(canned).post({"query": "ASK {}"}, "application/sparql-results+json", 5).read()


def test_a_pointer_answer_over_its_cap_is_an_oserror_the_live_release_keeps_serving_through(endpoint: str) -> None:
    """The pointer re-read each second: a store that answers it with more than 1 MB is "cannot say" (an
    ``OSError``, which ``LiveRelease`` logs while it keeps what it serves), not an exception of another kind."""
    from dataclasses import replace

    from publisher.core.config import Config
    from publisher.serve.store.external import served_release_target

    _handler(endpoint).body = b"x" * 1_100_000
    with pytest.raises(OSError):
        served_release_target(replace(Config(), store=endpoint))


def test_a_retry_after_a_stale_connection_takes_a_fresh_one_not_another_idle_one(endpoint: str) -> None:
    # Found on the 1M benchmark: Virtuoso closes idle kept-alive connections after its keep-alive timeout;
    # with two in the pool, the retry took the second (closed too) and the query failed.
    _handler(endpoint).close_after = True  # the store closes each after answering, without saying so
    client = StoreClient(endpoint)
    first = client.post({"query": "ASK {}"}, "application/sparql-results+json", 5)
    second = client.post({"query": "ASK {}"}, "application/sparql-results+json", 5)  # a second connection
    assert (first.read(), second.read()) == (b"ok", b"ok")
    assert len(client._idle) == 2
    assert _ask(client) == b"ok"
