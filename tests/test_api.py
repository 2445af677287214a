"""JSON for everyone: application/json on every JSON-LD document, the v1 context, paged lists, and the
plain JSON API with its OpenAPI 3.1 description (validated, every documented path called in process)."""

from __future__ import annotations

import json
import re

import pytest
from openapi_spec_validator import validate
from pyld import jsonld

from publisher.serve.web.app import create_app
from tests.conftest import TEST_BASE_IRI, context_loader

ADFC = "/id/organization/adfc"


@pytest.fixture(scope="module")
def client(release, config):
    return create_app(config).test_client()


@pytest.fixture(scope="module")
def context_doc(client) -> dict:
    return client.get("/context/v1.jsonld").get_json(force=True)


def media(response) -> str:
    return response.headers["Content-Type"].split(";")[0]


# -- application/json wherever JSON-LD is offered --------------------------------------------------------

@pytest.mark.parametrize("path", [ADFC, "/sdg/13", "/partners", "/events", "/alignments", "/search?q=Europa",
                                  "/.well-known/void", "/catalog"])
def test_application_json_gets_the_jsonld_document(client, path: str) -> None:
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 200, path
    assert media(response) == "application/json"
    doc = response.get_json()
    assert isinstance(doc, dict | list)
    ld = client.get(path, headers={"Accept": "application/ld+json"})
    assert media(ld) == "application/ld+json" and ld.get_json() == doc, "the same document"


@pytest.mark.parametrize("path", [ADFC, "/.well-known/void", "/catalog"])
def test_default_fetch_keeps_turtle(client, path: str) -> None:
    assert media(client.get(path, headers={"Accept": "*/*"})) == "text/turtle"


def test_context_binds_no_prefixes(context_doc: dict) -> None:
    ctx = context_doc["@context"]
    prefixes = {k for k, v in ctx.items() if isinstance(v, str) and v.endswith(("/", "#"))}
    assert not prefixes, f"no prefixes in v1: {prefixes}"
    assert "org" not in ctx and "al" not in ctx and "quad" not in ctx
    assert ctx["participants"]["@id"] == "http://schema.org/attendee"
    assert ctx["sdg"]["@id"] == TEST_BASE_IRI + "def/sdg"
    dumped = json.dumps(ctx)
    assert TEST_BASE_IRI + "id/" not in dumped, "nothing bound to the deployment's resource IRIs"


@pytest.mark.parametrize("path", [ADFC + ".jsonld", "/id/event/zeltdorf-2023.jsonld", "/sdg/13.jsonld",
                                  "/.well-known/void.jsonld", "/partners.jsonld", "/alignments.jsonld"])
def test_recompaction_keeps_full_iri_ids(client, context_doc: dict, path: str) -> None:
    doc = client.get(path).get_json(force=True)
    options = {"documentLoader": context_loader(context_doc)}
    compacted = jsonld.compact(jsonld.expand(doc, options), context_doc, options)
    compacted.pop("@context")
    ids = re.findall(r'"id": "([^"]*)"', json.dumps(compacted))
    assert ids
    assert all(i.startswith(("http://", "https://", "_:")) for i in ids), [i for i in ids if ":" not in i[:6]]


def test_partner_list_is_paged_and_small(client, config) -> None:
    first = client.get("/partners.jsonld")
    nodes = first.get_json(force=True)["@graph"]
    adfc = next(n for n in nodes if n["id"] == TEST_BASE_IRI + "id/organization/adfc")
    assert all(set(a) == {"id"} for a in adfc["alignments"]), "alignments by id, not embedded"
    embedded = client.get("/partners.jsonld?embed=alignments").get_json(force=True)["@graph"]
    adfc = next(n for n in embedded if n["id"] == TEST_BASE_IRI + "id/organization/adfc")
    assert all(a["alignedTo"] and a["reviewStatus"] for a in adfc["alignments"])
    assert len(first.data) < len(client.get("/partners.jsonld?embed=alignments").data) / 2
    assert client.get("/partners?page=0", headers={"Accept": "application/json"}).status_code == 400
    assert client.get("/partners.jsonld?page=99").status_code == 404


def test_alignment_list_follows_next_links(client, config) -> None:
    rows = client.get("/alignments.csv").data.decode().strip().count("\n")
    assert rows > config.list_page_size, "the shipped data has more alignments than a page"
    seen, url = [], "/alignments.jsonld"
    for _ in range(10):
        response = client.get(url)
        seen += response.get_json(force=True)["@graph"]
        found = re.search(r'<([^>]*)>; rel="next"', response.headers["Link"])
        if not found:
            break
        url = found.group(1)
    assert len(seen) == rows == len({n["id"] for n in seen})


# -- the JSON API ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def spec(client) -> dict:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and media(response) == "application/json"
    return response.get_json()


def test_openapi_document_is_valid_openapi_3_1(spec: dict) -> None:
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in schema:
        merged: dict = {"type": "object", "required": [], "properties": {}}
        for part in schema["allOf"]:
            part = _resolve(spec, part)
            merged["required"] += part.get("required", [])
            merged["properties"].update(part.get("properties", {}))
        return merged
    return schema


