"""The SPARQL 1.1 Protocol at /sparql against the real server: routes, formats, errors, read-only, clients."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from tests.conftest import TEST_BASE_IRI

BASE = TEST_BASE_IRI
SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
PARTICIPANTS = f"SELECT ?p WHERE {{ <{BASE}id/event/zeltdorf-2023> <http://schema.org/attendee> ?p }}"
NAMES = (f"SELECT ?p ?name WHERE {{ <{BASE}id/event/zeltdorf-2023> <http://schema.org/attendee> ?p . "
         "?p <http://schema.org/name> ?name } ORDER BY ?name")
CONSTRUCT = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ BIND(<{BASE}id/organization/adfc> AS ?s) ?s ?p ?o }}"
ORGS_GRAPH = f"{BASE}graph/data/organizations"
EVENTS_GRAPH = f"{BASE}graph/data/events"


def get(server: str, query: str, accept: str | None = None, **params) -> requests.Response:
    headers = {"Accept": accept} if accept else {}
    return requests.get(f"{server}/sparql", params={"query": query, **params}, headers=headers, timeout=30)


def bindings(response: requests.Response) -> list[dict]:
    return response.json()["results"]["bindings"]


def count_triples(server: str) -> int:
    r = get(server, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    return int(bindings(r)[0]["n"]["value"])


# --- the three ways to send a query --------------------------------------------------------------------------


def test_get_post_form_and_post_body_give_the_same_answer(server):
    by_get = get(server, PARTICIPANTS)
    by_form = requests.post(f"{server}/sparql", data={"query": PARTICIPANTS}, timeout=30)
    by_body = requests.post(f"{server}/sparql", data=PARTICIPANTS.encode(),
                            headers={"Content-Type": "application/sparql-query"}, timeout=30)
    answers = []
    for r in (by_get, by_form, by_body):
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"] == "application/sparql-results+json; charset=utf-8"
        answers.append(sorted(b["p"]["value"] for b in bindings(r)))
    assert len(answers[0]) == 30
    assert answers[0] == answers[1] == answers[2]


def test_dataset_from_protocol_parameters_overrides_the_union(server):
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    union = int(bindings(get(server, q))[0]["n"]["value"])
    orgs = int(bindings(get(server, q, **{"default-graph-uri": ORGS_GRAPH}))[0]["n"]["value"])
    both = int(bindings(get(server, q, **{"default-graph-uri": [ORGS_GRAPH, EVENTS_GRAPH]}))[0]["n"]["value"])
    assert 0 < orgs < both < union
    # Named graphs: only those named are visible to GRAPH, and the query's own FROM NAMED is overridden.
    r = get(server, "SELECT DISTINCT ?g FROM NAMED <http://example.org/other> WHERE { GRAPH ?g { ?s ?p ?o } }",
            **{"named-graph-uri": EVENTS_GRAPH})
    assert [b["g"]["value"] for b in bindings(r)] == [EVENTS_GRAPH]
    # By form, too.
    r = requests.post(f"{server}/sparql", data={"query": q, "default-graph-uri": ORGS_GRAPH}, timeout=30)
    assert int(bindings(r)[0]["n"]["value"]) == orgs


def test_from_in_the_query_selects_a_graph(server):
    r = get(server, f"SELECT (COUNT(*) AS ?n) FROM <{ORGS_GRAPH}> WHERE {{ ?s ?p ?o }}")
    orgs = int(bindings(get(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                            **{"default-graph-uri": ORGS_GRAPH}))[0]["n"]["value"])
    assert int(bindings(r)[0]["n"]["value"]) == orgs


@pytest.mark.parametrize("params, message", [
    ({"query": [PARTICIPANTS, PARTICIPANTS]}, "Exactly one 'query'"),
    ({"query": "   "}, "empty"),
    ({"query": PARTICIPANTS, "default-graph-uri": "not an iri"}, "absolute IRI"),
    ({"query": PARTICIPANTS, "format": "pdf"}, "Unknown format"),
])
def test_bad_requests_are_400_with_a_message(server, params, message):
    r = requests.get(f"{server}/sparql", params=params, timeout=30)
    assert r.status_code == 400
    assert message in r.text


def test_missing_query_in_a_post_is_400(server):
    r = requests.post(f"{server}/sparql", data={"default-graph-uri": ORGS_GRAPH}, timeout=30)
    assert r.status_code == 400
    assert "No query" in r.text


def test_syntax_error_names_line_and_column(server):
    r = get(server, "SELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER(?s = ) }", accept="application/json")
    assert r.status_code == 400
    message = r.json()["error"]["message"]
    assert "3:" in message and "Syntax error" in message
    assert "Traceback" not in r.text and "/work" not in r.text and ".py" not in r.text


def test_unsupported_post_content_type_is_415(server):
    r = requests.post(f"{server}/sparql", data=PARTICIPANTS, headers={"Content-Type": "text/plain"}, timeout=30)
    assert r.status_code == 415


# --- formats -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("accept, content_type", [
    ("application/sparql-results+json", "application/sparql-results+json; charset=utf-8"),
    ("application/sparql-results+xml", "application/sparql-results+xml; charset=utf-8"),
    ("text/csv", "text/csv; charset=utf-8"),
    ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
    ("application/json", "application/json; charset=utf-8"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml; charset=utf-8"),
    (None, "application/sparql-results+json; charset=utf-8"),
    ("*/*", "application/sparql-results+json; charset=utf-8"),
])
def test_select_formats_by_accept(server, accept, content_type):
    r = get(server, NAMES, accept=accept)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == content_type
    assert "Accept" in r.headers["Vary"]
    expected = len(bindings(get(server, NAMES)))
    if content_type.startswith("text/csv"):  # lossy by design: pyoxigraph will not parse it
        assert len(list(csv.reader(io.StringIO(r.text)))) == expected + 1
        return
    media_type = content_type.split(";")[0].replace("application/json", "application/sparql-results+json")
    rows = list(ox.parse_query_results(r.content, format=ox.QueryResultsFormat.from_media_type(media_type)))
    assert len(rows) == expected
    assert any(row["name"].language == "de" for row in rows)


def test_results_parse_back_to_the_same_solutions_in_every_format(server):
    """Our writers agree with pyoxigraph's parsers on every term (IRIs, tagged and typed literals)."""
    q = f"SELECT ?s ?p ?o WHERE {{ <{BASE}id/event/zeltdorf-2023> ?p ?o BIND(1 AS ?s) }}"
    reference = {(str(r["p"]), str(r["o"])) for r in ox.parse_query_results(
        get(server, q, format="json").content, format=ox.QueryResultsFormat.JSON)}
    assert any("^^" in o for _, o in reference) and any("@de" in o for _, o in reference)
    for name, fmt in (("xml", ox.QueryResultsFormat.XML), ("tsv", ox.QueryResultsFormat.TSV)):
        parsed = {(str(r["p"]), str(r["o"])) for r in ox.parse_query_results(get(server, q, format=name).content,
                                                                            format=fmt)}
        assert parsed == reference, name


