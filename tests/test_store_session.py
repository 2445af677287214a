"""The external store's HTTP session: the environment (proxies) is read once, when the session is made.

requests reads the proxy variables again on every request by default (a walk of ``os.environ``, ~0.4 ms of
each query through the seam, issue 13); the session now takes them once for its endpoint.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from publisher.serve.store.external import _session

PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                   "no_proxy", "NO_PROXY")
DEAD_PROXY = "http://127.0.0.1:9"  # the discard port: nothing answers there


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/query"
    server.shutdown()
    server.server_close()


def test_a_proxy_variable_set_later_is_not_read_per_request(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    session = _session(endpoint)
    monkeypatch.setenv("http_proxy", DEAD_PROXY)  # main: every request read this again and failed
    assert session.get(endpoint, timeout=5).text == "ok"


def test_the_proxy_of_the_environment_is_still_used(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", DEAD_PROXY)
    with pytest.raises(requests.exceptions.ConnectionError):
        _session(endpoint).get(endpoint, timeout=5)
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    assert _session(endpoint).get(endpoint, timeout=5).text == "ok"
