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