def test_ask_in_every_result_format(server):
    q = f"ASK {{ <{BASE}id/event/zeltdorf-2023> ?p ?o }}"
    assert get(server, q).json() == {"head": {}, "boolean": True}
    xml = ET.fromstring(get(server, q, accept="application/sparql-results+xml").content)
    assert xml.find("{http://www.w3.org/2005/sparql-results#}boolean").text == "true"
    assert get(server, "ASK { <http://example.org/none> ?p ?o }", format="csv").text.split() == ["_askResult", "false"]


@pytest.mark.parametrize("accept, content_type, rdflib_format", [
    ("text/turtle", "text/turtle; charset=utf-8", "turtle"),
    ("application/n-triples", "application/n-triples; charset=utf-8", "nt"),
    ("application/ld+json", "application/ld+json; charset=utf-8", "json-ld"),
    ("application/rdf+xml", "application/rdf+xml; charset=utf-8", "xml"),
    (None, "text/turtle; charset=utf-8", "turtle"),
])
def test_construct_and_describe_formats(server, accept, content_type, rdflib_format):
    adfc = URIRef(f"{BASE}id/organization/adfc")
    for query in (CONSTRUCT, f"DESCRIBE <{adfc}>"):
        r = get(server, query, accept=accept)
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"] == content_type
        g = Graph().parse(data=r.content, format=rdflib_format)
        assert (adfc, RDF.type, URIRef("http://schema.org/NGO")) in g


def test_format_parameter_for_links(server):
    assert get(server, NAMES, format="csv").headers["Content-Type"].startswith("text/csv")
    assert get(server, CONSTRUCT, format="ntriples").headers["Content-Type"].startswith("application/n-triples")
    assert get(server, CONSTRUCT, format="json").headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("query, accept", [(CONSTRUCT, "text/csv"), (NAMES, "text/turtle"),
                                           (NAMES, "image/png")])
