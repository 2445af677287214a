"""Issue 9, the HTTP and output side: slow clients, cache keys, inert output, public URLs, HTTP details.

Each test names the defect measured on main. Slow-client tests use the real granian server on loopback
(raw sockets, short limits from the environment); the others the in-process app against the session build.
"""

from __future__ import annotations

import csv
import io
import os
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from publisher.build import load_and_derive, publish
from publisher.core.config import Config
from publisher.core.release import Release
from publisher.serve.web.app import create_app
from publisher.serve.web.cache import EXTENSION
from tests.conftest import TEST_BASE_IRI, start_server, stop_server

HTML = {"Accept": "text/html"}
ADFC = "/id/organization/adfc"
HREF = re.compile(r"""(?:href|src|action)\s*=\s*["']([^"']*)["']""", re.I)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _raw(url: str) -> tuple[str, int]:
    host, port = url.rsplit("/", 1)[-1].split(":")
    return host, int(port)


def _read_until_closed(sock: socket.socket, limit: float) -> tuple[bytes, float | None]:
    """What the server sends until it closes the connection (and when), within ``limit`` seconds."""
    start, got = time.monotonic(), b""
    sock.settimeout(0.2)
    while time.monotonic() - start < limit:
        try:
            data = sock.recv(65536)
        except TimeoutError:
            continue
        except OSError:
            return got, time.monotonic() - start
        if not data:
            return got, time.monotonic() - start
        got += data
    return got, None


# -- 1. bounded reads ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def strict_server(release: Release, config: Config) -> Iterator[str]:
    """A server with one-second header and body limits."""
    proc, url = start_server(config, {"PUBLISHER_BODY_TIMEOUT": "1", "PUBLISHER_HEADER_TIMEOUT": "1"})
    yield url
    stop_server(proc)


def test_a_stalled_body_gets_408_and_a_closed_connection(strict_server: str) -> None:
    # main: a POST with Content-Length 10000 at 1 byte/s held its connection for more than 90 s, unanswered.
    with socket.create_connection(_raw(strict_server), timeout=5) as sock:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
                     b"Content-Length: 10000\r\n\r\nASK")
        start, answer, closed = time.monotonic(), b"", None
        sock.settimeout(0.2)
        while time.monotonic() - start < 6 and closed is None:
            try:
                sock.sendall(b" ")
                data = sock.recv(65536)
                if not data:
                    closed = time.monotonic() - start
                answer += data
            except TimeoutError:
                pass
            except OSError:
                closed = time.monotonic() - start
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert closed is not None and closed < 3.5


def test_a_silent_client_never_keeps_the_server_from_stopping(release: Release, config: Config) -> None:
    """A client that stops in the middle of its body keeps its server thread blocked in a read (nothing can
    interrupt it, and no 408 can be sent while it waits); the server still stops."""
    proc, url = start_server(config, {"PUBLISHER_BODY_TIMEOUT": "1", "PUBLISHER_SHUTDOWN_TIMEOUT": "2"})
    try:
        with socket.create_connection(_raw(url), timeout=5) as sock:
            sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nab")
            time.sleep(1.5)  # past body_timeout, the read still waiting
            started = time.monotonic()
            proc.terminate()
            proc.wait(8)
            assert time.monotonic() - started < 8
    finally:
        stop_server(proc)


def test_slow_headers_are_cut_off(strict_server: str) -> None:
    # main: granian's default allowed 30 s for the request head.
    with socket.create_connection(_raw(strict_server), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        _, closed = _read_until_closed(sock, 6)
    assert closed is not None and closed < 4


def test_a_body_above_the_limit_is_refused_without_reading_it(strict_server: str) -> None:
    with socket.create_connection(_raw(strict_server), timeout=5) as sock:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
                     b"Content-Length: 999999999\r\n\r\nASK {}")
        answer, _ = _read_until_closed(sock, 3)
    assert answer.startswith(b"HTTP/1.1 413")


