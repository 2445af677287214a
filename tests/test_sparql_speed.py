"""The fixed cost of a query: the budget ledger, the worker's remembered checks and the lean ``/sparql`` path.

Each test pins a property that made a light query cost more than the engine needs (issue 14)."""

from __future__ import annotations

import pytest

from publisher.serve.store.base import QueryOverBudget
from publisher.serve.store.pool import QueryBudget


def test_budget_ledger_stays_small_for_a_busy_client():
    # One entry per request made every check cost O(requests in the window): the ledger merges them.
    budget = QueryBudget(seconds=1_000.0, window=60.0)
    for _ in range(5_000):
        budget.charge("busy", 0.0001)
        budget.check("busy")
    assert len(budget._ledger["busy"]) <= QueryBudget.BUCKETS + 1
    budget.charge("busy", 1_000.0)
    with pytest.raises(QueryOverBudget):
        budget.check("busy")


# --- the lean /sparql path answers as the Flask route does ----------------------------------------------------

SELECT = ("SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 40")
CASES = [
    ("GET", {"query": "ASK {}"}, None, {"Accept": "application/sparql-results+json"}),
    ("GET", {"query": SELECT, "format": "xml"}, None, {"Accept-Encoding": "gzip"}),
    ("GET", {"query": SELECT}, None, {"Accept": "text/csv"}),
    ("GET", {"query": SELECT}, None, {"Accept": "text/tab-separated-values", "Accept-Encoding": "gzip"}),
    ("POST", None, {"query": SELECT}, {"Accept": "application/sparql-results+json", "Accept-Encoding": "gzip"}),
    ("POST", None, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 30",
     {"Accept": "text/turtle", "Content-Type": "application/sparql-query"}),
    ("GET", {"query": "DESCRIBE ?s WHERE { ?s ?p ?o } LIMIT 1"}, None, {"Accept": "application/ld+json"}),
    ("GET", {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5"}, None, {"Accept": "application/json"}),
    # The query is evaluated (and refused) by the store seam: the lean path answers the error through Flask.
    ("GET", {"query": "SELECT * WHERE { ?s ?p }"}, None, {"Accept": "application/json"}),
    ("GET", {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}, None, {}),
    # Protocol errors, HTML and no query at all are Flask's from the start.
    ("GET", {"query": SELECT, "format": "nonsense"}, None, {}),
    ("GET", {"query": SELECT}, None, {"Accept": "text/html"}),
    ("GET", {}, None, {"Accept": "text/turtle"}),
    ("POST", None, {"update": "CLEAR ALL"}, {}),
    ("POST", None, {"query": SELECT, "pad": "x" * 600_000}, {"Accept": "text/csv"}),  # Flask's form limits
    ("HEAD", {"query": SELECT}, None, {"Accept": "text/csv"}),
]


def _call(wsgi_app, method: str, args, data, headers: dict) -> tuple[str, dict, bytes]:
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    environ = EnvironBuilder(path="/sparql", method=method, query_string=args, data=data, headers=headers,
                             base_url="http://127.0.0.1:8080/").get_environ()
    chunks, status, response_headers = run_wsgi_app(wsgi_app, environ, buffered=True)
    return status, dict(response_headers), b"".join(chunks)


def _uncached_app(config):
    import dataclasses

    from publisher.serve.web.app import create_app

    return create_app(dataclasses.replace(config, query_cache=False))


@pytest.fixture
def plain_app(release, config):
    app = _uncached_app(config)
    yield app
    pool = app.extensions.get("sparql_pool")
    if pool is not None:
        pool.close()


@pytest.mark.parametrize(("method", "args", "data", "headers"), CASES)
def test_lean_path_answers_exactly_as_the_flask_route(plain_app, method, args, data, headers):
    from flask import Flask

    lean = _call(plain_app, method, args, data, headers)
    flask_only = _call(lambda environ, start: Flask.wsgi_app(plain_app, environ, start), method, args, data, headers)
    assert lean[0] == flask_only[0]
    assert lean[2] == flask_only[2]
    assert lean[1].keys() == flask_only[1].keys()
    assert {k: v for k, v in lean[1].items() if k != "Date"} == {k: v for k, v in flask_only[1].items() if k != "Date"}


def test_lean_path_answers_a_query_without_flask_and_leaves_the_rest_to_it(plain_app, monkeypatch):
    dispatched: list[str] = []
    original = plain_app.full_dispatch_request

    def counting():
        from flask import request

        dispatched.append(request.path)
        return original()

    monkeypatch.setattr(plain_app, "full_dispatch_request", counting)
    status, headers, _ = _call(plain_app, "POST", None, {"query": SELECT}, {"Accept": "text/csv"})
    assert status == "200 OK" and int(headers["X-Result-Rows"]) > 0
    assert dispatched == []  # Flask never saw it
    status, _, body = _call(plain_app, "GET", {"query": SELECT}, None, {"Accept": "text/html"})
    assert status == "200 OK" and b"<table" in body and dispatched == ["/sparql"]  # the page is Flask's


def test_lean_path_keeps_the_row_cap(release, config):
    import dataclasses

    from publisher.serve.web.app import create_app

    app = create_app(dataclasses.replace(config, query_cache=False, query_max_rows=3))
    try:
        status, headers, body = _call(app, "GET", {"query": SELECT}, None, {"Accept": "text/csv"})
        assert status == "200 OK" and headers["X-Result-Truncated"] == "true"
        assert headers["X-Result-Row-Limit"] == "3" and body.count(b"\r\n") == 4
    finally:
        pool = app.extensions.get("sparql_pool")
        if pool is not None:
            pool.close()


def test_request_bodies_are_read_in_the_request_s_own_thread(monkeypatch):
    # A thread started per POST body cost more CPU than a cached answer; and a helper thread still waiting in a
    # body's read when its request ended stalled the granian worker (tests/test_http_hardening.py): no helper.
    import io
    import threading

    from publisher.serve.web.bodies import BoundedBodies
    from publisher.serve.web.slots import Slots

    started: list[str] = []
    original = threading.Thread.start

    def counting_start(thread: threading.Thread) -> None:
        started.append(thread.name)
        original(thread)

    class Stream(io.BytesIO):
        def read(self, n: int = -1) -> bytes:
            readers.add(threading.get_ident())
            return super().read(n)

    monkeypatch.setattr(threading.Thread, "start", counting_start)
    seen: list[bytes] = []
    readers: set[int] = set()
    app = BoundedBodies(lambda environ, start: [seen.append(environ["wsgi.input"].read()) or b""], 1000, 5.0,
                        Slots.for_threads(1))
    for n in range(50):
        body = f"query=ASK{{}}&n={n}".encode()
        app({"REQUEST_METHOD": "POST", "CONTENT_LENGTH": str(len(body)), "wsgi.input": Stream(body)},
            lambda s, h, e=None: None)
    assert seen[-1] == b"query=ASK{}&n=49" and len(seen) == 50
    assert started == [] and readers == {threading.get_ident()}


# --- the lean path reads the protocol request as werkzeug's Request does ---------------------------------------

_FIELD_NAMES = ("query", "query", "query", "format", "default-graph-uri", "named-graph-uri", "update", "x", "Query",
                "query ")
_TEXT = ("ASK {}", "SELECT * {}", "  ", "", "http://example.org/g", "urn:x", "relative", "json", "csv",
         "CLEAR ALL", "a b<c>", "ä€😀", "%", "%zz", "%C3%A4", "%FF", "+", "&", "=", ";")


def _encoded_field(draw) -> str:
    from urllib.parse import quote_plus

    from hypothesis import strategies as st

    name, value = draw(st.sampled_from(_FIELD_NAMES)), draw(st.sampled_from(_TEXT) | st.text(max_size=12))
    quote = draw(st.booleans())
    # Unquoted text as well: a raw "%zz", "+", "&" or a non-ASCII letter is what a careless client sends.
    return (quote_plus(name) if quote else name) + draw(st.sampled_from(("=", "=", ""))) + \
        (quote_plus(value) if quote else value)


def _protocol_environ(draw):
    from hypothesis import strategies as st
    from werkzeug.test import EnvironBuilder

    method = draw(st.sampled_from(("GET", "POST", "POST", "POST", "post", "PUT")))
    # As a WSGI server hands it over: the raw bytes (UTF-8 from the client), decoded as Latin-1.
    query_string = "&".join(_encoded_field(draw) for _ in range(draw(st.integers(0, 3)))).encode().decode("latin-1")
    content_type = draw(st.sampled_from((
        "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=UTF-8",
        "Application/X-WWW-Form-Urlencoded", "application/sparql-query", "application/sparql-query; charset=latin-1",
        'application/sparql-query; charset="utf-8"', "application/sparql-update", "text/plain",
        "multipart/form-data; boundary=x", "", "application/x-www-form-urlencoded;;")))
    if "form" in content_type.lower() and "multipart" not in content_type:
        body = "&".join(_encoded_field(draw) for _ in range(draw(st.integers(0, 2)))).encode("utf-8")
    else:
        body = draw(st.sampled_from(("ASK {}", "", "ä", "SELECT * { ?s ?p ?o }"))).encode("utf-8") + \
            draw(st.sampled_from((b"", b"", b"", b"\xff")))
    environ = EnvironBuilder(path="/sparql", method=method, data=body,
                             headers={"Content-Type": content_type} if content_type else {}).get_environ()
    environ["QUERY_STRING"] = query_string  # as the server gives it: raw, not re-encoded by the builder
    environ["wsgi.input_terminated"] = True
    return environ


def _reading(read):
    from werkzeug.exceptions import HTTPException

    from publisher.serve.web import sparql_protocol as protocol

    try:
        req = read()
        proto = protocol.read_protocol_request(req)
        return "read", proto, req.values.get("format")
    except protocol.ProtocolError as exc:
        return "refused", exc.status, exc.message
    except HTTPException as exc:
        return "http", exc.code
    except UnicodeDecodeError:
        return "not utf-8"


def test_the_lean_path_reads_a_protocol_request_as_werkzeug_does():
    # SparqlFastPath reads query, dataset and format from the environ with werkzeug's parsers, not with its
    # Request; whatever it reads, it must read exactly as the Flask route would (or leave the request to it).
    import io

    from hypothesis import given, settings
    from hypothesis import strategies as st
    from werkzeug.wrappers import Request

    from publisher.serve.web.sparql_protocol import EnvironRequest, _Fallback

    fell_back, read = [], []

    @settings(max_examples=1500, deadline=None, derandomize=True)
    @given(st.data())
    def check(data):
        environ = _protocol_environ(data.draw)
        body = environ["wsgi.input"].read()

        def werkzeug_reading():
            environ["wsgi.input"] = io.BytesIO(body)
            req = Request(environ)
            req.max_content_length = 1000
            return req

        def lean_reading():
            environ["wsgi.input"] = io.BytesIO(body)
            return EnvironRequest.read(environ, 1000)

        try:
            lean = _reading(lean_reading)
        except _Fallback:
            fell_back.append(environ["QUERY_STRING"])
            return
        read.append(lean)
        assert lean == _reading(werkzeug_reading)

    check()
    queries = [r for r in read if r[0] == "read" and r[1].query is not None]
    assert len(read) > 800 and len(queries) > 50 and sum(r[0] == "refused" for r in read) > 300
