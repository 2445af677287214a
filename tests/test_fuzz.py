"""Property-based tests (Hypothesis) against the in-process app: whatever a client sends, the answer is
never a 500 or a traceback, and no emitted link starts with ``//`` or ``/\\`` or names the Host the client
sent. Bounded: a fixed number of examples per property, each with a deadline (about 20 s in all).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote, unquote_to_bytes, urlsplit

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder, run_wsgi_app
from werkzeug.wrappers import Response

from publisher.core.config import Config
from publisher.core.release import Release
from tests.conftest import app_in_process

LINK = re.compile(r"""(?:href|src|action)\s*=\s*["']([^"']*)["']""", re.I)
HEADER_LINK = re.compile(r"<([^>]*)>")
FUZZ = settings(max_examples=150, deadline=2000, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

ascii_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)
segment = st.one_of(
    st.sampled_from(["id", "organization", "adfc", "event", "sdg", "13", "def", "partners", "events", "alignments",
                     "dumps", "dataset.ttl.gz", "index.json", "catalog", "sparql", "queries", "search", ".well-known",
                     "void", "robots.txt", "sitemap.xml", "context", "v1.jsonld", "static", "style.css", "..", ".",
                     "", "%5C", "%2F", "%5Cevil.example", "evil.example", "\\", "index.ttl", "x.html", "x.rdf"]),
    st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="?#"), max_size=12),
)
paths = st.lists(segment, min_size=1, max_size=5).map(lambda parts: "/" + "/".join(parts))
hosts = st.sampled_from(["evil.example", "evil.example:8080", "127.0.0.1", "ld.example.test", "xn--evil-fuzz.example"])
accepts = st.one_of(st.sampled_from(["text/html", "text/turtle", "application/ld+json", "*/*", "text/csv",
                                     "application/sparql-results+json", "application/rdf+xml;q=0.5, text/html",
                                     "text/html;q=abc", "*/*;q=0", "application/n-triples"]), ascii_text)
languages = st.one_of(st.sampled_from(["de", "en", "en-GB,en;q=0.8", "fr", "*", "de;q=x"]), ascii_text)
ranges = st.one_of(st.sampled_from(["bytes=0-9", "bytes=-5", "bytes=999999999-", "bytes=abc", "pages=1-2",
                                    "bytes=5-1", "bytes=0-1,3-4"]), ascii_text)
etags = st.one_of(st.sampled_from(['"x"', "*", 'W/"abc"', ""]), ascii_text)
query_strings = st.one_of(
    st.dictionaries(st.sampled_from(["lang", "page", "q", "format", "query", "x"]), ascii_text, max_size=3),
    st.dictionaries(ascii_text, ascii_text, max_size=2),
)
sparql_texts = st.one_of(
    st.text(max_size=120),
    st.builds(lambda a, b: f"SELECT * WHERE {{ {a} }} {b}", ascii_text, ascii_text),
    st.sampled_from(["ASK {}", "SELECT * WHERE { ?s ?p ?o } LIMIT 3", "DESCRIBE <http://x>",
                     "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2", "SELECT (<javascript:alert(1)> AS ?x) {}",
                     "SELECT ?x { BIND(\"\u202e=1+1\" AS ?x) }", "PREFIX : <//evil.example/> SELECT (:x AS ?y) {}"]),
)


@pytest.fixture(scope="module")
def app(release: Release, config: Config) -> Iterator[Flask]:
    yield from app_in_process(config)


def _request(app: Flask, path: str, headers: dict, query: dict | str | None = None, method: str = "GET",
             data: bytes | None = None) -> Response:
    """One request straight through the WSGI app (the test client itself chokes on some Host values)."""
    builder = EnvironBuilder(path="/", query_string=query, method=method, data=data,
                             headers={k: v for k, v in headers.items() if k != "Host"})
    environ = builder.get_environ()
    # As a server passes it: the request target percent-decoded, its UTF-8 bytes as latin-1 (PEP 3333).
    raw = quote(path, safe="/%:@!$&'()*+,;=-._~")
    environ["PATH_INFO"] = unquote_to_bytes(raw).decode("latin-1")
    environ["REQUEST_URI"] = environ["RAW_URI"] = raw
    environ["HTTP_HOST"] = headers.get("Host", "localhost")
    body, status, response_headers = run_wsgi_app(app.wsgi_app, environ, buffered=True)
    return Response(b"".join(body), status=status, headers=response_headers)


def _check(response, host: str) -> None:
    body = response.get_data().decode("utf-8", "replace")
    assert response.status_code != 500, body[:300]
    assert "Traceback" not in body and 'File "/' not in body
    links = LINK.findall(body) if response.mimetype == "text/html" else []
    links += re.findall(r"(?:^Sitemap:\s*|<loc>)([^<\s]+)", body, re.M)  # robots.txt, the sitemap
    for name in ("Link", "Location", "Content-Location"):
        value = response.headers.get(name, "")
        links += HEADER_LINK.findall(value) if name == "Link" else ([value] if value else [])
    sent_host = host.split(":")[0]
    for link in links:
        link = link.strip()
        assert not link.startswith(("//", "/\\", "\\")), link
        try:
            named = urlsplit(link).hostname
        except ValueError:
            named = None
        assert named != sent_host or sent_host in ("ld.example.test",), link
        assert named != "evil.example", link


@FUZZ
@given(path=paths, host=hosts, accept=accepts, language=languages, query=query_strings)
def test_any_request_path(app: Flask, path: str, host: str, accept: str, language: str, query: dict) -> None:
    response = _request(app, path, {"Host": host, "Accept": accept, "Accept-Language": language}, query)
    _check(response, host)


@FUZZ
@given(path=st.sampled_from(["/", "/id/organization/adfc", "/partners", "/dumps/dataset.ttl.gz",
                             "/dumps/partners.csv", "/sitemap.xml", "/robots.txt", "/catalog", "/.well-known/void"]),
       host=hosts, range_=ranges, etag=etags, accept=accepts)
def test_any_conditional_or_range_header(app: Flask, path: str, host: str, range_: str, etag: str,
                                         accept: str) -> None:
    response = _request(app, path, {"Host": host, "Range": range_, "If-None-Match": etag, "Accept": accept})
    _check(response, host)
    assert response.status_code in (200, 206, 304, 400, 404, 406, 416), response.status_code
    if response.status_code == 416:
        assert response.headers["Content-Range"].startswith("bytes */")


@settings(FUZZ, max_examples=40, deadline=5000)
@given(text=sparql_texts, accept=st.sampled_from(["text/html", "application/sparql-results+json", "text/csv",
                                                  "text/turtle", "*/*"]), post=st.booleans())
def test_any_sparql_text(app: Flask, text: str, accept: str, post: bool) -> None:
    headers = {"Host": "evil.example", "Accept": accept}
    if post:
        response = _request(app, "/sparql", {**headers, "Content-Type": "application/sparql-query"}, method="POST",
                            data=text.encode("utf-8", "surrogatepass"))
    else:
        response = _request(app, "/sparql", headers, "query=" + quote(text.encode("utf-8", "surrogatepass")))
    _check(response, "evil.example")
    assert response.status_code in (200, 400, 403, 406, 413, 415, 503, 504), response.status_code
