"""What changed: the change list each build stores, ``publisher diff`` and the change-log page ``/changes``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from publisher.build import build
from publisher.core.config import Config
from publisher.core.release import Release, read_changes
from tests.conftest import REPO, TEST_BASE_IRI, start_server, stop_server

NEW_PARTNER = """
org:beispielverein-test a schema:NGO ;
    schema:name "Beispielverein (Test)"@de ;
    dcterms:source <source/seed> .
"""


def edit(project: Path) -> None:
    """What the office does between two builds: rename a partner, confirm an alignment, add a partner."""
    organizations = project / "data" / "organizations.ttl"
    text = organizations.read_text(encoding="utf-8").replace('"ADFC e.V."@de', '"ADFC Dortmund e.V."@de', 1)
    organizations.write_text(text + NEW_PARTNER, encoding="utf-8")
    alignments = project / "data" / "alignments.ttl"
    head, anchor, tail = alignments.read_text(encoding="utf-8").partition("al:adfc--sdg-13 a ib:Alignment ;")
    alignments.write_text(head + anchor + tail.replace("review:proposed", "review:confirmed", 1), encoding="utf-8")


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Release, Release]:
    import shutil

    project = tmp_path_factory.mktemp("changes")
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(REPO / folder, project / folder)
    config = Config.load(root=project, base_iri=TEST_BASE_IRI, build_dir=project / "build")
    old = build(config)
    edit(project)
    return config, old, build(config)


def by_iri(changes: list[dict], iri: str) -> list[dict]:
    return [c for c in changes if c["iri"] == TEST_BASE_IRI + iri]


def test_the_build_stores_what_changed_in_words(two_releases) -> None:
    _, old, new = two_releases
    doc = read_changes(new)
    assert doc["from"] == old.id and doc["to"] == new.id
    assert doc["summary"] == {"added": 1, "changed": 2, "removed": 0}
    added, = by_iri(doc["changes"], "id/organization/beispielverein-test")
    assert added["change"] == "added" and added["kind"] == "partner"
    assert added["text"] == {"de": "Partner hinzugefügt: Beispielverein (Test)",
                             "en": "Partner added: Beispielverein (Test)"}
    renamed, = by_iri(doc["changes"], "id/organization/adfc")
    assert renamed["what"] == "name"
    assert "Name geändert von „ADFC e.V.“ in „ADFC Dortmund e.V.“" in renamed["text"]["de"]
    assert "name changed from “ADFC e.V.” to “ADFC Dortmund e.V.”" in renamed["text"]["en"]
    confirmed, = by_iri(doc["changes"], "id/alignment/adfc--sdg-13")
    assert confirmed["what"] == "review_status" and confirmed["kind"] == "alignment"
    assert confirmed["text"] == {
        "de": "Zuordnung bestätigt: ADFC Dortmund e.V. – Maßnahmen zum Klimaschutz (SDG 13) (vorher „vorgeschlagen“)",
        "en": "Alignment confirmed: ADFC Dortmund e.V. – Climate action (SDG 13) (was “proposed”)"}
    assert new.manifest["changes"] == doc["summary"] and "changes.json" in new.manifest["files"]


def test_the_first_release_lists_everything_as_added(two_releases) -> None:
    _, old, _ = two_releases
    doc = read_changes(old)
    assert doc["from"] is None and doc["summary"]["added"] > 30 and doc["summary"]["changed"] == 0
    assert doc["changes"] == [], "the count is stored, not a list of every resource"


def publisher(config: Config, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PUBLISHER_ROOT": str(config.root), "PUBLISHER_BASE_IRI": config.base_iri,
           "PUBLISHER_BUILD_DIR": str(config.builds)}
    return subprocess.run([sys.executable, "-m", "publisher.cli", *args], env=env, capture_output=True,
                          text=True, timeout=300)


def test_diff_defaults_to_the_previous_and_the_current_release(two_releases) -> None:
    config, old, new = two_releases
    text = publisher(config, "diff")
    assert text.returncode == 0, text.stderr
    assert f"Änderungen von {old.id} zu {new.id}: 1 hinzugefügt, 2 geändert, 0 entfernt" in text.stdout
    assert f"Changes from {old.id} to {new.id}: 1 added, 2 changed, 0 removed" in text.stdout
    assert "  Partner hinzugefügt: Beispielverein (Test)" in text.stdout
    assert "  Partner added: Beispielverein (Test)" in text.stdout
    as_json = publisher(config, "diff", "--format", "json")
    assert as_json.returncode == 0
    assert json.loads(as_json.stdout)["changes"] == read_changes(new)["changes"]


def test_diff_compares_any_two_kept_releases(two_releases) -> None:
    config, old, new = two_releases
    backwards = publisher(config, "diff", new.id, old.id)
    assert backwards.returncode == 0, backwards.stderr
    assert "Partner entfernt: Beispielverein (Test)" in backwards.stdout
    assert "Partner removed: Beispielverein (Test)" in backwards.stdout
    assert "name changed from “ADFC Dortmund e.V.” to “ADFC e.V.”" in backwards.stdout
    same = publisher(config, "diff", new.id, new.id)
    assert same.returncode == 0 and "Keine Änderungen." in same.stdout and "No changes." in same.stdout
    unknown = publisher(config, "diff", "20200101T000000Z-abcdef")
    assert unknown.returncode == 1 and "Unknown or incomplete release" in unknown.stderr
    assert "Traceback" not in unknown.stderr


@pytest.fixture(scope="module")
def server(two_releases):
    config, _, _ = two_releases
    proc, url = start_server(config)
    yield url
    stop_server(proc)


def test_the_change_log_page_in_german_and_english(server: str, two_releases) -> None:
    _, old, new = two_releases
    de = requests.get(f"{server}/changes", headers={"Accept": "text/html"}, timeout=30)
    assert de.status_code == 200 and de.headers["Content-Type"].startswith("text/html")
    assert "<h1>Änderungsprotokoll</h1>" in de.text
    assert "Partner hinzugefügt: Beispielverein (Test)" in de.text
    assert de.text.index(new.id) < de.text.index(old.id), "newest first"
    assert 'href="/changes.json"' in de.text
    en = requests.get(f"{server}/changes?lang=en", timeout=30)
    assert "<h1>Change log</h1>" in en.text and "Alignment confirmed: " in en.text
    assert "Partner added: Beispielverein (Test)" in en.text


def test_the_change_log_as_json(server: str, two_releases) -> None:
    _, old, new = two_releases
    twin = requests.get(f"{server}/changes.json", timeout=30)
    negotiated = requests.get(f"{server}/changes", headers={"Accept": "application/json"}, timeout=30)
    for response in (twin, negotiated):
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
        doc = response.json()
        assert doc["release"] == new.id
        assert [r["id"] for r in doc["releases"]] == [new.id, old.id]
        assert doc["releases"][0]["changes"] == read_changes(new)["changes"]
    assert requests.get(f"{server}/changes.xml", timeout=30).status_code == 404


def test_the_home_page_links_to_the_change_log(server: str) -> None:
    home = requests.get(f"{server}/", timeout=30).text
    assert 'href="/changes"' in home and "Änderungsprotokoll" in home
    assert 'href="/changes?lang=en"' in requests.get(f"{server}/?lang=en", timeout=30).text


def test_the_web_does_not_import_the_build() -> None:
    code = ("import sys; from publisher.serve.web.app import create_app; import publisher.serve.web.changes; "
            "create_app(); print(sorted(m for m in sys.modules if m.startswith('publisher.build')))")
    env = {**os.environ, "PUBLISHER_BASE_IRI": TEST_BASE_IRI}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_compare_names_events_partners_and_properties(tmp_path: Path) -> None:
    from publisher.build.changes import compare

    b, g = TEST_BASE_IRI, f"<{TEST_BASE_IRI}graph/data/events>"
    derived = f"<{TEST_BASE_IRI}graph/derived>"
    name = "<http://schema.org/name>"
    old = tmp_path / "old.nq"
    old.write_text(f'<{b}id/organization/x> {name} "X e.V."@de {g} .\n'
                   f'<{b}id/organization/x> <http://schema.org/url> <https://x.example/> {g} .\n'
                   f'<{b}id/organization/gone> {name} "Weg e.V."@de {g} .\n', encoding="utf-8")
    new = tmp_path / "new.nq"
    new.write_text(f'<{b}id/organization/x> {name} "X e.V."@de {g} .\n'
                   f'<{b}id/organization/x> <http://schema.org/url> <https://x.example/neu> {g} .\n'
                   f'<{b}id/organization/x> <{b}def/sdg> <http://metadata.un.org/sdg/13> {derived} .\n'
                   f'<{b}id/event/fest-2024> {name} "Fest 2024"@de {g} .\n'
                   f'<{b}id/event/fest-2024> {name} "Festival 2024"@en {g} .\n',
                   encoding="utf-8")
    changes = compare(old, new, TEST_BASE_IRI)
    assert [c["text"]["de"] for c in changes] == [
        "Veranstaltung hinzugefügt: Fest 2024",
        "Partner „X e.V.“: schema:url geändert von „https://x.example/“ in „https://x.example/neu“",
        "Partner entfernt: Weg e.V.",
    ]
    assert changes[0]["text"]["en"] == "Event added: Festival 2024"
    assert changes[2]["text"]["en"] == "Partner removed: Weg e.V."
    assert not [c for c in changes if c.get("property") == f"{b}def/sdg"], "derived triples are not changes"
