"""Validation in parts (parallel processes, cached per part) finds what pyshacl finds over the whole graph,
and a build after one edit validates only the parts the edit can affect, and says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.build import pipeline, validation
from publisher.build.validation import shapes_graph, validate, validate_store
from publisher.core.config import Config
from tests.conftest import TEST_BASE_IRI
from tests.test_validation import CASES


def _break_many(root: Path) -> int:
    """Apply every breakage of test_validation that still applies and leaves the files loadable."""
    applied = 0
    for case in CASES.values():
        path = root / case.file
        before = path.read_text(encoding="utf-8")
        try:
            path.write_text(case.edit(before), encoding="utf-8")
            pipeline.load_store(Config.load(root=root, base_iri=TEST_BASE_IRI))
        except Exception:  # noqa: BLE001 - a loader error or a fixture that no longer applies
            path.write_text(before, encoding="utf-8")
            continue
        applied += 1
    return applied


def test_parts_report_equals_whole_graph_report(project_copy: Path) -> None:
    assert _break_many(project_copy) >= 15
    config = Config.load(root=project_copy, base_iri=TEST_BASE_IRI)
    sources, dataset, union = pipeline.load_and_derive(config)
    shapes = shapes_graph(config)
    whole = validate(union, shapes, sources)
    names = pipeline.names_graph(config, sources)
    parts, summary = validate_store(sources.store, shapes, sources, names, part_size=8, workers=2)
    assert summary.parts > 8
    assert len(whole.violations) >= 15
    assert parts.to_text() == whole.to_text()


def test_incremental_build_validates_only_the_changed_part(project_copy: Path, capsys: pytest.CaptureFixture,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validation, "PART_SIZE", 8)
    monkeypatch.setenv("PUBLISHER_PROGRESS", "1")  # Config.progress
    config = Config.load(root=project_copy, base_iri=TEST_BASE_IRI, build_dir=project_copy / "build")
    pipeline.build(config)
    first = capsys.readouterr().err
    assert "validation: all" in first
    organizations = project_copy / "data" / "organizations.ttl"
    text = organizations.read_text(encoding="utf-8")
    organizations.write_text(text.replace('"ADFC e.V."@de', '"ADFC Dortmund e.V."@de', 1), encoding="utf-8")
    pipeline.build(config)
    second = capsys.readouterr().err
    assert "incremental validation:" in second, second
    line = next(line for line in second.splitlines() if "incremental validation" in line)
    checked, total = (int(n) for n in line.split("incremental validation: ")[1].split(" parts")[0].split(" of "))
    assert 1 <= checked < total / 2, line
