"""The build's engine (pyshacl-turbo, in parts) finds exactly what pyshacl finds over the whole graph: on
every broken fixture of test_validation, on hostile values, and on a synthetic dataset with injected
errors; and the incremental cache never hands one engine's (or version's) results to another."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.synthetic import write_root
from publisher.build import pipeline, validation
from publisher.build.validation import Report, shapes_graph, validate, validate_store
from publisher.core.config import Config
from tests.conftest import TEST_BASE_IRI
from tests.test_validation import CASES

ENGINE = "pyshacl-turbo"


def _both(root: Path, part_size: int = 8, workers: int = 1, engine: str = ENGINE) -> tuple[Report, Report]:
    """pyshacl over the whole graph, and ``engine`` in parts, on the project at ``root`` (one load: blank
    nodes get new labels with every parse)."""
    config = Config.load(root=root, base_iri=TEST_BASE_IRI)
    sources, _dataset, union = pipeline.load_and_derive(config)
    shapes = shapes_graph(config)
    whole = validate(union, shapes, sources)
    names = pipeline.names_graph(config, sources)
    parts, _ = validate_store(sources.store, shapes, sources, names, part_size=part_size, workers=workers,
                              engine=engine)
    return whole, parts


def test_every_broken_fixture_gives_the_same_report(project_copy: Path) -> None:
    compared, differ = 0, []
    for name, case in CASES.items():
        path = project_copy / case.file
        before = path.read_text(encoding="utf-8")
        try:
            path.write_text(case.edit(before), encoding="utf-8")
            try:
                whole, parts = _both(project_copy, part_size=32)  # 16 parts
            except Exception:  # noqa: BLE001 - a loader breakage: refused before validation, by both
                continue
            compared += 1
            if whole.violations and parts.to_text() != whole.to_text():
                differ.append(f"{name}:\n--- pyshacl\n{whole.to_text()}\n--- {ENGINE}\n{parts.to_text()}")
            elif not whole.violations:
                assert parts.to_text() == whole.to_text(), name
        finally:
            path.write_text(before, encoding="utf-8")
    assert compared >= 25
    assert not differ, "\n\n".join(differ)


# Broken resources appended to the synthetic data: every constraint kind of shapes/*.ttl, ill-typed and
# oddly tagged literals, blank-node resources, link targets that are missing or only half described.
INJECTED = {
    "organizations.ttl": '''
org:x-untagged a schema:NGO ; schema:name "Untagged" ; dcterms:source <source/seed> .
org:x-typed a schema:NGO ; schema:name "Typed"^^xsd:string ; dcterms:source <source/seed> .
org:x-upper a schema:NGO ; schema:name "Upper"@DE ; dcterms:source <source/seed> .
org:x-regional a schema:NGO ; schema:name "Regional"@de-AT ; dcterms:source <source/seed> .
org:x-two a schema:NGO ; schema:name "Eins"@de , "Zwei"@de , "Drei"@en ; schema:description "D"@en , "E"@en .
org:Bad_Slug a schema:NGO ; schema:name "Schlecht"@de ; dcterms:source <source/seed> .
org:x-parent a schema:Library ; schema:name "Kind"@de ; schema:parentOrganization org:x-missing ,
    <id/organization/p0000001> , <http://example.org/elsewhere> .
org:x-source a schema:Store ; schema:name "Quelle"@de ; dcterms:source <source/nowhere> , <id/organization/p0000002> .
org:x-bidi a schema:NGO ; schema:name "Bidi\u202ename"@de , "Ok"@en ; schema:description "Bad \u2067x\u2069"@de ;
    schema:url "http://a-literal.example/" ; schema:sameAs <javascript:alert(1)> ; schema:image <ftp://x.example/y> ;
    schema:logo <https://ok.example/logo.png> ; dcterms:source <source/seed> .
org:x-type a schema:Thing ; schema:name "Typ"@de .
org:x-notype schema:name "Ohne Typ"@de .
org:x-hostile a schema:NGO ; schema:name """Zeile eins
"zitiert" \\\\ ünïcödé 😀 <b>&amp;</b>"""@de ; dcterms:source <source/seed> .
[] a schema:NGO ; schema:name "Leerer Knoten"@de ; dcterms:source <source/seed> .
''',
    "events.ttl": '''
event:x-nodate a schema:Event ; schema:name "Ohne Datum"@de , "No date"@en ; dcterms:source <source/seed> .
event:x-baddate a schema:Event ; schema:name "Falsch"@de ; schema:startDate "07.05.2023" , "2023-02-30"^^xsd:date ;
    schema:endDate "2023-05-07T10:00:00+02:00"^^xsd:dateTime , "morgen"^^xsd:date ;
    schema:attendee org:x-nobody , <id/organization/p0000003> ; schema:location <http://example.org/place> .
event:x-dup a schema:Event ; schema:name "Doppelt"@de , "Twice"@en ; dcterms:source <source/seed> ;
    schema:startDate "2023-05-07"^^xsd:date , "2023-05-08"^^xsd:date ; schema:superEvent event:x-nodate .
''',
    "alignments.ttl": '''
al:x-1 a ib:Alignment ; ib:alignedResource org:p0000001 , org:p0000002 ; ib:alignedTo <http://metadata.un.org/sdg/99> ;
    ib:reviewStatus review:maybe ; prov:wasAttributedTo <id/agent/nobody> ;
    dcterms:created "2026-13-01"^^xsd:date , "2026-11-27"^^xsd:date ; ib:rationale "ohne Sprache" .
al:x-2 ib:alignedTo quad:oekologie , quad:soziales .
al:x-3 a ib:Alignment ; ib:alignedResource org:x-missing ; ib:alignedTo org:p0000001 ;
    ib:reviewStatus review:proposed , review:confirmed ; prov:wasAttributedTo <id/agent/projektteam> ;
    dcterms:created "2026-11-27" ; ib:rationale "Begründung"@de .
[] a ib:Alignment ; ib:alignedTo quad:soziales .
''',
}


def _synthetic_with_errors(root: Path) -> None:
    write_root(root, 3000)
    for name, extra in INJECTED.items():
        path = root / "data" / name
        path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    alignments = root / "data" / "alignments.ttl"
    text = alignments.read_text(encoding="utf-8")
    text = text.replace("    ib:reviewStatus review:rejected ;\n", '    ib:reviewStatus "rejected" ;\n', 1)
    alignments.write_text(text, encoding="utf-8")
    events = root / "data" / "events.ttl"
    text = events.read_text(encoding="utf-8")
    events.write_text(text.replace('    schema:startDate "2001-05-02"^^xsd:date ;\n', "", 1), encoding="utf-8")


def test_synthetic_data_with_injected_errors_gives_the_same_report(tmp_path: Path) -> None:
    _synthetic_with_errors(tmp_path)
    whole, parts = _both(tmp_path, part_size=16, workers=2)
    assert len(whole.violations) >= 40, whole.to_text()
    assert {"org:x-bidi", "event:x-baddate", "al:x-1", "event:e000001"} <= {f.resource for f in whole.findings}
    assert any(f.resource.startswith(("_:", "N")) or "leer" in f.message_de.lower() for f in whole.findings)
    assert parts.to_text() == whole.to_text()
    assert parts.to_json() == whole.to_json()
    # pyshacl in the same parts agrees too (the parts, not the engine, decide what each node is checked on).
    whole, in_parts = _both(tmp_path, part_size=16, workers=2, engine="pyshacl")
    assert in_parts.to_text() == whole.to_text()


def test_cache_key_names_the_engine_and_its_version(project_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = Config.load(root=project_copy, base_iri=TEST_BASE_IRI)
    sources = pipeline.load_store(config)
    shapes, names = shapes_graph(config), pipeline.names_graph(config, sources)
    cache = project_copy / "cache"

    def run(engine: str) -> validation.PartsSummary:
        _, summary = validate_store(sources.store, shapes, sources, names, part_size=8, workers=1,
                                    cache_dir=cache, engine=engine)
        validation.save_cache(cache, summary)
        return summary

    first = run(ENGINE)
    assert first.cached == 0 and first.parts > 4
    assert run(ENGINE).cached == first.parts  # unchanged: every part from the cache
    assert run("pyshacl").cached == 0  # another engine: nothing from the cache
    monkeypatch.setitem(validation.ENGINES, ENGINE, validation.ENGINES[ENGINE] + ".post1")
    assert run(ENGINE).cached == 0  # another version of the engine: nothing from the cache either
