"""Harvest the running server the way ckanext-dcat's RDF harvester does, and check the catalogue's routes.

ckanext-dcat (``DCATHarvester._get_content_and_type`` and ``DCATRDFHarvester.gather_stage``): HEAD the
URL, then GET it without an Accept header, take the parser format from ``Content-Type`` (before any
``;``), parse, collect the subjects of type ``dcat:Dataset``, then follow ``hydra:next`` of the subject
typed ``hydra:PagedCollection`` (``RDFParser.next_page``) until there is none.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from rdflib import Graph, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF

from publisher.build import build
from publisher.core.config import Config
from publisher.core.release import Release
from tests.conftest import REPO, free_port, start_server, stop_server

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SPDX = Namespace("http://spdx.org/rdf/terms#")


@pytest.fixture(scope="module")
def paged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Release]]:
    """A release whose base IRI is the loopback server itself, served with one dataset per page, so that
    every link in the catalogue (pages, datasets, downloads) can really be followed. The DCAT-AP.de 3.0
    profile, whose distributions carry SHA-256 checksums to check against the downloads."""
    port = free_port()
    config = Config.load(root=REPO, base_iri=f"http://127.0.0.1:{port}/",
                         build_dir=tmp_path_factory.mktemp("paged-builds"), catalog_profile="dcat-ap.de-3.0")
    release = build(config)
    proc, url = start_server(config, {"PUBLISHER_CATALOG_PAGE_SIZE": "1"}, port=port)
    yield url, release
    stop_server(proc)


def _harvest_page(session: requests.Session, url: str) -> Graph:
    head = session.head(url, timeout=30)
    assert head.status_code == 200
    response = session.get(url, timeout=30)  # requests sends Accept: */* — what the harvester sends
    response.raise_for_status()
    content_type = response.headers["Content-Type"].split(";", 1)[0]
    assert content_type == head.headers["Content-Type"].split(";", 1)[0]
    graph = Graph()
    graph.parse(data=response.content, format=content_type)  # ckanext-dcat passes the media type to rdflib
    return graph


def _next_page(graph: Graph) -> str | None:
    for node in graph.subjects(RDF.type, HYDRA.PagedCollection):
        for target in graph.objects(node, HYDRA.next):
            return str(target)
        for target in graph.objects(node, HYDRA.nextPage):
            return str(target)
    return None


def test_harvest_follows_hydra_next_and_finds_every_dataset_once(paged: tuple[str, Release]) -> None:
    url, release = paged
    session = requests.Session()
    session.headers.pop("Accept", None)
    seen: list[URIRef] = []
    pages = 0
    next_url: str | None = url + "/catalog"
    while next_url:
        graph = _harvest_page(session, next_url)
        pages += 1
        assert pages < 20, "paging does not end"
        datasets = list(graph.subjects(RDF.type, DCAT.Dataset))
        for dataset in datasets:
            assert graph.value(dataset, DCTERMS.title) is not None, "a dataset on a page is complete"
            assert list(graph.objects(dataset, DCAT.distribution)), dataset
        seen += datasets
        next_url = _next_page(graph)
    listed = set(Graph().parse(release.path / "catalog/catalog.nt").objects(None, DCAT.dataset))
    assert pages == len(listed) >= 3
    assert sorted(seen) == sorted(listed), "every dataset exactly once"


def _check_downloads(catalog: Graph, url: str, prefix: str) -> int:
    checked = 0
    for dist in catalog.subjects(RDF.type, DCAT.Distribution):
        download = str(catalog.value(dist, DCAT.downloadURL))
        if not download.startswith(url + prefix):
            continue
        body = requests.get(download, timeout=30).content
        assert len(body) == int(catalog.value(dist, DCAT.byteSize)), download
        checksum = catalog.value(dist, SPDX.checksum)
        assert hashlib.sha256(body).hexdigest() == str(catalog.value(checksum, SPDX.checksumValue)), download
        checked += 1
    return checked


def test_part_files_match_their_size_and_checksum(paged: tuple[str, Release]) -> None:
    url, release = paged
    catalog = Graph().parse(release.path / "catalog/catalog.nt")
    assert _check_downloads(catalog, url, "/catalog/download/") == 3


def test_dumps_match_their_size_and_checksum(paged: tuple[str, Release]) -> None:
    url, release = paged
    catalog = Graph().parse(release.path / "catalog/catalog.nt")
    assert _check_downloads(catalog, url, "/dumps/") == 4  # three RDF dumps and partners.csv


def test_catalogue_nodes_dereference(paged: tuple[str, Release]) -> None:
    url, release = paged
    catalog = Graph().parse(release.path / "catalog/catalog.nt")
    nodes = [*catalog.subjects(RDF.type, DCAT.Dataset), *catalog.subjects(RDF.type, DCAT.Distribution),
             *catalog.subjects(RDF.type, DCAT.DataService)]
    for node in nodes:
        response = requests.get(str(node), timeout=30)
        assert response.status_code == 200, node
        assert response.headers["Content-Type"].startswith("text/turtle")
        described = Graph().parse(data=response.content, format="turtle")
        assert (node, RDF.type, None) in described
        assert requests.head(str(node), timeout=30).status_code == 200
        page = requests.get(str(node), headers={"Accept": "text/html"}, timeout=30)
        assert page.headers["Content-Type"].startswith("text/html") and "<table>" in page.text


def test_the_formats_say_the_same(paged: tuple[str, Release]) -> None:
    url, _ = paged
    graphs = {}
    for media in ("text/turtle", "application/rdf+xml", "application/ld+json", "application/n-triples"):
        response = requests.get(url + "/catalog?page=2", headers={"Accept": media}, timeout=30)
        assert response.headers["Content-Type"].split(";")[0] == media
        assert "Accept" in response.headers["Vary"]
        graphs[media] = Graph().parse(data=response.content, format=media)
    turtle = graphs.pop("text/turtle")
    for media, graph in graphs.items():
        assert isomorphic(turtle, graph), media
    by_extension = requests.get(url + "/catalog.rdf?page=2", timeout=30)
    assert by_extension.headers["Content-Type"].startswith("application/rdf+xml")
    assert _next_page(Graph().parse(data=by_extension.content, format="xml")) == url + "/catalog.rdf?page=3"


def test_conditional_get(paged: tuple[str, Release]) -> None:
    url, _ = paged
    first = requests.get(url + "/catalog", timeout=30)
    assert first.headers.get("ETag")
    again = requests.get(url + "/catalog", headers={"If-None-Match": first.headers["ETag"]}, timeout=30)
    assert again.status_code == 304


@pytest.mark.parametrize(("query", "status"), [("page=abc", 400), ("page=0", 400), ("page=-1", 400),
                                               ("page=99", 404), ("page=", 400)])
def test_bad_pages_are_clear_client_errors(paged: tuple[str, Release], query: str, status: int) -> None:
    url, _ = paged
    response = requests.get(f"{url}/catalog?{query}", timeout=30)
    assert response.status_code == status
    assert "page" in response.text.lower() and "Traceback" not in response.text


def test_unknown_catalogue_resources_are_404(paged: tuple[str, Release]) -> None:
    url, _ = paged
    for path in ("/catalog/dataset/nope", "/catalog/download/nope.ttl", "/catalog/download/..%2Fstate.json",
                 "/catalog.xyz"):
        response = requests.get(url + path, timeout=30)
        assert response.status_code == 404, path
        assert "Traceback" not in response.text


def test_html_catalogue_escapes_and_pages(paged: tuple[str, Release]) -> None:
    url, _ = paged
    response = requests.get(url + "/catalog?lang=en", headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    assert 'rel="next"' in response.text and "<h1>" in response.text and 'lang="en"' in response.text


def test_links_follow_forwarded_headers_only_when_trusted(config: Config, release: Release) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "data.example.org", "X-Forwarded-Prefix": "/ib"}
    for trusted, expected in (("1", "https://data.example.org/ib/catalog?page=2"),
                              ("0", config.base_iri + "catalog?page=2")):
        proc, url = start_server(config, {"PUBLISHER_CATALOG_PAGE_SIZE": "1",
                                          "PUBLISHER_TRUST_FORWARDED_HEADERS": trusted})
        try:
            response = requests.get(url + "/catalog", headers=forwarded, timeout=30)
            assert _next_page(Graph().parse(data=response.content, format="turtle")) == expected
        finally:
            stop_server(proc)


def test_catalogue_void_and_dumps_link_each_other(paged: tuple[str, Release]) -> None:
    url, release = paged
    catalog = Graph().parse(data=requests.get(url + "/catalog?page=2", timeout=30).content, format="turtle")
    void_iri = URIRef(url + "/.well-known/void")
    assert (None, URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso"), void_iri) in catalog
    index = requests.get(url + "/dumps/index.json", timeout=30)
    assert index.status_code == 200 and index.headers["Content-Type"].startswith("application/json")
    for entry in index.json()["files"]:
        assert Path(entry["path"]).name in {p.name for p in (release.path / "dumps").iterdir()}
