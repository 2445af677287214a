"""The build: what SPARQL finds in it, and that a failing build never touches the published one."""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest

from publisher.build import ArtifactStep, BuildContext, BuildRefused, build
from publisher.build.sources import SourceError
from publisher.core.config import Config
from publisher.core.release import Release, current_release
from publisher.serve.store.embedded import EmbeddedStore
from tests.conftest import TEST_BASE_IRI

PREFIXES = f"""
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX ib: <{TEST_BASE_IRI}def/>
PREFIX sdg: <http://metadata.un.org/sdg/>
"""
ZELTDORF = f"<{TEST_BASE_IRI}id/event/zeltdorf-2023>"


@pytest.fixture(scope="module")
def store(release: Release) -> EmbeddedStore:
    return EmbeddedStore(release.store_path)


def count(store: EmbeddedStore, where: str, var: str = "x") -> int:
    rows = store.select(PREFIXES + f"SELECT (COUNT(DISTINCT ?{var}) AS ?n) WHERE {{ {where} }}")
    return int(rows[0]["n"].value)


def test_thirty_participants_each_with_an_alignment_carrying_provenance(store: EmbeddedStore) -> None:
    assert count(store, f"{ZELTDORF} schema:attendee ?x") == 30
    with_provenance = f"""
        {ZELTDORF} schema:attendee ?x .
        ?a ib:alignedResource ?x ; ib:alignedTo ?goal ; ib:reviewStatus ?status ;
           prov:wasAttributedTo ?who ; dcterms:created ?when ; ib:rationale ?why .
        ?goal skos:inScheme <http://metadata.un.org/sdg> .
        ?who schema:name ?whoName .
        FILTER(datatype(?when) = xsd:date)
    """
    assert count(store, with_provenance) == 30


def test_every_participant_and_the_tent_village_serve_a_goal_and_a_dimension(store: EmbeddedStore) -> None:
    served = f"""
        {{ {ZELTDORF} schema:attendee ?x }} UNION {{ BIND({ZELTDORF} AS ?x) }}
        ?x ib:sdg ?goal ; ib:quadrangleDimension ?dim .
        ?goal skos:topConceptOf <http://metadata.un.org/sdg> .
    """
    assert count(store, served) == 31


def test_all_partners_of_a_goal_is_one_pattern(store: EmbeddedStore) -> None:
    # "adfc" is aligned to target 11.2; the shortcut points to goal 11.
    rows = store.select(PREFIXES + "SELECT ?p WHERE { ?p ib:sdg sdg:11 }")
    assert f"{TEST_BASE_IRI}id/organization/adfc" in {r["p"].value for r in rows}


def test_alignments_get_readable_names(store: EmbeddedStore) -> None:
    rows = store.select(PREFIXES + f"""SELECT ?label WHERE {{
        <{TEST_BASE_IRI}id/alignment/adfc--sdg-13> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}""")
    assert {(r["label"].value, r["label"].language) for r in rows} == {
        ("ADFC e.V. – Maßnahmen zum Klimaschutz (SDG 13)", "de"), ("ADFC e.V. – Climate action (SDG 13)", "en")}


def test_seventeen_goals_with_german_and_english_titles(store: EmbeddedStore) -> None:
    where = """
        ?x skos:topConceptOf <http://metadata.un.org/sdg> ; skos:notation ?n ;
           skos:prefLabel ?de , ?en .
        FILTER(lang(?de) = "de" && lang(?en) = "en")
    """
    assert count(store, where) == 17
    rows = store.select(PREFIXES + 'SELECT ?de WHERE { sdg:13 skos:prefLabel ?de FILTER(lang(?de) = "de") }')
    assert rows[0]["de"].value == "Maßnahmen zum Klimaschutz"


def test_four_quadrangle_dimensions_and_twelve_tasks(store: EmbeddedStore) -> None:
    assert count(store, f"?x skos:topConceptOf <{TEST_BASE_IRI}def/quadrangle>") == 4
    office = f"<{TEST_BASE_IRI}id/organization/buero-fuer-internationale-beziehungen>"
    assert count(store, f"{office} ib:task ?x . ?x skos:inScheme <{TEST_BASE_IRI}def/task>") == 12


def test_the_tent_village_dated_as_the_seed_dates_it(store: EmbeddedStore) -> None:
    """The seed dates the tent village ("präsentierten sich am 07. Mai 2023"), not the whole festival."""
    rows = store.select(PREFIXES + f"""
        SELECT ?date WHERE {{ {ZELTDORF} schema:startDate ?date ; schema:superEvent ?f ; dcterms:source ?src .
                              ?f a schema:Festival ; schema:name "DORTBUNT.city 2023"@de ; schema:subEvent {ZELTDORF} .
                              FILTER(?src = <{TEST_BASE_IRI}source/seed>) }}""")
    assert [r["date"].value for r in rows] == ["2023-05-07"]
    festival = "?f a schema:Festival ; schema:name \"DORTBUNT.city 2023\"@de"
    assert count(store, f"{festival} ; schema:startDate ?d", "d") == 0, "the seed gives no date for the festival"
    assert count(store, f"?x dcterms:source <{TEST_BASE_IRI}source/project-brief>") == 0
    assert count(store, f"<{TEST_BASE_IRI}source/project-brief> ?p ?o", "p") == 0, "an invented source document"


def test_every_triple_remembers_its_source_file(store: EmbeddedStore) -> None:
    rows = store.select(f"""SELECT ?g WHERE {{ GRAPH ?g {{
        <{TEST_BASE_IRI}id/organization/adfc> <http://schema.org/name> ?name }} }}""",
                        use_default_graph_as_union=False)
    assert [r["g"].value for r in rows] == [f"{TEST_BASE_IRI}graph/data/organizations"]


