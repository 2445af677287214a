"""The lexical guard and the named queries' parameter checks, without a server."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.core.named_queries import ParameterError, named_queries
from publisher.serve.store.base import QueryRefused
from publisher.serve.store.guard import check_query, has_dataset_clause, query_form


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }",
    "select * where { service silent <http://x/> { ?s ?p ?o } }",
    "SELECT * WHERE {SERVICE<http://x/>{?s ?p ?o}}",
    "SELECT * WHERE { \\u0053ERVICE <http://x/> { ?s ?p ?o } }",
    "SELECT * WHERE { FILTER(?a < 3) SERVICE <http://x/> { ?s ?p ?o } }",
    "PREFIX x: <http://x/> INSERT DATA { x:a x:b x:c }",
    "# comment\nLOAD <http://x/>",
    "WITH <http://g/> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
])
def test_refused(text):
    with pytest.raises(QueryRefused):
        check_query(text)


@pytest.mark.parametrize("text", [
    'SELECT * WHERE { ?s ?p "SERVICE" }',
    "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o }",
    "PREFIX ex: <http://example.org/> SELECT * WHERE { ?service ex:SERVICE ?o } # SERVICE <http://x/>",
    'SELECT * WHERE { ?s ?p """a long\nSERVICE <http://x/> { }""" }',
    "SELECT * WHERE { ?s ?p ?o FILTER(LANG(?o) = 'de') }",
])
def test_allowed(text):
    check_query(text)
    assert query_form(text) == "SELECT"


def test_dataset_clause_seen_only_as_a_keyword():
    assert has_dataset_clause("SELECT * FROM <http://g/> WHERE { ?s ?p ?o }")
    assert not has_dataset_clause('SELECT * WHERE { ?s ?p "FROM" }')


def test_every_named_query_has_title_description_and_known_parameters():
    queries = named_queries()
    assert {"partners-by-goal", "tent-village-participants", "partners-by-dimension",
            "alignments-by-review-status", "partners-per-goal", "search-partners"} <= set(queries)
    for q in queries.values():
        assert q.title("en") != q.name and q.title("de") and q.description("en")
        assert q.sparql("https://x.test/").startswith("BASE <https://x.test/>")


@pytest.mark.parametrize("value", ["0", "18", "-1", "13.5", "abc", " ", "1e1"])
def test_goal_parameter_is_checked(value):
    with pytest.raises(ParameterError):
        named_queries()["partners-by-goal"].bind({"goal": value}, "https://x.test/", lambda kind: [])


def test_parameters_bind_as_terms_not_text():
    base = "https://x.test/"
    goal = named_queries()["partners-by-goal"].bind({"goal": "07"}, base, lambda kind: [])
    assert goal == (("goal", ("iri", "http://metadata.un.org/sdg/7")),)
    text = named_queries()["search-partners"].bind({"text": '") } ; DROP ALL #'}, base, lambda kind: [])
    assert text == (("text", ("literal", '") } ; DROP ALL #')),)
    dims = lambda kind: ["oekologie", "soziales"]  # noqa: E731
    q = named_queries()["partners-by-dimension"]
    assert q.bind({"dimension": "soziales"}, base, dims) == (("dimension", ("iri", base + "def/quadrangle/soziales")),)
    with pytest.raises(ParameterError, match="oekologie, soziales"):
        q.bind({"dimension": "../x"}, base, dims)


# ``check_query_fast`` skips the lexer when ``lexer_needed`` says it can find nothing: that must never let a
# query through that the lexer would refuse, nor hide a GRAPH or FROM from the seam.
_WORDS = ["SELECT", "ASK", "CONSTRUCT", "WHERE", "{", "}", "(", ")", "[", "]", "!", " ", "\n", "?s", "?p", "?o",
          "<http://x/>", '"x"', "#c\n", "service", "SERVICE", "ſervice", "graph", "From", "insert", "LOAD", "with",
          "dateCreated", "address", "\\u0053ERVICE", "ß", "FILTER", "NOT", "EXISTS", "ﬀ", "GRAPHS", "fromage"]


@settings(max_examples=500, deadline=None)
@given(words=st.lists(st.sampled_from(_WORDS), max_size=30), depth=st.integers(0, 12))
def test_the_lexer_is_skipped_only_where_it_would_find_nothing(words: list[str], depth: int) -> None:
    from publisher.serve.store.guard import WATCHED_WORDS, check_depth, check_lexical, keywords, lexer_needed

    text = " ".join(words)
    if lexer_needed(text, depth):
        return
    assert not WATCHED_WORDS.intersection(keywords(text)), text
    check_depth(text, depth)  # no QuerySyntaxError
    check_lexical(text)  # no QueryRefused


@pytest.mark.parametrize(("text", "kind", "words"), [
    ("ASK {}", "boolean", set()),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "graph", set()),
    ("DESCRIBE <http://x/>", "graph", set()),
    ("SELECT * FROM <http://g/> WHERE { GRAPH ?g { ?s ?p ?o } }", "solutions", {"FROM", "GRAPH"}),
    ("SELECT ?created WHERE { ?s <http://schema.org/dateCreated> ?created }", "solutions", set()),
])
def test_the_fast_check_tells_the_kind_and_the_watched_words(text: str, kind: str, words: set[str]) -> None:
    from publisher.serve.store.guard import check_query_fast

    checked = check_query_fast(text, 64)
    assert (checked.kind, set(checked.words)) == (kind, words)


@pytest.mark.parametrize("text", ["SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }",
                                  "SELECT * WHERE { \\u0053ERVICE <http://x/> { ?s ?p ?o } }",
                                  "# c\nLOAD <http://x/>"])
def test_the_fast_check_still_refuses(text: str) -> None:
    from publisher.serve.store.guard import check_query_fast

    with pytest.raises(QueryRefused):
        check_query_fast(text, 64)
