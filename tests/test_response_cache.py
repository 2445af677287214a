"""The per-release response cache: repeated requests are answered the same, a new release is never
answered from the old one, and queries whose value changes per evaluation are always evaluated."""

from __future__ import annotations

import time
from pathlib import Path

import requests

from publisher.build import build
from publisher.core.config import Config
from publisher.serve.store.live import LiveRelease
from tests.conftest import TEST_BASE_IRI, start_server, stop_server

ASK_ALL = "ASK { ?s ?p ?o }"


def sparql(url: str, query: str, method: str = "GET") -> requests.Response:
    headers = {"Accept": "application/sparql-results+json"}
    if method == "GET":
        return requests.get(f"{url}/sparql", params={"query": query}, headers=headers, timeout=30)
    return requests.post(f"{url}/sparql", data={"query": query}, headers=headers, timeout=30)


def test_a_new_release_is_never_answered_from_the_old_one(project_copy: Path) -> None:
    config = Config.load(root=project_copy, base_iri=TEST_BASE_IRI, build_dir=project_copy / "build")
    build(config)
    proc, url = start_server(config)
    try:
        name_query = f'SELECT ?n WHERE {{ <{TEST_BASE_IRI}id/organization/adfc> <http://schema.org/name> ?n }}'
        first = [requests.get(f"{url}/id/organization/adfc", timeout=30).text for _ in range(3)]
        first_rows = [sparql(url, name_query, method).json()["results"]["bindings"] for method in ("GET", "POST")]
        assert len(set(first)) == 1 and "ADFC e.V." in first[0]
        assert first_rows[0] == first_rows[1] == [{"n": {"type": "literal", "value": "ADFC e.V.",
                                                         "xml:lang": "de"}}]
        organizations = project_copy / "data" / "organizations.ttl"
        organizations.write_text(organizations.read_text(encoding="utf-8").replace(
            '"ADFC e.V."@de', '"ADFC Dortmund e.V."@de', 1), encoding="utf-8")
        build(config)
        # Each server process looks at build/current at most once a second (LiveRelease.CHECK_INTERVAL):
        # after that, no process may answer from the old release, whatever it has cached.
        time.sleep(2 * LiveRelease.CHECK_INTERVAL + 0.5)
        for _ in range(4):  # several requests, so that every server process answers some
            assert "ADFC Dortmund e.V." in requests.get(f"{url}/id/organization/adfc", timeout=30).text
            for method in ("GET", "POST"):
                rows = sparql(url, name_query, method).json()["results"]["bindings"]
                assert rows[0]["n"]["value"] == "ADFC Dortmund e.V."
    finally:
        stop_server(proc)


def test_volatile_queries_are_evaluated_every_time(server: str) -> None:
    query = "SELECT (STRUUID() AS ?u) WHERE {}"
    values = {sparql(server, query, method).json()["results"]["bindings"][0]["u"]["value"]
              for method in ("GET", "GET", "POST", "POST")}
    assert len(values) == 4


def test_different_post_bodies_get_their_own_answers(server: str) -> None:
    answers = [sparql(server, f"SELECT (STRLEN(\"{'x' * n}\") AS ?n) WHERE {{}}", "POST").json()
               for n in (3, 5, 3)]
    values = [a["results"]["bindings"][0]["n"]["value"] for a in answers]
    assert values == ["3", "5", "3"]


def test_repeated_answers_are_identical_per_variant(server: str) -> None:
    turtle = {requests.get(f"{server}/id/event/zeltdorf-2023", headers={"Accept": "text/turtle"},
                           timeout=30).content for _ in range(3)}
    html = {requests.get(f"{server}/id/event/zeltdorf-2023", headers={"Accept": "text/html"},
                         timeout=30).content for _ in range(3)}
    assert len(turtle) == 1 and len(html) == 1 and turtle != html
