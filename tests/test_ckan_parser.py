"""Harvest the served catalogue with ckanext-dcat's own parser (PyPI ``ckanext-dcat``, ``RDFParser``).

Each catalogue profile is built, served on loopback and read by ``tests/ckan_parse.py`` in the separate
CKAN venv (``.cache/ckan-venv``; CKAN's Flask/werkzeug pins clash with the project's): DCAT-AP.de 2.0
with ``euro_dcat_ap_2``, DCAT-AP.de 3.0 with ``euro_dcat_ap_3``. GovData's ``dcatde`` profile
(ckanext-dcatde) is not on PyPI, so its one extra reading, ``dcatde:politicalGeocodingURI``, is checked
on the parser's graph. The licence register is the portal's choice (``licenses_group_url``); here it is
the official DCAT-AP.de licence list from ``../shared``, as on a German portal — with CKAN's default
register no DCAT-AP.de licence has an id (``license_id ''``).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DC, DCAT, DCTERMS, RDF, SKOS

from publisher.build import build
from publisher.build.catalog import vocab
from publisher.core.config import Config
from publisher.core.release import Release
from tests.conftest import REPO, REQUIRE_SHARED, free_port, start_server, stop_server

CKAN_VENV = REPO / ".cache" / "ckan-venv"
CKAN_PYTHON = CKAN_VENV / "bin" / "python"
# Written by tools/install-test-dependencies.sh when the CKAN venv cannot be installed: the reason.
CKAN_FAILED = REPO / ".cache" / "ckan-venv.failed"
SCRIPT = Path(__file__).with_name("ckan_parse.py")
LICENCE_LIST = "standards/dcat-ap-de/vocabularies/dcat-ap-de-licenses-open.rdf"
REQUIRE_TOOLS = REQUIRE_SHARED or os.environ.get("CI", "").lower() in {"1", "true", "yes"}

PROFILES = {"dcat-ap.de-2.0": "euro_dcat_ap_2", "dcat-ap.de-3.0": "euro_dcat_ap_3"}


@pytest.fixture(scope="session")
def ckan_python() -> Path:
    """The CKAN venv's Python, able to import ckanext-dcat's parser; skipped with the reason where the
    install failed, failed instead under CI or ``PUBLISHER_REQUIRE_SHARED``."""
    reason = None
    if not CKAN_PYTHON.exists():
        reason = f"{CKAN_VENV} is missing: run tools/install-test-dependencies.sh"
        if CKAN_FAILED.exists():
            reason += f" (it failed: {CKAN_FAILED.read_text(encoding='utf-8').strip()})"
    else:
        probe = subprocess.run([str(CKAN_PYTHON), "-c", "import ckanext.dcat.processors"],
                               capture_output=True, text=True, timeout=120)
        if probe.returncode:
            reason = f"ckanext-dcat does not import in {CKAN_VENV}: {probe.stderr.strip()[-2000:]}"
    if reason:
        if REQUIRE_TOOLS:
            pytest.fail(reason + " (CI/PUBLISHER_REQUIRE_SHARED is set)")
        pytest.skip(reason)
    return CKAN_PYTHON


@pytest.fixture(scope="session")
def licence_register(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A CKAN licence register (``licenses_group_url`` JSON) made from the official DCAT-AP.de licence
    list: id = ``dc:identifier``, title = ``skos:prefLabel``, url = the concept's IRI."""
    source = Graph().parse(shared_dir / LICENCE_LIST, format="xml")
    licences = []
    for concept in source.subjects(RDF.type, SKOS.Concept):
        identifier = source.value(concept, DC.identifier)
        if identifier is None:
            continue
        titles = [label for label in source.objects(concept, SKOS.prefLabel) if label.language == "de"]
        licences.append({"id": str(identifier), "url": str(concept), "title": str(min(titles, default=identifier))})
    path = tmp_path_factory.mktemp("ckan") / "licenses.json"
    path.write_text(json.dumps(licences), encoding="utf-8")
    return path, {entry["url"]: entry["id"] for entry in licences}


@pytest.fixture(scope="module", params=sorted(PROFILES))
def harvested(request: pytest.FixtureRequest, ckan_python: Path, licence_register: tuple[Path, dict[str, str]],
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Config, Graph, dict]]:
    """One profile's catalogue, built and served (two datasets a page, so the parser must follow
    ``hydra:next``), harvested by ckanext-dcat's parser with the matching profile."""
    profile = request.param
    port = free_port()
    config = Config.load(root=REPO, base_iri=f"http://127.0.0.1:{port}/",
                         build_dir=tmp_path_factory.mktemp("ckan-builds"), catalog_profile=profile)
    release = build(config)
    proc, url = start_server(config, {"PUBLISHER_CATALOG_PAGE_SIZE": "2"}, port=port)
    try:
        runs = [subprocess.run([str(ckan_python), str(SCRIPT), url + "/catalog", PROFILES[profile], *register],
                               capture_output=True, text=True, timeout=300)
                for register in ([str(licence_register[0])], [])]
    finally:
        stop_server(proc)
    for run in runs:
        assert run.returncode == 0, run.stderr[-4000:]
    catalog = Graph().parse(release.path / "catalog/catalog.nt")
    result = json.loads(runs[0].stdout)
    result["default_register"] = json.loads(runs[1].stdout)["datasets"]
    yield profile, config, catalog, result