def test_406_when_no_acceptable_format_for_the_result(server, query, accept):
    r = get(server, query, accept=accept)
    assert r.status_code == 406
    assert "Vary" in r.headers


def test_csv_quotes_values_and_keeps_unicode(server):
    r = get(server, NAMES, format="csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8"))))
    assert rows[0] == ["p", "name"]
    names = {row[1] for row in rows[1:]}
    assert "Ernährungsrat Dortmund und Region e.V." in names


def test_cors_for_any_origin_without_credentials(server):
    r = get(server, NAMES, accept="text/csv")
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in r.headers
    assert "X-Result-Truncated" in r.headers["Access-Control-Expose-Headers"]
    pre = requests.options(f"{server}/sparql", headers={"Origin": "https://example.org",
                                                         "Access-Control-Request-Method": "POST",
                                                         "Access-Control-Request-Headers": "content-type"}, timeout=30)
    assert pre.status_code == 200
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in pre.headers["Access-Control-Allow-Headers"]


# --- read-only -----------------------------------------------------------------------------------------------

INSERT = f"INSERT DATA {{ GRAPH <{ORGS_GRAPH}> {{ <http://example.org/x> <http://example.org/p> \"pwned\" }} }}"


def test_updates_are_refused_by_every_route_and_change_nothing(server):
    before = count_triples(server)
    attempts = [
        requests.get(f"{server}/sparql", params={"update": INSERT}, timeout=30),
        requests.post(f"{server}/sparql", data={"update": INSERT}, timeout=30),
        requests.post(f"{server}/sparql", data=INSERT.encode(),
                      headers={"Content-Type": "application/sparql-update"}, timeout=30),
        requests.post(f"{server}/sparql", data={"query": INSERT}, timeout=30),
        get(server, INSERT),
        get(server, "PREFIX ex: <http://example.org/>\n# comment\nDELETE WHERE { ?s ?p ?o }"),
        get(server, "CLEAR ALL"),
        get(server, "DROP GRAPH <" + ORGS_GRAPH + ">"),
        requests.post(f"{server}/sparql", data=f"LOAD <{BASE}> INTO GRAPH <{ORGS_GRAPH}>".encode(),
                      headers={"Content-Type": "application/sparql-query"}, timeout=30),
    ]
    for r in attempts:
        assert r.status_code == 403, (r.request.method, r.request.url, r.text)
        assert "read-only" in r.text
    assert count_triples(server) == before
    assert get(server, 'ASK { ?s ?p "pwned" }').json()["boolean"] is False


# --- service description -------------------------------------------------------------------------------------


def test_service_description_by_negotiation(server, release):
    r = requests.get(f"{server}/sparql", headers={"Accept": "text/turtle"}, timeout=30)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/turtle; charset=utf-8"
    g = Graph().parse(data=r.text, format="turtle")
    service = next(g.subjects(RDF.type, URIRef(SD + "Service")))
    assert g.value(service, URIRef(SD + "endpoint")) == URIRef(BASE + "sparql")
    assert (service, URIRef(SD + "supportedLanguage"), URIRef(SD + "SPARQL11Query")) in g
    formats = set(g.objects(service, URIRef(SD + "resultFormat")))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats and len(formats) == 8
    default_graph = g.value(g.value(service, URIRef(SD + "defaultDataset")), URIRef(SD + "defaultGraph"))
    assert int(g.value(default_graph, URIRef(VOID + "triples"))) == release.manifest["triples"]
    names = {str(g.value(ng, URIRef(SD + "name"))) for ng in g.subjects(RDF.type, URIRef(SD + "NamedGraph"))}
    assert names == set(release.manifest["graphs"])
    # The statistics are true of the data being served.
    assert int(bindings(get(server, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o "
                                    "WHERE { ?s ?p ?o } }"))[0]["n"]["value"]) == release.manifest["triples"]
    for accept, fmt in (("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"),
                        ("application/n-triples", "nt"), ("*/*", "turtle"), (None, "turtle")):
        r = requests.get(f"{server}/sparql", headers={"Accept": accept} if accept else {}, timeout=30)
        assert len(Graph().parse(data=r.content, format=fmt)) == len(g), accept