def test_a_chunked_body_is_read_only_up_to_the_limit(app: Flask, config: Config) -> None:
    # No Content-Length: the app stops reading at the limit instead of taking the whole body into memory.
    sent = []

    class Stream(io.RawIOBase):
        def read(self, n: int = -1) -> bytes:
            sent.append(n)
            return b"x" * max(1, min(n, 65536))

    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/sparql", "SERVER_PROTOCOL": "HTTP/1.1",
               "HTTP_HOST": "127.0.0.1", "HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": Stream(),
               "CONTENT_TYPE": "application/sparql-query", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
               "wsgi.url_scheme": "http", "wsgi.errors": io.StringIO()}
    status = []
    app.wsgi_app(environ, lambda s, h, e=None: status.append(s))
    assert status[0].startswith("413") and sum(sent) <= config.query_max_body + 2 * 65536


def test_http11_without_host_is_400(strict_server: str) -> None:
    with socket.create_connection(_raw(strict_server), timeout=5) as sock:
        sock.sendall(b"GET /robots.txt HTTP/1.1\r\n\r\n")
        answer, _ = _read_until_closed(sock, 3)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]


def test_a_malformed_host_is_400_not_500(app: Flask) -> None:
    # main: robots.txt built a URL from this Host and failed (500) on its broken IDNA label.
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    for host in ("xn--evil-fuzz.example", "a b", "evil.example/x"):
        environ = EnvironBuilder(path="/robots.txt").get_environ()
        environ["HTTP_HOST"] = host
        _, status, _ = run_wsgi_app(app.wsgi_app, environ, buffered=True)
        assert status.startswith("400"), (host, status)


# -- 2. bounded cache memory ---------------------------------------------------------------------------

def test_large_keys_are_never_cached(app: Flask, client: FlaskClient, config: Config) -> None:
    # main: 150 POSTs of 0.9 MB grew the process by 140 MB, 2,000 GETs of 30 KB 404 paths by 245 MB.
    cache = app.extensions[EXTENSION]
    client.get(ADFC)  # warm: the page and the release are in
    before = cache.bytes
    padding = "#" + "x" * 900_000 + "\n"
    for i in range(150):
        response = client.post("/sparql", data=f"{padding}ASK {{ }} # {i}",
                               headers={"Content-Type": "application/sparql-query",
                                        "Accept": "application/sparql-results+json"})
        assert response.status_code == 200
    for i in range(2000):
        assert client.get(f"/{i}-" + "y" * 30_000).status_code == 404
    assert cache.bytes <= config.cache_max_bytes
    assert cache.bytes - before < 2000 * 600, cache.bytes - before  # nothing large was kept
    # Small keys are still cached.
    client.get("/sparql?query=ASK%7B%7D", headers={"Accept": "application/sparql-results+json"})
    assert cache.bytes > before


# -- 3. inert output -----------------------------------------------------------------------------------

def _hrefs(body: str) -> list[str]:
    return HREF.findall(body)


def test_security_headers_on_every_response(client: FlaskClient) -> None:
    for path, headers in ((ADFC, HTML), (ADFC, {"Accept": "text/turtle"}), ("/nowhere", HTML),
                          ("/sparql", HTML), ("/partners.csv", {}), ("/robots.txt", {}),
                          ("/sparql?query=ASK%7B%7D", {"Accept": "application/sparql-results+json"})):
        response = client.get(path, headers=headers)
        assert response.headers.get("X-Content-Type-Options") == "nosniff", path
        assert response.headers.get("Referrer-Policy"), path
        if response.mimetype == "text/html":
            csp = response.headers["Content-Security-Policy"]
            for directive in ("frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'", "script-src 'self'"):
                assert directive in csp, (path, directive)
            script_src = re.search(r"script-src ([^;]*)", csp).group(1)
            assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
            body = response.get_data(as_text=True)
            # No inline script (a JSON-LD data block is data, never run).
            for attrs, _text in re.findall(r"<script([^>]*)>(.*?)</script>", body, re.S):
                assert "src=" in attrs or "application/ld+json" in attrs, (path, attrs)


@pytest.mark.parametrize("path", ["/%5Cevil.example/x", "//evil.example/x", "/%2F%2Fevil.example/x",
                                  "/%5C%5Cevil.example/x", "/sdg/%5Cevil.example"])
def test_no_link_leaves_the_host(client: FlaskClient, path: str) -> None:
    # main: GET /%5Cevil.example/x emitted href="/\evil.example/x?lang=de".
    for query in ("", "?lang=en"):
        response = client.get(path + query, headers=HTML)
        body = response.get_data(as_text=True)
        for href in _hrefs(body):
            assert not href.startswith(("//", "/\\")) and urlsplit(href).hostname != "evil.example", href
        assert 'href="/\\' not in body and 'href="//' not in body