def _extras(dataset: dict) -> dict[str, str]:
    return {extra["key"]: extra["value"] for extra in dataset.get("extras", [])}


def _by_uri(result: dict) -> dict[str, dict]:
    return {_extras(dataset)["uri"]: dataset for dataset in result["datasets"]}


def test_every_dataset_is_found_once_with_its_title(harvested: tuple[str, Config, Graph, dict]) -> None:
    _, _, catalog, result = harvested
    listed = {str(d) for d in catalog.objects(None, DCAT.dataset)}
    found = [_extras(dataset)["uri"] for dataset in result["datasets"]]
    assert len(listed) >= 3 and result["pages"] >= 2
    assert sorted(found) == sorted(listed), "every dataset of the catalogue exactly once"
    for uri, dataset in _by_uri(result).items():
        titles = {str(t) for t in catalog.objects(URIRef(uri), DCTERMS.title)}
        assert dataset["title"] and dataset["title"] in titles, uri
        assert dataset.get("notes"), uri


def test_every_dataset_has_the_licence(harvested: tuple[str, Config, Graph, dict],
                                       licence_register: tuple[Path, dict[str, str]]) -> None:
    _, config, _, result = harvested
    expected = licence_register[1][config.catalog_license]
    for uri, dataset in _by_uri(result).items():
        assert dataset["license_id"] == expected, uri
        for resource in dataset["resources"]:
            assert resource["license"] == config.catalog_license, resource["url"]


def test_a_plain_ckan_keeps_the_licence_iri_without_an_id(harvested: tuple[str, Config, Graph, dict]) -> None:
    """CKAN's default licence register knows no DCAT-AP.de licence (README): ``license_id`` stays empty,
    the licence IRI is still on every resource."""
    _, config, _, result = harvested
    assert result["default_register"]
    for dataset in result["default_register"]:
        assert dataset["license_id"] == ""
        assert {resource["license"] for resource in dataset["resources"]} == {config.catalog_license}


def test_every_resource_has_a_url_and_format(harvested: tuple[str, Config, Graph, dict]) -> None:
    _, _, catalog, result = harvested
    for uri, dataset in _by_uri(result).items():
        distributions = list(catalog.objects(URIRef(uri), DCAT.distribution))
        assert len(dataset["resources"]) == len(distributions) >= 1, uri
        for resource in dataset["resources"]:
            node = URIRef(resource["uri"])
            assert resource["url"] == str(catalog.value(node, DCAT.downloadURL)), node
            assert resource["format"] == str(catalog.value(node, DCTERMS["format"])), node
            assert resource["mimetype"] == str(catalog.value(node, DCAT.mediaType)), node
            assert resource["name"] in {str(t) for t in catalog.objects(node, DCTERMS.title)}, node


def test_every_dataset_has_the_municipality(harvested: tuple[str, Config, Graph, dict]) -> None:
    profile, _, _, result = harvested
    dortmund = str(vocab.DORTMUND.iri)
    for uri, dataset in _by_uri(result).items():
        extras = _extras(dataset)
        assert extras.get("spatial_uri") == dortmund, uri
        assert extras.get("spatial_text") == "Dortmund", uri
        # Where GovData's dcatde profile reads it: only the 2.0 profile carries it (deprecated in 3.0).
        geocoding = result["political_geocoding"][uri]
        assert geocoding == ([dortmund] if profile == "dcat-ap.de-2.0" else []), uri



def test_each_dataset_states_one_place_the_municipality(release: Release) -> None:
    """Without the CKAN venv too: ckanext-dcat keeps one ``spatial_uri`` per dataset, the last
    ``dcterms:spatial`` it meets, so a second place (Germany) made the harvested place a matter of chance."""
    catalog = Graph().parse(release.path / "catalog/catalog.nt")
    datasets = list(catalog.subjects(RDF.type, DCAT.Dataset))
    assert len(datasets) >= 3
    for dataset in datasets:
        assert list(catalog.objects(dataset, DCTERMS.spatial)) == [vocab.DORTMUND.iri], dataset
