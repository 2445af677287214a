"""Linked Data over HTTP (issue 3), answered by the app in process (``tests.inprocess``): negotiation
and header cases need no server process. The real server's behaviour is covered by the suites that
need processes (caching across processes, release switch, SPARQL workers, browser).

The app's base IRI (https://ld.example.test/ib/) differs from the host it is asked on, so every
check that a request path maps to the canonical IRI is real.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
from urllib.parse import quote

import pytest
import requests
from pyld import jsonld
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from tests.conftest import TEST_BASE_IRI, context_loader
from tests.inprocess import HTTP

ADFC = "/id/organization/adfc"
ADFC_IRI = TEST_BASE_IRI + "id/organization/adfc"
SCHEMA = Namespace("http://schema.org/")
VOID = Namespace("http://rdfs.org/ns/void#")
IB = Namespace(TEST_BASE_IRI + "def/")
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
MEDIA = {"ttl": "text/turtle", "jsonld": "application/ld+json", "nt": "application/n-triples",
         "rdf": "application/rdf+xml", "html": "text/html"}
RDFLIB_FORMAT = {"ttl": "turtle", "nt": "nt", "rdf": "xml"}


@pytest.fixture(scope="module")
def server(in_process: str) -> str:
    return in_process


def get(server: str, path: str, accept: str | None = None, **headers) -> requests.Response:
    if accept is not None:
        headers["Accept"] = accept
    return HTTP.get(server + path, headers=headers, timeout=30)


def media_type(response: requests.Response) -> str:
    return response.headers["Content-Type"].split(";")[0].strip()


def local_path(iri: str) -> str:
    if iri.startswith(TEST_BASE_IRI):
        return "/" + iri[len(TEST_BASE_IRI):]
    assert iri.startswith("http://metadata.un.org/sdg"), iri
    return "/sdg" + iri[len("http://metadata.un.org/sdg"):]


def ext_path(path: str, ext: str) -> str:
    return (path + "index" if path.endswith("/") else path) + "." + ext


@pytest.fixture(scope="module")
def context_doc(server: str) -> dict:
    response = get(server, "/context/v1.jsonld")
    assert response.status_code == 200 and media_type(response) == "application/ld+json"
    return response.json()


@pytest.fixture(scope="module")
def loader(context_doc: dict):
    return context_loader(context_doc)


def parse_jsonld(doc: dict, context_doc: dict) -> Graph:
    """rdflib over the document with the fetched context inlined (rdflib would otherwise fetch it)."""
    inline = dict(doc)
    inline["@context"] = context_doc["@context"]
    return Graph().parse(data=json.dumps(inline), format="json-ld")


# -- negotiation -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("ext", ["ttl", "jsonld", "nt", "rdf", "html"])
def test_each_format_by_accept_and_by_extension(server: str, ext: str) -> None:
    by_accept = get(server, ADFC, MEDIA[ext])
    assert by_accept.status_code == 200 and media_type(by_accept) == MEDIA[ext]
    assert by_accept.headers["Content-Location"] == ext_path(ADFC, ext)
    by_ext = get(server, ext_path(ADFC, ext), accept="text/turtle" if ext != "ttl" else "text/html")
    assert by_ext.status_code == 200 and media_type(by_ext) == MEDIA[ext], "an extension always wins"
    assert by_accept.content == by_ext.content
    if ext in RDFLIB_FORMAT:
        g = Graph().parse(data=by_accept.text, format=RDFLIB_FORMAT[ext])
        assert (URIRef(ADFC_IRI), SCHEMA.name, Literal("ADFC e.V.", lang="de")) in g


@pytest.mark.parametrize(("accept", "expected"), [
    (None, "text/turtle"),
    ("*/*", "text/turtle"),
    ("", "text/turtle"),
    (BROWSER_ACCEPT, "text/html"),
    ("application/ld+json;q=0.5, text/turtle;q=0.4", "application/ld+json"),
    ("text/turtle;q=0.2, application/n-triples;q=0.9, */*;q=0.1", "application/n-triples"),
    ("application/rdf+xml, text/html;q=0.9", "application/rdf+xml"),
    ("text/*;q=0.5, application/ld+json;q=0.6", "application/ld+json"),
    ("text/html;q=0, */*;q=0.5", "text/turtle"),
    ("application/x-turtle", "text/turtle"),
    ("application/xhtml+xml", "text/html"),
])
def test_accept_q_values(server: str, accept: str | None, expected: str) -> None:
    headers = {} if accept is None else {"Accept": accept}
    response = HTTP.get(server + ADFC, headers=headers, timeout=30)
    assert response.status_code == 200
    assert media_type(response) == expected


def test_nothing_acceptable_is_406_with_the_offers(server: str) -> None:
    response = get(server, ADFC, "image/png")
    assert response.status_code == 406
    for offered in MEDIA.values():
        assert offered in response.text
    assert "Accept" in response.headers["Vary"]


def test_request_path_maps_to_the_canonical_iri(server: str) -> None:
    g = Graph().parse(data=get(server, ADFC + ".ttl").text, format="turtle")
    assert (URIRef(ADFC_IRI), None, None) in g
    assert not any(str(s).startswith("http://127.0.0.1") for s in g.subjects())


def test_vary_link_content_location(server: str) -> None:
    response = get(server, ADFC, "application/ld+json")
    assert "Accept" in response.headers["Vary"]
    link = response.headers["Link"]
    for ext in ("ttl", "nt", "rdf", "html"):
        assert f'<{ext_path(ADFC, ext)}>; rel="alternate"; type="{MEDIA[ext]}"' in link
    assert 'type="application/ld+json"' not in link, "the alternates are the other formats"
    html = get(server, ADFC, BROWSER_ACCEPT)
    assert "Accept-Language" in html.headers["Vary"]


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_etag_last_modified_and_304(server: str, encoding: str) -> None:
    first = get(server, ADFC, "text/turtle", **{"Accept-Encoding": encoding})
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('W/"') == (encoding == "gzip"), "gzip makes the tag weak, identity keeps it strong"
    again = get(server, ADFC, "text/turtle", **{"If-None-Match": etag, "Accept-Encoding": encoding})
    assert again.status_code == 304 and again.content == b""
    since = get(server, ADFC, "text/turtle", **{"If-Modified-Since": modified})
    assert since.status_code == 304
    other_format = get(server, ADFC, "application/ld+json", **{"If-None-Match": etag})
    assert other_format.status_code == 200, "each format has its own tag"


def test_etags_differ_by_language(server: str) -> None:
    de = get(server, ADFC + ".html")
    en = get(server, ADFC + ".html?lang=en")
    assert de.headers["ETag"] != en.headers["ETag"]


def test_head_matches_get(server: str) -> None:
    got = get(server, ADFC, "application/ld+json", **{"Accept-Encoding": "identity"})
    head = HTTP.head(server + ADFC, headers={"Accept": "application/ld+json", "Accept-Encoding": "identity"},
                         timeout=30)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Type"] == got.headers["Content-Type"]
    assert head.headers["ETag"] == got.headers["ETag"]
    assert int(head.headers["Content-Length"]) == len(got.content)


def test_gzip_when_accepted(server: str) -> None:
    raw = HTTP.get(server + "/id/event/zeltdorf-2023.ttl", headers={"Accept-Encoding": "gzip"}, timeout=30,
                       stream=True)
    assert raw.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in raw.headers["Vary"]
    body = gzip.decompress(raw.raw.read())
    plain = get(server, "/id/event/zeltdorf-2023.ttl", **{"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert body == plain.content


def test_cors_allows_any_origin_without_credentials(server: str) -> None:
    response = get(server, ADFC, "text/turtle", Origin="https://example.org")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize(("accept", "ext", "expected"), [
    ("text/turtle", None, "text/turtle"), ("application/ld+json", None, "application/ld+json"),
    ("application/n-triples", None, "application/n-triples"), ("application/rdf+xml", None, "application/rdf+xml"),
    (BROWSER_ACCEPT, None, "text/html"), (None, "ttl", "text/turtle"), (None, "jsonld", "application/ld+json"),
    (None, "rdf", "application/rdf+xml"), (None, "html", "text/html"),
])
def test_unknown_resource_is_404_in_the_asked_format(server: str, accept, ext, expected) -> None:
    path = "/id/organization/does-not-exist" + (f".{ext}" if ext else "")
    response = get(server, path, accept)
    assert response.status_code == 404
    assert media_type(response) == expected
    if expected in ("text/turtle", "application/n-triples"):
        assert len(Graph().parse(data=response.text, format="turtle")) == 0
    if expected == "application/rdf+xml":
        assert len(Graph().parse(data=response.text, format="xml")) == 0
    if expected == "application/ld+json":
        assert response.json()["error"]["status"] == 404
    if expected == "text/html":
        assert "<h1>404" in response.text and 'lang="de"' in response.text


@pytest.mark.parametrize("path", ["/id/%3Cscript%3E", "/id/a%20b", "/id/x%7D%20UNION%20%7B", "/id/%22", "/sdg/99",
                                  "/id/organization/adfc.exe", "/id/" + "x" * 3000])
def test_bad_paths_are_clear_4xx(server: str, path: str) -> None:
    response = get(server, path, "text/turtle")
    assert response.status_code == 404
    assert "Traceback" not in response.text


def test_search_rejects_overlong_text(server: str) -> None:
    response = get(server, "/search?q=" + "a" * 201, BROWSER_ACCEPT)
    assert response.status_code == 400


# -- descriptions ------------------------------------------------------------------------------------------

def test_description_has_links_labels_and_incoming(server: str) -> None:
    g = Graph().parse(data=get(server, ADFC + ".ttl").text, format="turtle")
    goal = URIRef("http://metadata.un.org/sdg/13")
    event = URIRef(TEST_BASE_IRI + "id/event/zeltdorf-2023")
    assert (URIRef(ADFC_IRI), IB.sdg, goal) in g
    assert (goal, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"), Literal("Climate action", lang="en")) in g
    assert (event, SCHEMA.attendee, URIRef(ADFC_IRI)) in g, "incoming: the event the partner took part in"
    assert (event, SCHEMA.name, None) in g, "labels of the resources linking here"


def test_goal_lists_its_partners(server: str) -> None:
    doc = get(server, "/sdg/13", "application/ld+json").json()
    assert doc["id"] == "http://metadata.un.org/sdg/13"
    partners = {p["id"] for p in doc["partners"]}
    assert ADFC_IRI in partners
    assert all("name" in p for p in doc["partners"]), "partners carry their names"


@pytest.mark.parametrize("path", ["/def/", "/def/quadrangle", "/def/quadrangle/oekologie", "/def/task",
                                  "/def/review-status", "/def/Alignment", "/def/sdg", "/sdg", "/sdg/13", "/sdg/11.2"])
def test_ontology_schemes_and_goals_dereference(server: str, path: str) -> None:
    for accept in ("text/turtle", BROWSER_ACCEPT):
        assert get(server, path, accept).status_code == 200, (path, accept)


def test_jsonld_uses_short_stable_keys(server: str, context_doc: dict) -> None:
    doc = get(server, ADFC + ".jsonld").json()
    assert doc["@context"] == TEST_BASE_IRI + "context/v1.jsonld"
    assert doc["name"] == {"de": "ADFC e.V."}
    assert {s["id"] for s in doc["sdg"]} >= {"http://metadata.un.org/sdg/13"}
    assert doc["participatedIn"][0]["id"] == TEST_BASE_IRI + "id/event/zeltdorf-2023"
    event = get(server, "/id/event/zeltdorf-2023.jsonld").json()
    assert len(event["participants"]) == 30
    ctx = context_doc["@context"]
    assert ctx["participants"]["@id"] == str(SCHEMA.attendee) and ctx["sdg"]["@id"] == str(IB.sdg)
    assert "@import" not in json.dumps(ctx), "the context never pulls in another one"


def every_described_iri(release) -> list[str]:
    g = Graph().parse(data=gzip.decompress((release.path / "dumps" / "dataset.nt.gz").read_bytes()).decode(),
                      format="nt")
    return sorted({str(s) for s in g.subjects() if isinstance(s, URIRef)})


def test_every_resource_jsonld_and_turtle_are_isomorphic(server: str, release, loader, context_doc) -> None:
    """For every described resource: Turtle ≅ JSON-LD via rdflib ≅ JSON-LD via pyld (no remote fetch)."""
    iris = every_described_iri(release)
    assert len(iris) > 300
    session = HTTP
    for iri in iris:
        path = quote(local_path(iri))
        ttl = session.get(server + ext_path(path, "ttl"), timeout=30)
        doc = session.get(server + ext_path(path, "jsonld"), timeout=30)
        assert ttl.status_code == 200 and doc.status_code == 200, iri
        turtle = Graph().parse(data=ttl.text, format="turtle")
        assert (URIRef(iri), None, None) in turtle
        by_rdflib = parse_jsonld(doc.json(), context_doc)
        nquads = jsonld.to_rdf(doc.json(), {"documentLoader": loader, "format": "application/n-quads"})
        by_pyld = Graph().parse(data=nquads, format="nt")
        assert isomorphic(turtle, by_rdflib), f"rdflib: JSON-LD of {iri} differs from its Turtle"
        assert isomorphic(turtle, by_pyld), f"pyld: JSON-LD of {iri} differs from its Turtle"


# -- lists, dumps, discovery ------------------------------------------------------------------------------

def test_partner_list_as_csv_and_framed_jsonld(server: str, loader) -> None:
    response = get(server, "/partners", "text/csv")
    assert media_type(response) == "text/csv" and response.headers["Content-Location"] == "/partners.csv"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == ["id", "name", "type", "url", "goals", "dimensions"]
    assert len(rows) == 30
    adfc = next(r for r in rows if r["id"] == ADFC_IRI)
    assert adfc["name"] == "ADFC e.V." and "13" in adfc["goals"].split("; ") and adfc["type"] == "NGO"
    doc = get(server, "/partners.jsonld?embed=alignments").json()
    assert len(doc["@graph"]) == 30
    node = next(n for n in doc["@graph"] if n["id"] == ADFC_IRI)
    assert all(a["alignedTo"] and a["reviewStatus"] for a in node["alignments"]), "alignments are embedded"
    expanded = jsonld.expand(doc, {"documentLoader": loader})
    assert len(expanded) >= 30


@pytest.mark.parametrize("kind", ["events", "alignments"])
def test_other_lists(server: str, kind: str) -> None:
    rows = list(csv.DictReader(io.StringIO(get(server, f"/{kind}.csv").text)))
    assert rows and all(r["id"].startswith(TEST_BASE_IRI) for r in rows)
    assert get(server, f"/{kind}", BROWSER_ACCEPT).status_code == 200
    nodes, url = [], f"/{kind}.jsonld"
    for _ in range(10):  # the JSON-LD lists are paged: follow rel=next
        response = get(server, url)
        nodes += response.json()["@graph"]
        if "next" not in response.links:
            break
        url = response.links["next"]["url"]
    assert len(nodes) == len(rows)


@pytest.mark.parametrize(("name", "fmt"), [("dataset.ttl.gz", "turtle"), ("dataset.nt.gz", "nt"),
                                           ("dataset.jsonld.gz", "json-ld")])
def test_dumps(server: str, release, context_doc, name: str, fmt: str) -> None:
    response = HTTP.get(server + f"/dumps/{name}", headers={"Accept-Encoding": "identity"}, timeout=60)
    assert response.status_code == 200 and media_type(response) == "application/gzip"
    index = {e["file"]: e for e in json.loads((release.path / "dumps" / "index.json").read_text())["files"]}
    assert hashlib.sha256(response.content).hexdigest() == index[name]["sha256"]
    assert len(response.content) == index[name]["byte_size"]
    data = gzip.decompress(response.content)
    if fmt == "json-ld":
        g = parse_jsonld(json.loads(data), context_doc)
    else:
        g = Graph().parse(data=data.decode(), format=fmt)
    assert len(g) == release.manifest["triples"]


def test_partners_csv_dump(server: str) -> None:
    response = get(server, "/dumps/partners.csv")
    assert media_type(response) == "text/csv"
    assert response.text.splitlines()[0] == "id,name,type,url,goals,dimensions"


def test_void(server: str, release) -> None:
    response = get(server, "/.well-known/void")
    assert media_type(response) == "text/turtle"
    g = Graph().parse(data=response.text, format="turtle")
    ds = next(g.subjects(VOID.triples, None))
    assert int(g.value(ds, VOID.triples)) == release.manifest["triples"]
    assert g.value(ds, VOID.sparqlEndpoint) == URIRef(TEST_BASE_IRI + "sparql")
    assert URIRef(TEST_BASE_IRI + "dumps/dataset.nt.gz") in set(g.objects(ds, VOID.dataDump))
    assert (ds, URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso"), URIRef(TEST_BASE_IRI + "catalog")) in g
    assert (ds, URIRef("http://purl.org/dc/terms/license"), None) in g
    assert URIRef("http://schema.org/") in set(g.objects(ds, VOID.vocabulary))
    assert len(set(g.objects(ds, VOID.classPartition))) == len(release.manifest["classes"])
    assert get(server, "/.well-known/void", BROWSER_ACCEPT).status_code == 200


def test_sitemap_and_robots(server: str) -> None:
    # Public URLs come from base_iri (issue 9), never from the Host the request named.
    sitemap = get(server, "/sitemap.xml")
    locations = re.findall(r"<loc>([^<]+)</loc>", sitemap.text)
    assert ADFC_IRI in locations and TEST_BASE_IRI + "partners" in locations
    assert TEST_BASE_IRI + "network" in locations, "the network picture is a page people land on"
    robots = get(server, "/robots.txt").text
    assert f"Sitemap: {TEST_BASE_IRI}sitemap.xml" in robots


def test_home_page_overview_is_accessible_svg(server: str) -> None:
    html = get(server, "/", BROWSER_ACCEPT).text
    svg = re.search(r"<svg id=\"sdg-overview\".*?</svg>", html, re.S).group(0)
    # A picture with links (one per partner): a labelled group, not role="img" (issue 11).
    assert 'role="group"' in svg and "<title" in svg and "<desc" in svg
    assert svg.count('class="cell"') >= 60, "every partner serves at least one goal and one dimension"
    assert "<script" not in html.replace('<script type="application/ld+json">', ""), "no scripts on the home page"


def test_english_by_accept_language_and_query(server: str) -> None:
    assert '<html lang="de">' in get(server, ADFC, BROWSER_ACCEPT).text
    assert '<html lang="en">' in get(server, ADFC, BROWSER_ACCEPT, **{"Accept-Language": "en-GB,en;q=0.9"}).text
    page = get(server, ADFC + "?lang=en", BROWSER_ACCEPT).text
    assert '<html lang="en">' in page and "Took part in" in page
    assert 'lang="de">ADFC e.V.</h1>' in page, "a German name on an English page is marked"


def test_page_embeds_schema_org_and_links_formats_and_sparql(server: str) -> None:
    html = get(server, ADFC + ".html").text
    embedded = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert embedded["@type"] == "NGO" and embedded["@id"] == ADFC_IRI
    assert embedded["@context"] == {"@vocab": "http://schema.org/"}, "no context to fetch"
    assert f'href="{ADFC}.jsonld"' in html and "/sparql?query=DESCRIBE" in html
    assert 'href="/sdg/13"' in html and "#3F7E44" in html, "SDG badge in the goal's colour"