def test_host_header_never_reaches_the_output(client: FlaskClient) -> None:
    # main: Host: evil.example gave "Sitemap: http://evil.example/sitemap.xml".
    for path, headers in (("/robots.txt", {}), ("/sitemap.xml", {}), ("/catalog", {"Accept": "text/turtle"}),
                          ("/", HTML), (ADFC, HTML), (ADFC, {"Accept": "application/ld+json"}),
                          ("/api/openapi.json", {})):
        response = client.get(path, headers={**headers, "Host": "evil.example"})
        assert response.status_code == 200, path
        assert "evil.example" not in response.get_data(as_text=True), path
        assert "evil.example" not in str(response.headers), path
    robots = client.get("/robots.txt", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert f"Sitemap: {TEST_BASE_IRI}sitemap.xml" in robots


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A build of data the office might receive: a javascript: IRI, a bidi override, formula-like names."""
    import shutil

    from tests.conftest import REPO

    root = tmp_path_factory.mktemp("hostile")
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(REPO / folder, root / folder)
    organizations = root / "data" / "organizations.ttl"
    text = organizations.read_text(encoding="utf-8")
    text = text.replace('    schema:name "ADFC e.V."@de ;',
                        '    schema:name "=HYPERLINK(\\"http://evil.example\\")"@de ;\n'
                        '    schema:sameAs <javascript:alert(3)> ;', 1)
    text = text.replace('"AG Nachhaltigkeit Dortmund - Host City der UEFA EURO 2024"@de',
                        '"AG \u202eNachhaltigkeit\u202c Dortmund"@de', 1)
    organizations.write_text(text, encoding="utf-8")
    events = root / "data" / "events.ttl"
    events.write_text(events.read_text(encoding="utf-8").replace(
        '"DORTBUNT.city 2023"@de', '"@SUM(1+1)"@de', 1), encoding="utf-8")
    config = Config.load(root=root, base_iri=TEST_BASE_IRI, build_dir=root / "build")
    # Published without the shapes (which may refuse some of this): the output must stay inert whatever
    # reaches a release, from a gap in the shapes or an external store.
    sources, dataset, graph = load_and_derive(config)
    publish(config, dataset, graph, sources=sources)
    app = create_app(config)
    yield app
    pool = app.extensions.get("sparql_pool")
    if pool is not None:
        pool.close()


def test_a_javascript_iri_is_shown_as_text(hostile: Flask) -> None:
    # main: schema:sameAs <javascript:alert(3)> became a clickable link.
    body = hostile.test_client().get(ADFC, headers=HTML).get_data(as_text=True)
    assert "javascript:alert(3)" in body
    anchors = re.findall(r"""<a\b[^>]*\bhref\s*=\s*["']([^"']*)["']""", body)
    assert anchors and not [h for h in anchors if h.strip().lower().startswith(("javascript:", "data:", "vbscript:"))]


def test_bidi_overrides_are_isolated(hostile: Flask) -> None:
    # main: U+202E in a name reordered the text around it.
    client = hostile.test_client()
    page = client.get("/id/organization/ag-nachhaltigkeit-euro-2024", headers=HTML).get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert "\u202e" not in title
    heading = re.search(r"<h1([^>]*)>([^<]*)</h1>", page)
    assert "\u202e" in heading.group(2) and 'dir="auto"' in heading.group(1)
    for path in ("/", "/partners", ADFC):
        body = client.get(path, headers=HTML).get_data(as_text=True)
        for match in re.finditer("\u202e", body):
            opening = body.rfind("<", 0, match.start())
            isolated = re.match(r"<(bdi|script|[a-z0-9]+[^>]*\bdir=\"auto\")", body[opening:])
            assert isolated, (path, body[opening:match.end()])


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_spreadsheet_csv_neutralises_formulas(hostile: Flask) -> None:
    # main: names beginning with = + - @ were written raw into /partners.csv, /dumps/partners.csv, /alignments.csv.
    client = hostile.test_client()
    for path in ("/partners.csv", "/dumps/partners.csv", "/alignments.csv", "/events.csv"):
        cells = _cells(client.get(path).get_data(as_text=True))
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], path
    assert "'=HYPERLINK(\"http://evil.example\")" in _cells(client.get("/partners.csv").get_data(as_text=True))
    assert "'@SUM(1+1)" in _cells(client.get("/events.csv").get_data(as_text=True))
    # The HTML list shows the name itself, and SPARQL CSV stays exact (the W3C format).
    assert "=HYPERLINK(&#34;http://evil.example&#34;)" in client.get("/partners", headers=HTML).get_data(as_text=True)
    query = f'SELECT ?n WHERE {{ <{TEST_BASE_IRI}id/organization/adfc> <http://schema.org/name> ?n }}'
    exact = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/csv"})
    assert _cells(exact.get_data(as_text=True)) == ["n", '=HYPERLINK("http://evil.example")']
    assert "W3C" in client.get("/sparql", headers=HTML).get_data(as_text=True)


# -- 5. HTTP details -----------------------------------------------------------------------------------

def test_405_names_the_allowed_methods(client: FlaskClient) -> None:
    response = client.delete("/robots.txt")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]


def test_ranges_of_dump_files(client: FlaskClient, release: Release) -> None:
    name = "dataset.ttl.gz"
    size = (release.layout.dumps / name).stat().st_size
    unsatisfiable = client.get(f"/dumps/{name}", headers={"Range": f"bytes={size + 10}-"})
    assert unsatisfiable.status_code == 416 and unsatisfiable.headers["Content-Range"] == f"bytes */{size}"
    for invalid in ("bytes=abc", "bytes=5-1", "pages=1-2", "bytes=--"):
        ignored = client.get(f"/dumps/{name}", headers={"Range": invalid})
        assert ignored.status_code == 200 and len(ignored.data) == size, invalid
    partial = client.get(f"/dumps/{name}", headers={"Range": "bytes=0-9"})
    assert partial.status_code == 206 and len(partial.data) == 10


def test_only_safe_schemes_become_links() -> None:
    from publisher.core.urls import Urls, linkable, path_href

    assert [linkable(u) for u in ("https://x.example/", "mailto:a@b.example", "/id/x")] == [True] * 3
    assert not any(linkable(u) for u in ("javascript:alert(1)", " JavaScript:x", "data:text/html,x", "//x.example",
                                         "/\\x.example", "java\tscript:x", "vbscript:x", ""))
    assert path_href("/\\evil.example/x") == "/%5Cevil.example/x" and path_href("//e.example") == "/%2Fe.example"
    assert Urls(TEST_BASE_IRI).href("javascript:alert(3)") == ""
    assert not Urls(TEST_BASE_IRI).href(TEST_BASE_IRI + "/evil.example/x").startswith("//")


def test_settings_reach_granian(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``publisher serve`` passes the header limits to granian's HTTP/1 settings."""
    import granian
    from click.testing import CliRunner

    from publisher import cli

    seen = {}

    class FakeGranian:
        def __init__(self, *args, **kwargs) -> None:
            seen.update(kwargs)

        def serve(self) -> None:
            pass

    monkeypatch.setattr(granian, "Granian", FakeGranian)
    monkeypatch.setattr("publisher.core.release.current_release", lambda builds: object())
    env = {"PUBLISHER_HEADER_TIMEOUT": "3", "PUBLISHER_HEADER_MAX_BYTES": "20000", "PUBLISHER_SHUTDOWN_TIMEOUT": "4"}
    result = CliRunner().invoke(cli.main, ["--build-dir", str(tmp_path), "serve", "--port", "1"], env=env)
    assert result.exit_code == 0, result.output
    assert seen["http1_settings"].header_read_timeout == 3000 and seen["http1_settings"].max_buffer_size == 20000
    assert seen["workers_kill_timeout"] == 4


def test_pages_work_under_their_policy_in_chromium(browser, server: str) -> None:
    """Chromium enforces the Content-Security-Policy: no page of the site triggers a violation."""
    context = browser.new_context()
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        for path in ("/", ADFC, "/partners", "/sparql?query=ASK%7B%7D", "/catalog", "/nowhere"):
            page.goto(server + path, wait_until="load")
            page.evaluate("() => new Promise(r => setTimeout(r, 50))")
        assert page.evaluate("() => document.styleSheets.length") >= 1
    finally:
        context.close()
    assert not violations, violations


class _Silent(io.RawIOBase):
    """A body whose client sends nothing more: every read waits until the test lets go."""

    def __init__(self, release) -> None:
        self.release = release

    def read(self, n: int = -1) -> bytes:
        self.release.wait(10)
        return b""


def _silent_posts(app, addresses: list[str]) -> tuple[list[str], list[str]]:
    """POST a silent body from each address, each in a thread of its own (as the server's threads would):
    the statuses of those answered within a second, and of those still waiting then."""
    import threading

    release, answered, lock = threading.Event(), [], threading.Lock()

    def post(address: str) -> None:
        environ = {"REQUEST_METHOD": "POST", "CONTENT_LENGTH": "10", "wsgi.input": _Silent(release),
                   "REMOTE_ADDR": address}

        def start(status: str, headers: list, exc_info=None) -> None:
            with lock:
                answered.append((address, status[:3]))

        app(environ, start)

    threads = [threading.Thread(target=post, args=(a,), daemon=True) for a in addresses]
    for thread in threads:
        thread.start()
        time.sleep(0.05)  # in order: the first ones take the slots
    time.sleep(1)
    early = [status for _, status in answered]
    release.set()
    for thread in threads:
        thread.join(5)
    return early, [status for _, status in answered][len(early):]


def test_one_client_address_gets_at_most_its_share_of_body_reads() -> None:
    """Past ``slots.PER_CLIENT`` bodies of one address being read, its next gets 503 at once; another
    address's body is still read (before: one address could take every reader)."""
    from publisher.serve.web.bodies import BoundedBodies
    from publisher.serve.web.slots import PER_CLIENT, Slots

    app = BoundedBodies(lambda environ, start: start("200 OK", []) or [b""], 1000, 30, Slots.for_threads(32))
    early, late = _silent_posts(app, ["192.0.2.1"] * (PER_CLIENT + 1))
    assert early == ["503"] and late == ["408"] * PER_CLIENT
    seen: list[bytes] = []
    ok = BoundedBodies(lambda environ, start: [seen.append(environ["wsgi.input"].read()) or b""], 1000, 30,
                       Slots.for_threads(32))
    ok({"REQUEST_METHOD": "POST", "CONTENT_LENGTH": "3", "wsgi.input": io.BytesIO(b"abc"), "REMOTE_ADDR": "192.0.2.2"},
       lambda s, h, e=None: None)
    assert seen == [b"abc"]


def test_bodies_being_read_take_at_most_half_the_server_threads() -> None:
    from publisher.serve.web.bodies import BoundedBodies
    from publisher.serve.web.slots import Slots

    app = BoundedBodies(lambda environ, start: start("200 OK", []) or [b""], 1000, 30, Slots.for_threads(4))
    early, late = _silent_posts(app, ["192.0.2.1", "192.0.2.2", "192.0.2.3"])
    assert early == ["503"] and late == ["408", "408"]


def test_a_body_that_stops_half_way_never_stalls_the_server(release: Release, config: Config) -> None:
    """Found by probing: a POST whose body stops after a few bytes (or after a burst) made the granian worker
    stop answering anyone once its 408 was out, while a helper thread still waited in the body's read — one
    client, one connection, ten bytes. Now the body is read in the request's thread: the rest of the server
    answers, that client's further bodies get 503 at once past its share, and closing frees its threads."""
    from publisher.serve.web.slots import PER_CLIENT

    proc, url = start_server(config, {"PUBLISHER_BODY_TIMEOUT": "1", "PUBLISHER_WORKERS": "1"})
    head = (b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 100000\r\n\r\n")
    silent = []
    try:
        for burst in [3, 1023] * (PER_CLIENT // 2):
            sock = socket.create_connection(_raw(url), timeout=5)
            sock.sendall(head + b"#" * burst)
            silent.append(sock)
        for _ in range(3):
            time.sleep(0.75)  # across and past body_timeout
            page = requests.get(url + "/sparql", params={"query": "ASK {}"}, timeout=5,
                                headers={"Accept": "application/sparql-results+json"})
            assert page.status_code == 200
        started = time.monotonic()
        busy = requests.post(url + "/sparql", data={"query": "ASK {}"}, timeout=5)
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"
        assert time.monotonic() - started < 1  # at once, not after a body timeout
        for sock in silent:
            sock.close()  # the reads end: the threads are free again
        silent.clear()
        time.sleep(0.5)
        answered = requests.post(url + "/sparql", data={"query": "ASK {}"}, timeout=5,
                                 headers={"Accept": "application/sparql-results+json"})
        assert answered.status_code == 200, answered.text
    finally:
        for sock in silent:
            sock.close()
        stop_server(proc)


def test_a_streamed_file_holds_a_slot_until_its_end_or_its_close() -> None:
    """A file answer (``send_file``'s blocks) takes a slot of its client's; one in one piece takes none."""
    from werkzeug.wsgi import FileWrapper

    from publisher.serve.web.slots import Slots
    from publisher.serve.web.streams import BoundedStreams

    def app(environ: dict, start_response) -> object:
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        if environ["PATH_INFO"] == "/file":
            return FileWrapper(io.BytesIO(b"x" * 100_000), 8192)
        return [b"one piece"]

    statuses: list[str] = []
    streams = BoundedStreams(app, Slots(2))

    def get(path: str, address: str = "192.0.2.1"):
        return streams({"PATH_INFO": path, "REMOTE_ADDR": address}, lambda s, h, e=None: statuses.append(s[:3]))

    first, second = get("/file"), get("/file")  # two downloads whose clients do not read
    assert [get("/page") for _ in range(5)] == [[b"one piece"]] * 5  # pages take no slot
    assert get("/file", "192.0.2.9") == [b"503: " + b"Zu viele langsame Anfragen; bitte sp\xc3\xa4ter erneut. / "
                                         b"Too many slow requests; retry later.\n"]
    assert len(b"".join(first)) == 100_000  # read to its end: its slot is back
    assert statuses[-1] == "503" and b"".join(get("/file")) == b"x" * 100_000
    second.close()  # the client went away: its slot is back
    assert statuses.count("503") == 1 and len(b"".join(get("/file"))) == 100_000

    def lazy(environ: dict, start_response) -> Iterator[bytes]:  # WSGI lets an answer start at its first chunk
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"late"

    seen: list[str] = []
    body = BoundedStreams(lazy, Slots(2))({"PATH_INFO": "/"}, lambda s, h, e=None: seen.append(s))
    assert b"".join(body) == b"late" and seen == ["200 OK"]


_STREAMING_APP = """
import io

from werkzeug.wsgi import FileWrapper

from publisher.serve.web.slots import Slots
from publisher.serve.web.streams import BoundedStreams


def files(environ, start_response):
    if environ["PATH_INFO"] == "/dump":
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", "50000000")])
        return FileWrapper(io.BytesIO(b"x" * 50_000_000), 8192)
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


app = BoundedStreams(files, Slots.for_threads(32)) if {bounded} else files
"""


def test_downloads_a_client_does_not_read_never_stall_the_server(tmp_path: Path) -> None:
    """40 downloads of a large file whose clients never read: 32 threads waited in granian's write and the
    server answered no one (found by probing with the 6.5 MB dump of a 1M-triple release). With the slots,
    those past a client's share get 503 at once and the server answers everyone else. Real granian, the
    publisher's own settings of threads (the test checks the unbounded app stalls, so it can fail)."""
    import subprocess
    import sys

    import requests

    from tests.conftest import REPO, free_port, wait_for

    def serve(bounded: bool) -> tuple[subprocess.Popen, str]:
        (tmp_path / f"streaming_{bounded}.py").write_text(_STREAMING_APP.format(bounded=bounded))
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "granian", "--interface", "wsgi", "--port", str(port),
                                 "--workers", "1", "--blocking-threads", "32", "--working-dir", str(tmp_path),
                                 f"streaming_{bounded}:app"], env={**os.environ, "PYTHONPATH": str(REPO)},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(f"http://127.0.0.1:{port}/")
        return proc, f"http://127.0.0.1:{port}"

    def answers_while_40_do_not_read(url: str) -> tuple[bool, list[bytes]]:
        host, port = _raw(url)
        readers = []
        try:
            for _ in range(40):
                sock = socket.create_connection((host, port), timeout=5)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                sock.sendall(b"GET /dump HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                readers.append(sock)
            time.sleep(2)
            try:
                answered = requests.get(url + "/", timeout=5).status_code == 200
            except requests.RequestException:
                answered = False
            heads = []
            for sock in readers:
                sock.settimeout(0.5)
                try:
                    heads.append(sock.recv(12))
                except TimeoutError:
                    heads.append(b"")
            return answered, heads
        finally:
            for sock in readers:
                sock.close()

    for bounded in (False, True):
        proc, url = serve(bounded)
        try:
            answered, heads = answers_while_40_do_not_read(url)
        finally:
            stop_server(proc)
        if not bounded:
            assert not answered  # what the slots are for: without them, no one is answered
        else:
            assert answered
            assert heads.count(b"HTTP/1.1 503") == 40 - 8 and heads.count(b"HTTP/1.1 200") == 8


def test_a_quote_in_a_parameter_never_breaks_the_etag(client: FlaskClient) -> None:
    # found by the fuzz tests: /partners?lang=" put the raw parameter into the ETag (ValueError, 500).
    for path in ('/partners?lang="', '/partners.csv?lang=x"y', '/events?lang=%22%0A'):
        response = client.get(path, headers=HTML)
        assert response.status_code == 200, path


def test_an_ipv6_client_is_its_64_network_for_budgets_and_slots() -> None:
    """One subscriber gets a whole /64 (RFC 6177): counted by address, one client would have 2^64 budgets."""
    from publisher.serve.web.clients import client_of

    one = [client_of({"REMOTE_ADDR": f"2001:db8:1:2::{n:x}"}, False) for n in (1, 0xBEEF, 0xFFFF)]
    assert one == ["2001:db8:1:2::/64"] * 3
    assert client_of({"REMOTE_ADDR": "2001:db8:1:3::1"}, False) == "2001:db8:1:3::/64"
    assert client_of({"REMOTE_ADDR": "::ffff:192.0.2.7"}, False) == "192.0.2.7"
    assert client_of({"REMOTE_ADDR": "192.0.2.7"}, False) == "192.0.2.7"
    assert client_of({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 2001:db8::5"}, True) \
        == "2001:db8::/64"
    assert client_of({}, False) == "-"


def test_the_store_s_credentials_never_reach_a_request_s_environ(release: Release, config: Config,
                                                                 tmp_path: Path) -> None:
    # granian copies the whole process environment into every request's WSGI environ: with the password in it,
    # anything that showed or logged the environ would show it. A probe app around the server processes' own
    # entry point (publisher.serve.web.wsgi), on a real granian, says what a request's environ holds.
    import subprocess
    import sys

    from tests.conftest import free_port, wait_for

    (tmp_path / "probe.py").write_text(
        "import json\nfrom publisher.core.config import store_credentials\n"
        "from publisher.serve.web.wsgi import app as publisher\n"
        "def app(environ, start_response):\n"
        "    if environ['PATH_INFO'] != '/_probe':\n        return publisher(environ, start_response)\n"
        "    body = json.dumps({'keys': sorted(environ), 'kept': store_credentials()}).encode()\n"
        "    start_response('200 OK', [('Content-Type', 'application/json')])\n    return [body]\n")
    port = free_port()
    env = {**os.environ, **config.to_environment(), "PUBLISHER_STORE_USER": "reader",
           "PUBLISHER_STORE_PASSWORD": "s3cret-Pa55", "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    proc = subprocess.Popen([str(Path(sys.executable).parent / "granian"), "--interface", "wsgi", "--workers", "1",
                             "--port", str(port), "probe:app"], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/_probe")
        seen = requests.get(f"http://127.0.0.1:{port}/_probe", timeout=10).json()
        assert "PUBLISHER_STORE_PASSWORD" not in seen["keys"] and "PUBLISHER_STORE_USER" not in seen["keys"]
        assert "PATH_INFO" in seen["keys"] and "PUBLISHER_BASE_IRI" in seen["keys"]  # the probe sees the environ
        assert seen["kept"] == ["reader", "s3cret-Pa55"]  # the process's store clients still have them
        assert requests.get(f"http://127.0.0.1:{port}/", timeout=30).status_code == 200
    finally:
        stop_server(proc)
