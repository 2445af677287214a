"""The served catalogue against the official shapes, per ``catalog_profile``: DCAT-AP.de 2.0 (Spezifikation +
Konventionen, what GovData's harvester implements) and DCAT-AP 3.0.1 / DCAT-AP.de 3.0.

The catalogue is fetched the way a harvester gets it (no Accept header, parser by Content-Type): the
2.0 one (the default profile) from the running server, the 3.0 one from the app of a second build with
``catalog_profile = "dcat-ap.de-3.0"``. Validated with pyshacl; zero violations is the bar; warnings
are listed in the README with their reasons.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, RDF

SH = Namespace("http://www.w3.org/ns/shacl#")


def _fetch(url: str) -> Graph:
    response = requests.get(url, timeout=30)
    assert response.status_code == 200, response.text
    graph = Graph()
    graph.parse(data=response.content, format=response.headers["Content-Type"].split(";")[0])
    return graph


#: A contributor ID from the DCAT-AP.de list (vocabularies/dcat-ap-de-contributors.rdf), as a deployment that
#: delivers through Open.NRW would configure it. Only a test setting: Dortmund has no ID of its own in the list.
CONTRIBUTOR = "http://dcat-ap.de/def/contributors/openNRW"


@pytest.fixture(scope="module")
def served_catalog(server: str) -> Graph:
    """The default profile's catalogue (DCAT-AP.de 2.0, no contributor ID configured)."""
    graph = _fetch(server + "/catalog")
    assert len(set(graph.subjects(RDF.type, DCAT.Dataset))) >= 4, "the whole catalogue fits on one default page"
    return graph


def _built_catalog(config, tmp_path_factory, **settings) -> Graph:
    from dataclasses import replace

    from publisher.build import build
    from publisher.serve.web.app import create_app

    other = replace(config, build_dir=tmp_path_factory.mktemp("catalog-profile"), **settings)
    build(other)
    response = create_app(other).test_client().get("/catalog")
    assert response.status_code == 200
    return Graph().parse(data=response.data, format=response.headers["Content-Type"].split(";")[0])


@pytest.fixture(scope="module")
def catalog_3(release, config, tmp_path_factory) -> Graph:
    return _built_catalog(config, tmp_path_factory, catalog_profile="dcat-ap.de-3.0")


@pytest.fixture(scope="module")
def catalog_2(release, config, tmp_path_factory) -> Graph:
    """DCAT-AP.de 2.0 with a contributor ID from the list configured (K12/13 needs one)."""
    return _built_catalog(config, tmp_path_factory, catalog_profile="dcat-ap.de-2.0",
                          catalog_contributor_id=CONTRIBUTOR)


def _shapes_2_0(shared_dir: Path) -> tuple[Graph, Graph]:
    """DCAT-AP.de 2.0: Spezifikation (the 2.1.1 fork, the German additions and messages, deprecations) and
    Konventionen; the contributor and licence lists as the ontology graph (the imports file needs the network)."""
    de = shared_dir / "standards/dcat-ap-de"
    files = sorted(p for p in (de / "2.0/shacl").glob("*.ttl") if p.name != "dcat-ap-de-imports.ttl")
    assert len(files) == 5 and any(p.name == "dcat-ap-konventionen.ttl" for p in files)
    ontology = _shapes([de / "vocabularies/dcat-ap-de-licenses-open.rdf",
                        de / "vocabularies/dcat-ap-de-contributors.rdf"])
    return _shapes(files), ontology


def test_dcat_ap_de_2_0(catalog_2: Graph, shared_dir: Path) -> None:
    shapes, ontology = _shapes_2_0(shared_dir)
    assert _violations(catalog_2, shapes, ontology) == []


def test_dcat_ap_de_2_0_without_contributor_id_misses_only_k12(served_catalog: Graph, shared_dir: Path) -> None:
    """The default (no ID configured, none invented): the only violations are K12/13, one per dataset."""
    shapes, ontology = _shapes_2_0(shared_dir)
    violations = _violations(served_catalog, shapes, ontology)
    assert violations and all("contributorID" in v for v in violations)
    assert len(violations) == len(set(served_catalog.subjects(RDF.type, DCAT.Dataset)))


def test_profiles_differ_where_the_specifications_do(served_catalog: Graph, catalog_3: Graph) -> None:
    from rdflib.namespace import XSD

    geocoding = URIRef("http://dcat-ap.de/def/dcatde/politicalGeocodingURI")
    dortmund = URIRef("http://dcat-ap.de/def/politicalGeocoding/municipalityKey/05913000")
    datasets_2 = set(served_catalog.subjects(RDF.type, DCAT.Dataset))
    assert all((d, geocoding, dortmund) in served_catalog for d in datasets_2), "2.0: the harvester reads it"
    assert not list(catalog_3.triples((None, geocoding, None))), "deprecated in 3.0"
    assert {o.datatype for o in served_catalog.objects(None, DCAT.byteSize)} == {XSD.decimal}
    assert {o.datatype for o in catalog_3.objects(None, DCAT.byteSize)} == {XSD.nonNegativeInteger}
    for graph in (served_catalog, catalog_3):
        datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
        records = set(graph.subjects(RDF.type, DCAT.CatalogRecord))
        foaf_topic = URIRef("http://xmlns.com/foaf/0.1/primaryTopic")
        assert {graph.value(r, foaf_topic) for r in records} == datasets, "a record per dataset"
        pages = [graph.value(d, DCAT.landingPage) for d in datasets]
        assert len(set(pages)) == len(datasets), "a landing page per dataset"


