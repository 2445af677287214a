"""The per-release response cache: repeated requests are answered the same, a new release is never
answered from the old one, and queries whose value changes per evaluation are always evaluated."""

from __future__ import annotations

import time
from pathlib import Path

import requests
from hypothesis import given, settings
from hypothesis import strategies as st

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



# The byte check in front of the lexer (``_volatile``) must never call a volatile query constant: whatever the
# encoding (percent-encoded letters, lower case, '+' for spaces, comments, strings), it agrees with the lexer.
_PIECES = ["SELECT", "(", ")", "?u", "AS", "WHERE", "{", "}", " ", "\n", "#c\n", '"NOW()"', "<http://x/RAND>",
           "now", "NOW", "Rand", "uuid", "STRUUID", "bNode", "knows", "BRAND", "struuid", "ENCODE_FOR_URI", "\\u004E"]


def _form_encoded(text: str, forced: set[int]) -> bytes:
    """``text`` form-encoded, the characters at ``forced`` percent-encoded even where they need not be."""
    from urllib.parse import quote_plus

    return "".join("".join(f"%{b:02X}" for b in ch.encode()) if i in forced else quote_plus(ch)
                   for i, ch in enumerate(text)).encode()


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(st.sampled_from(_PIECES), max_size=12), forced=st.sets(st.integers(0, 80), max_size=8),
       where=st.sampled_from(["form", "query string", "sparql-query"]))
def test_the_quick_volatile_check_agrees_with_the_lexer(pieces: list[str], forced: set[int], where: str) -> None:
    from publisher.serve.web.response_cache import _calls_volatile, _volatile

    text = "".join(pieces)
    if where == "form":
        request = ("", b"query=" + _form_encoded(text, forced), "application/x-www-form-urlencoded")
    elif where == "query string":
        request = ("query=" + _form_encoded(text, forced).decode(), b"", "")
    else:
        request = ("", text.encode(), "application/sparql-query")
    assert _volatile(*request) == _calls_volatile(*request)


def test_a_percent_encoded_volatile_function_is_still_seen() -> None:
    from publisher.serve.web.response_cache import _volatile

    # "%4EOW" is NOW with its N percent-encoded: no byte spells the name, the lexer still finds it.
    form = "application/x-www-form-urlencoded"
    assert _volatile("", b"query=SELECT+%28%4EOW%28%29+AS+%3Fu%29+WHERE+%7B%7D", form)
    assert not _volatile("", b"query=SELECT+%3Fs+WHERE+%7B+%3Fs+%3Fp+%3Fo+%7D", form)