def test_browsers_get_the_query_page(server):
    r = requests.get(f"{server}/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert 'name="query"' in r.text and f"PREFIX ib: &lt;{BASE}def/&gt;" in r.text
    assert "<script src=\"http" not in r.text and "<link rel=\"stylesheet\" href=\"http" not in r.text


def test_html_results_escape_values_and_link_local_resources(server):
    q = ('SELECT ?x ?iri WHERE { BIND("<script>alert(1)</script>" AS ?x) '
         f'BIND(<{BASE}id/organization/adfc> AS ?iri) }}')
    r = get(server, q, accept="text/html")
    assert r.status_code == 200
    assert "<script>alert(1)</script>" not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    assert 'href="/id/organization/adfc"' in r.text
    assert "format=csv" in r.text and "format=json" in r.text


def test_html_error_keeps_the_query_and_escapes_it(server):
    q = "SELECT <b>oops</b>"
    r = get(server, q, accept="text/html")
    assert r.status_code == 400
    assert 'role="alert"' in r.text and "&lt;b&gt;oops&lt;/b&gt;" in r.text and "<b>oops" not in r.text


# --- real clients --------------------------------------------------------------------------------------------


def test_sparqlwrapper_select_construct_and_post(server):
    from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper

    client = SPARQLWrapper(f"{server}/sparql")
    client.setQuery(PARTICIPANTS)
    client.setReturnFormat(JSON)
    assert len(client.query().convert()["results"]["bindings"]) == 30
    client.setMethod(POST)
    assert len(client.query().convert()["results"]["bindings"]) == 30
    client.setQuery(CONSTRUCT)
    client.setReturnFormat(TURTLE)
    turtle = client.query().convert()
    assert len(Graph().parse(data=turtle, format="turtle")) > 3


def test_rdflib_sparqlstore(server):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(f"{server}/sparql", returnFormat="xml")
    graph = Graph(store=store)
    rows = list(graph.query(NAMES))
    assert len({row[0] for row in rows}) == 30
    assert graph.query(f"ASK {{ <{BASE}id/event/zeltdorf-2023> ?p ?o }}").askAnswer is True
    assert (URIRef(f"{BASE}id/organization/adfc"), RDF.type, URIRef("http://schema.org/NGO")) in graph


# --- named queries -------------------------------------------------------------------------------------------


def test_named_queries_by_extension_negotiation_and_parameters(server):
    csv_rows = list(csv.reader(io.StringIO(requests.get(f"{server}/queries/partners-by-goal.csv?goal=13",
                                                        timeout=30).text)))
    assert csv_rows[0][:2] == ["goal", "goalTitle"] and len(csv_rows) > 1
    assert {row[0] for row in csv_rows[1:]} == {"http://metadata.un.org/sdg/13"}
    by_accept = requests.get(f"{server}/queries/partners-by-goal?goal=13",
                             headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert len(by_accept.json()["results"]["bindings"]) == len(csv_rows) - 1
    participants = requests.get(f"{server}/queries/tent-village-participants.json", timeout=30).json()
    assert len({b["participant"]["value"] for b in participants["results"]["bindings"]}) == 30
    html = requests.get(f"{server}/queries/partners-by-goal?goal=13", headers={"Accept": "text/html"}, timeout=30)
    assert html.headers["Content-Type"].startswith("text/html") and "<table" in html.text
    listing = requests.get(f"{server}/queries", headers={"Accept": "application/json"}, timeout=30).json()
    assert any(q["name"] == "partners-by-goal" and q["parameters"][0]["kind"] == "sdg-goal" for q in listing)


@pytest.mark.parametrize("path, status", [
    ("/queries/partners-by-goal?goal=18", 400), ("/queries/partners-by-goal?goal=x", 400),
    ("/queries/partners-by-dimension?dimension=nope", 400), ("/queries/alignments-by-review-status?status=x", 400),
    ("/queries/no-such-query", 404), ("/queries/partners-by-goal.pdf", 404),
])
def test_named_query_bad_input(server, path, status):
    r = requests.get(server + path, timeout=30)
    assert r.status_code == status
    assert "Traceback" not in r.text


def test_named_query_text_parameter_cannot_change_the_query(server):
    r = requests.get(f"{server}/queries/search-partners.json", params={"text": '")) } } SELECT * { ?s ?p ?o #'},
                     timeout=30)
    assert r.status_code == 200 and r.json()["results"]["bindings"] == []
    welt = requests.get(f"{server}/queries/search-partners.json", params={"text": "WELT"}, timeout=30).json()
    assert welt["results"]["bindings"] and all("welt" in b["name"]["value"].lower()
                                               for b in welt["results"]["bindings"])