def _shapes(paths: list[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path)
    return graph


def _violations(data: Graph, shapes: Graph, ontology: Graph | None = None) -> list[str]:
    _, results, _ = validate(data, shacl_graph=shapes, ont_graph=ontology, inference="none", advanced=True,
                             allow_warnings=True)
    out = []
    for result in results.subjects(SH.resultSeverity, SH.Violation):
        if (None, SH.result, result) not in results:  # nested details of a top-level result
            continue
        out.append(f"{results.value(result, SH.focusNode)} {results.value(result, SH.resultPath)}: "
                   f"{results.value(result, SH.resultMessage)}")
    return out


def test_dcat_ap_3_0_1(catalog_3: Graph, shared_dir: Path) -> None:
    """SEMIC DCAT-AP 3.0.1, the modular shapes (the single-file template of 3.0.1 references two property
    shapes it does not define, which pyshacl rejects; the modular set is complete). The imports files
    need the network and are left out."""
    folder = shared_dir / "standards/dcat-ap/3.0.1/shacl-modular"
    shapes = _shapes([folder / name for name in ("shapes.ttl", "range.ttl", "mdr-vocabularies.shape.ttl",
                                                 "shapes_recommended.ttl", "deprecateduris.ttl")])
    # Upstream defect, removed here and only here: the 3.0.1 vocabulary shapes require the checksum
    # algorithm IRI to start with "https://spdx.org/rdf/terms", but the SPDX namespace (and the value
    # DCAT-AP 3.0.0 and DCAT-AP.de use) is http://spdx.org/rdf/terms#.
    defect = (None, SH.pattern, Literal("^https://spdx.org/rdf/terms"))
    assert len(list(shapes.triples(defect))) == 1, "the upstream defect moved: re-check this test"
    shapes.remove(defect)
    assert _violations(catalog_3, shapes) == []


def test_dcat_ap_de_3_0(catalog_3: Graph, shared_dir: Path) -> None:
    """DCAT-AP.de 3.0 as GovData's validator loads it: the SEMIC 3.0.0 shapes with the German overlay and
    additions. The imports file needs the network; the vocabularies it imports that are on disk (the
    licence and contributor lists) are given to pyshacl as the ontology graph instead."""
    de = shared_dir / "standards/dcat-ap-de"
    files = [shared_dir / "standards/dcat-ap/3.0.0/shacl/dcat-ap-SHACL.ttl"]
    files += sorted(p for p in (de / "3.0/shacl").glob("*.ttl") if p.name != "dcat-ap-de-imports.ttl")
    assert len(files) == 5
    ontology = _shapes([de / "vocabularies/dcat-ap-de-licenses-open.rdf",
                        de / "vocabularies/dcat-ap-de-contributors.rdf"])
    assert _violations(catalog_3, _shapes(files), ontology) == []


def test_the_licence_is_one_of_govdatas_open_licences(served_catalog: Graph, shared_dir: Path) -> None:
    """A distribution whose licence GovData does not know as open is shown as "closed"."""
    licences = Graph().parse(shared_dir / "standards/dcat-ap-de/vocabularies/dcat-ap-de-licenses-open.rdf")
    is_open = URIRef("http://govdata.de/mqa/#isOpenLicense")
    used = set(served_catalog.objects(None, URIRef("http://purl.org/dc/terms/license")))
    assert used
    for licence in used:
        # The list writes the datatype as the unexpanded string "xsd:boolean", so compare the lexical form.
        assert str(licences.value(licence, is_open)) == "true", licence


def test_a_deliberately_broken_catalogue_is_caught(served_catalog: Graph, shared_dir: Path) -> None:
    """The validation above can fail: drop the publisher of one dataset and DCAT-AP.de reports it."""
    broken = Graph()
    broken += served_catalog
    dataset = next(served_catalog.subjects(RDF.type, DCAT.Dataset))
    broken.remove((dataset, URIRef("http://purl.org/dc/terms/publisher"), None))
    files = [shared_dir / "standards/dcat-ap/3.0.0/shacl/dcat-ap-SHACL.ttl",
             shared_dir / "standards/dcat-ap-de/3.0/shacl/dcat-ap-spec-german-additions.ttl"]
    assert any("publisher" in v for v in _violations(broken, _shapes(files)))


def test_default_profile_formats_say_the_same(server: str) -> None:
    """2.0's xsd:decimal sizes are one literal in Turtle, RDF/XML, JSON-LD and N-Triples."""
    from rdflib.compare import isomorphic

    graphs = []
    for media in ("text/turtle", "application/rdf+xml", "application/ld+json", "application/n-triples"):
        response = requests.get(server + "/catalog", headers={"Accept": media}, timeout=30)
        graphs.append(Graph().parse(data=response.content, format=media))
    assert all(isomorphic(graphs[0], other) for other in graphs[1:])
