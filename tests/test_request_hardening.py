"""Requests that once went wrong: odd digits, parameters leaking into cached pages, language and mount
point on every page, and volatile queries hidden behind a comment."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from publisher.core.config import Config
from tests.conftest import start_server, stop_server
from tests.inprocess import HTTP

HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def server(in_process: str) -> str:
    """Answered in process; the proxy case below starts a real server of its own."""
    return in_process


@pytest.mark.parametrize("path", ["/catalog?page=%C2%B2", "/catalog?page=%D9%A3",
                                  "/queries/partners-by-goal?goal=%C2%B2", "/queries/partners-by-goal?goal=%D9%A3"])
def test_non_ascii_digits_are_a_400(server: str, path: str) -> None:
    r = HTTP.get(server + path, timeout=30)
    assert r.status_code == 400, r.text


@pytest.mark.parametrize("path", ["/id/organization/adfc", "/partners", "/"])
def test_a_visitors_parameters_never_reach_the_cached_page(server: str, path: str) -> None:
    sep = "&" if "?" in path else "?"
    HTTP.get(f"{server}{path}{sep}promo=visit-evil.example", headers=HTML, timeout=30)
    for url in (server + path, f"{server}{path}{sep}promo=visit-evil.example"):
        assert "visit-evil" not in HTTP.get(url, headers=HTML, timeout=30).text


def test_the_sitemap_lists_canonical_urls(server: str) -> None:
    HTTP.get(server + "/sitemap.xml?lang=en", timeout=30)
    body = HTTP.get(server + "/sitemap.xml", timeout=30).text
    assert "<loc>" in body and "lang=" not in body


def test_catalogue_pages_vary_by_language(server: str) -> None:
    de = HTTP.get(server + "/catalog", headers={**HTML, "Accept-Language": "de"}, timeout=30)
    assert "Accept-Language" in de.headers["Vary"]
    en = HTTP.get(server + "/catalog", headers={**HTML, "Accept-Language": "en",
                                                     "If-None-Match": de.headers["ETag"]}, timeout=30)
    assert en.status_code == 200 and en.headers["ETag"] != de.headers["ETag"]


def test_an_explicit_german_choice_stays_in_the_navigation(server: str) -> None:
    page = HTTP.get(server + "/partners?lang=de", headers={**HTML, "Accept-Language": "en"}, timeout=30).text
    nav = re.search(r"<nav .*?</nav>", page, re.S).group(0)
    assert 'href="/events?lang=de"' in nav


@pytest.mark.parametrize("path", ["/sparql", "/queries", "/queries/partners-by-goal?goal=13"])
def test_query_pages_speak_the_page_language(server: str, path: str) -> None:
    # Issue 11: the query pages were English inside the German layout; now each is in the page language.
    page = HTTP.get(server + path, headers={**HTML, "Accept-Language": "de"}, timeout=30).text
    assert '<html lang="de">' in page and '<div lang="en">' not in page
    english = HTTP.get(server + path, headers={**HTML, "Accept-Language": "en"}, timeout=30).text
    assert '<html lang="en">' in english


def test_volatile_functions_behind_a_comment_are_evaluated_every_time(server: str) -> None:
    query = "SELECT (STRUUID #x\n() AS ?u) WHERE {}"
    values = {HTTP.get(server + "/sparql", params={"query": query}, timeout=30).json()
              ["results"]["bindings"][0]["u"]["value"] for _ in range(3)}
    assert len(values) == 3


@pytest.fixture(scope="module")
def proxied(config: Config, release) -> Iterator[str]:
    proc, url = start_server(config, {"PUBLISHER_TRUST_FORWARDED_HEADERS": "true"})
    yield url
    stop_server(proc)


@pytest.mark.parametrize("path", ["/sparql?query=SELECT+%3Fs+WHERE+%7B+%3Fs+a+%3Chttp%3A%2F%2Fschema.org%2FNGO%3E+%7D",
                                  "/queries", "/queries/partners-by-goal?goal=13"])
def test_query_pages_link_below_the_proxy_prefix(proxied: str, path: str) -> None:
    page = HTTP.get(proxied + path, headers={**HTML, "X-Forwarded-Prefix": "/ib"}, timeout=30).text
    links = re.findall(r'(?:href|action)="(/[^"]*)"', page)
    assert links and all(link.startswith("/ib/") for link in links), [x for x in links if not x.startswith("/ib/")]
