"""The catalogue step of ``publisher build``: refusal on a broken catalogue, and dates that follow the content."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

from publisher.build import build
from publisher.core.config import Config
from tests.conftest import TEST_BASE_IRI


def _tree(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def test_build_refuses_a_licence_outside_the_dcat_ap_de_list(tmp_path: Path) -> None:
    env = {**os.environ, "PUBLISHER_BASE_IRI": TEST_BASE_IRI, "PUBLISHER_BUILD_DIR": str(tmp_path)}
    cmd = [sys.executable, "-m", "publisher.cli", "build"]
    assert subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300).returncode == 0
    current = (tmp_path / "current").resolve()
    before = _tree(current)

    broken = {**env, "PUBLISHER_CATALOG_LICENSE": "https://example.org/my-own-licence"}
    result = subprocess.run(cmd, env=broken, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "Build refused" in result.stderr and "dcterms:license" in result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "current").resolve() == current
    assert _tree(current) == before, "the previous release is untouched"
    assert not list(tmp_path.glob(".tmp-*")), "nothing half-written is left"


def _dates(release_path: Path) -> dict[str, dict]:
    return json.loads((release_path / "catalog/state.json").read_text())["datasets"]


def test_dates_change_only_with_the_content(project_copy: Path, tmp_path: Path) -> None:
    config = Config.load(root=project_copy, base_iri=TEST_BASE_IRI, build_dir=tmp_path / "builds")
    first = build(config, now=datetime(2026, 1, 1, tzinfo=UTC))
    same = build(config, now=datetime(2026, 2, 1, tzinfo=UTC))
    assert _dates(same.path) == _dates(first.path)
    catalog = Graph().parse(same.path / "catalog/catalog.nt")
    events = URIRef(TEST_BASE_IRI + "catalog/dataset/events")
    assert catalog.value(events, DCTERMS.modified).toPython() == datetime(2026, 1, 1, tzinfo=UTC)

    events_file = project_copy / "data/events.ttl"
    events_file.write_text(events_file.read_text(encoding="utf-8").replace(
        '"Stadtfest in Dortmund."@de', '"Das Stadtfest in Dortmund."@de'), encoding="utf-8")
    changed = build(config, now=datetime(2026, 3, 1, tzinfo=UTC))
    before, after = _dates(first.path), _dates(changed.path)
    assert after["events"]["modified"] == "2026-03-01T00:00:00Z"
    assert after["events"]["issued"] == before["events"]["issued"] == "2026-01-01T00:00:00Z"
    assert after["network"]["modified"] == "2026-03-01T00:00:00Z"
    assert after["partners"] == before["partners"], "a part whose content did not change keeps its dates"
    assert after["sdg-alignments"] == before["sdg-alignments"]


def test_distributions_describe_the_dumps_the_release_holds(release) -> None:
    catalog = Graph().parse(release.path / "catalog/catalog.nt")
    index = json.loads((release.path / "dumps/index.json").read_text())
    spdx = "http://spdx.org/rdf/terms#"
    dcat = "http://www.w3.org/ns/dcat#"
    for entry in index["files"]:
        url = URIRef(TEST_BASE_IRI + entry["path"].lstrip("/"))
        dist = catalog.value(None, URIRef(dcat + "downloadURL"), url)
        assert dist is not None, entry["file"]
        assert int(float(catalog.value(dist, URIRef(dcat + "byteSize")))) == entry["byte_size"]
        # The default profile (DCAT-AP.de 2.0) states no checksum (graph.py); 3.0's are checked in test_catalog_harvest.
        assert catalog.value(dist, URIRef(spdx + "checksum")) is None
        compressed = catalog.value(dist, URIRef(dcat + "compressFormat"))
        assert (compressed is not None) == entry["file"].endswith(".gz"), entry["file"]
        assert str(catalog.value(dist, URIRef(dcat + "mediaType"))).endswith(entry["media_type"])


def test_catalogue_last_modified_and_etag_follow_its_content(config, tmp_path: Path) -> None:
    """An unchanged rebuild gives the catalogue the same Last-Modified (its dct:modified) and ETag."""
    from dataclasses import replace
    from datetime import UTC, datetime

    from publisher.build import ARTIFACT_STEPS, build
    from publisher.serve.web.app import create_app

    def also_a_readme(ctx) -> None:  # a release that differs, with the same catalogue content
        (ctx.out / "README.txt").write_text("rebuilt\n", encoding="utf-8")

    other = replace(config, build_dir=tmp_path / "builds")
    headers = []
    # Unchanged data alone publishes nothing (the same release), so the second build adds a file.
    for day, steps in ((1, ARTIFACT_STEPS), (2, [*ARTIFACT_STEPS, also_a_readme])):
        release = build(other, steps=steps, now=datetime(2026, 6, day, 12, 0, tzinfo=UTC))
        response = create_app(other).test_client().get("/catalog")
        assert response.status_code == 200
        headers.append((response.headers["Last-Modified"], response.headers["ETag"], release.built_at))
    assert headers[0][2] != headers[1][2], "two builds at different times"
    assert headers[0][:2] == headers[1][:2]
    assert headers[0][0] == "Mon, 01 Jun 2026 12:00:00 GMT"