def test_manifest(release: Release) -> None:
    m = release.manifest
    assert m["content_hash"].startswith("sha256:") and len(m["content_hash"]) == 71
    assert m["classes"]["http://schema.org/NGO"] >= 10
    assert m["base_iri"] == TEST_BASE_IRI
    assert sum(m["graphs"].values()) == m["quads"]
    assert "data/organizations.ttl" in m["sources"]


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` with the hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def own_build(project_copy: Path) -> tuple[Config, Release]:
    config = Config.load(root=project_copy, base_iri=TEST_BASE_IRI, build_dir=project_copy / "build")
    return config, build(config, steps=[])


def test_same_data_gives_same_content_hash(own_build: tuple[Config, Release], tmp_path: Path) -> None:
    # A second build of the same data in the same folder publishes nothing (tests/test_releases.py), so
    # the second build goes to another builds folder: a release of its own, with the same content.
    config, first = own_build
    second = build(replace(config, build_dir=tmp_path / "other-builds"), steps=[])
    assert second.id != first.id
    assert second.content_hash == first.content_hash
    assert (first.path / "dataset.nq").read_bytes() == (second.path / "dataset.nq").read_bytes()


def test_invalid_data_leaves_the_previous_release_byte_for_byte(own_build: tuple[Config, Release]) -> None:
    config, previous = own_build
    before = tree_digest(config.builds)
    target = os.readlink(config.builds / "current")
    organizations = config.data_dir / "organizations.ttl"
    organizations.write_text(organizations.read_text(encoding="utf-8").replace('"ADFC e.V."@de', '"ADFC e.V."'),
                             encoding="utf-8")
    with pytest.raises(BuildRefused) as refused:
        build(config, steps=[])
    assert refused.value.report.violations
    assert tree_digest(config.builds) == before
    assert os.readlink(config.builds / "current") == target
    assert current_release(config.builds).id == previous.id


def test_syntax_error_leaves_the_previous_release_byte_for_byte(own_build: tuple[Config, Release]) -> None:
    config, _ = own_build
    before = tree_digest(config.builds)
    (config.data_dir / "events.ttl").write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(SourceError) as error:
        build(config, steps=[])
    assert error.value.path == "data/events.ttl"
    assert tree_digest(config.builds) == before


def test_crash_half_way_leaves_the_previous_release_and_no_debris(own_build: tuple[Config, Release]) -> None:
    config, previous = own_build
    before = tree_digest(config.builds)

    def write_then_crash(ctx: BuildContext) -> None:
        (ctx.out / "half-written.txt").write_text("partial", encoding="utf-8")
        raise RuntimeError("disk full")

    steps: list[ArtifactStep] = [write_then_crash]
    with pytest.raises(RuntimeError):
        build(config, steps=steps)
    assert tree_digest(config.builds) == before
    assert not [p for p in config.builds.iterdir() if p.name.startswith(".")]
    assert current_release(config.builds).id == previous.id


def test_rejected_alignments_give_no_shortcut(project_copy: Path) -> None:
    alignments = project_copy / "data" / "alignments.ttl"
    text = alignments.read_text(encoding="utf-8")
    anchor = "al:klimabuendnis-dortmund--sdg-13 a ib:Alignment ;"
    head, _, tail = text.partition(anchor)
    alignments.write_text(head + anchor + tail.replace("review:proposed", "review:rejected", 1), encoding="utf-8")
    config = Config.load(root=project_copy, base_iri=TEST_BASE_IRI, build_dir=project_copy / "build")
    release = build(config, steps=[])
    store = EmbeddedStore(release.store_path)
    klima = f"<{TEST_BASE_IRI}id/organization/klimabuendnis-dortmund>"
    assert count(store, f"{klima} ib:sdg ?x") == 0
    rejected = f"<{TEST_BASE_IRI}def/review-status/rejected>"
    assert count(store, f"?x ib:alignedResource {klima} ; ib:reviewStatus {rejected}") == 1


def rename_adfc(config: Config, name: str) -> None:
    """Change the data (one partner's German name), so that the next build has something to publish."""
    organizations = config.data_dir / "organizations.ttl"
    text = organizations.read_text(encoding="utf-8")
    organizations.write_text(re.sub(r'schema:name "ADFC[^"]*"@de', f'schema:name "{name}"@de', text, count=1),
                             encoding="utf-8")


def test_old_releases_are_pruned_but_current_kept(own_build: tuple[Config, Release]) -> None:
    # Each build changes the data: a build of unchanged data would publish nothing.
    config, _ = own_build
    config = replace(config, keep_releases=3)
    for n in range(4):
        rename_adfc(config, f"ADFC e.V. {n}")
        last = build(config, steps=[])
    releases = sorted(p.name for p in (config.builds / "releases").iterdir())
    assert len(releases) == 3 and last.id in releases
    assert json.loads((config.builds / "current" / "manifest.json").read_text())["build_id"] == last.id


def test_progress_lines_are_a_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """PUBLISHER_PROGRESS is read with every other setting (Config), not by the pipeline itself."""
    from publisher.build.pipeline import Progress

    monkeypatch.setenv("PUBLISHER_PROGRESS", "1")
    config = Config.load(root=tmp_path)
    assert config.progress is True
    monkeypatch.delenv("PUBLISHER_PROGRESS")
    assert Config.load(root=tmp_path).progress is False
    assert Progress(forced=config.progress).enabled