def check_shape(spec: dict, schema: dict, value: object, where: str) -> None:
    """The documented shape: type, required keys, and each item of an array (recursively)."""
    schema = _resolve(spec, schema)
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds] if kinds else []
    python = {"object": dict, "array": list, "string": str, "integer": int, "null": type(None)}
    if kinds:
        assert any(isinstance(value, python[k]) for k in kinds), (where, kinds, value)
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, (where, key)
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                check_shape(spec, sub, value[key], f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            check_shape(spec, schema["items"], item, f"{where}[{i}]")


def test_every_documented_path_and_example_answers_as_documented(client, spec: dict) -> None:
    assert len(spec["paths"]) >= 8
    for path, item in spec["paths"].items():
        operation = item["get"]
        url = path
        for p in operation.get("parameters", []):
            if p["in"] == "path":
                url = url.replace("{" + p["name"] + "}", str(p["example"]))
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        plain = client.get(url)
        assert plain.status_code == 200, url
        check_shape(spec, schema, plain.get_json(), url)
        for p in operation.get("parameters", []):
            if p["in"] == "query" and "example" in p:
                response = client.get(url, query_string={p["name"]: p["example"]})
                assert response.status_code == 200, (url, p["name"])
                body = response.get_json()
                check_shape(spec, schema, body, f"{url}?{p['name']}")
                if isinstance(body, list) and path.endswith(("/partners", "/events", "/alignments")):
                    assert body, f"the documented example {p['name']}={p['example']} finds something"
        assert client.get(url, query_string={"page": "0"}).status_code in (200, 400)
        if any(p["name"] == "page" for p in operation.get("parameters", [])):
            bad = client.get(url, query_string={"page": "x"})
            assert bad.status_code == 400 and "error" in bad.get_json()


def test_partner_filters_and_detail(client) -> None:
    partners = client.get("/api/v1/partners?size=500").get_json()
    assert len(partners) == 30 and all("/id/event/" not in p["id"] for p in partners)
    sdg4 = client.get("/api/v1/partners?goal=4").get_json()
    assert len(sdg4) == 7 and all(4 in p["goals"] for p in sdg4)
    ngos = client.get("/api/v1/partners?type=NGO").get_json()
    assert ngos and all("NGO" in p["types"] for p in ngos)
    adfc = client.get("/api/v1/partners/organization/adfc").get_json()
    assert adfc["name"] == "ADFC e.V." and any(g["number"] == 13 for g in adfc["goals"])
    assert [e["key"] for e in adfc["events"]] == ["event/zeltdorf-2023"]
    assert client.get("/api/v1/partners/organization/nobody").status_code == 404
    assert client.get("/api/v1/partners?goal=18").status_code == 400


def test_goals_events_and_query_rows(client) -> None:
    goals = client.get("/api/v1/goals").get_json()
    assert [g["number"] for g in goals] == list(range(1, 18))
    assert next(g for g in goals if g["number"] == 4)["partnerCount"] == 7
    events = client.get("/api/v1/events?year=2023").get_json()
    # The seed dates the tent village (7 May 2023), not the festival, so only the village has a year.
    assert {e["key"] for e in events} == {"event/zeltdorf-2023"}
    rows = client.get("/api/v1/queries/partners-by-goal?goal=4").get_json()
    assert len(rows) == 7 and set(rows[0]) >= {"partner", "name", "reviewStatus"}
    assert isinstance(rows[0]["name"], str), "rows are plain values, not SPARQL JSON bindings"
    assert client.get("/api/v1/queries/partners-by-goal?goal=99").status_code == 400


def test_paging_etag_and_cors(client) -> None:
    first = client.get("/api/v1/partners?size=10")
    assert len(first.get_json()) == 10 and first.headers["X-Total-Count"] == "30"
    assert 'rel="next"' in first.headers["Link"] and "page=2" in first.headers["Link"]
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    again = client.get("/api/v1/partners?size=10", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    other = client.get("/api/v1/partners?size=10&page=2")
    assert other.headers["ETag"] != first.headers["ETag"]
    assert client.get("/api/v1/partners?size=100000").status_code == 400


def test_api_page_documents_in_german_and_english(client) -> None:
    html = client.get("/api", headers={"Accept": "text/html"}).data.decode()
    assert 'lang="de"' in html and 'lang="en"' in html and "/api/openapi.json" in html
    assert "/api/v1/partners" in html
    assert not re.search(r'(src|href)="https?://(?!ld\.example\.test)', html), "no CDN"


@pytest.mark.parametrize("path", ["/sdg/13", "/sdg/13.1"])
def test_documents_about_foreign_iris_state_their_primary_topic(client, path: str) -> None:
    from rdflib import Graph, URIRef
    from rdflib.namespace import FOAF

    turtle = client.get(path, headers={"Accept": "text/turtle"}).data.decode()
    g = Graph().parse(data=turtle, format="turtle")
    document, topic = URIRef(TEST_BASE_IRI + path.lstrip("/")), URIRef("http://metadata.un.org" + path)
    assert (document, FOAF.primaryTopic, topic) in g
    own = client.get(ADFC, headers={"Accept": "text/turtle"}).data.decode()
    assert "primaryTopic" not in own, "our own IRIs are their own documents' subjects already"
