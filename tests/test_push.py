"""Pushing a release into a real external SPARQL server (``oxigraph serve`` from PyPI) over the Graph
Store Protocol: every graph arrives, a second push replaces rather than duplicates, stale graphs go,
and a store that cannot be reached is a clear error, not a traceback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from publisher.build import build
from publisher.core.config import Config
from publisher.core.release import Release
from tests.conftest import TEST_BASE_IRI, free_port, stop_server, wait_for

OXIGRAPH = Path(sys.executable).parent / "oxigraph"


@pytest.fixture
def oxigraph() -> Iterator[str]:
    """An empty, writable oxigraph server on loopback (in memory)."""
    port = free_port()
    proc = subprocess.Popen([str(OXIGRAPH), "serve", "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + "/query?query=ASK%7B%7D")
        yield url
    finally:
        stop_server(proc)


def run_push(config: Config, store: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher.cli", "--root", str(config.root), "--base-iri", config.base_iri,
         "--build-dir", str(config.builds), "push", "--graph-store", store + "/store",
         "--query-endpoint", store + "/query"],
        capture_output=True, text=True, timeout=120)


def store_counts(store: str) -> dict[str, int]:
    rows = requests.post(store + "/query", data={"query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } "
                                                          "GROUP BY ?g"},
                         headers={"Accept": "application/sparql-results+json"}, timeout=30).json()
    return {r["g"]["value"]: int(r["n"]["value"]) for r in rows["results"]["bindings"]}


def test_push_copies_every_graph(config: Config, release: Release, oxigraph: str) -> None:
    result = run_push(config, oxigraph)
    assert result.returncode == 0, result.stderr
    assert store_counts(oxigraph) == release.manifest["graphs"]
    assert f"{len(release.manifest['graphs'])} graphs" in result.stdout


def test_second_push_replaces_and_removes_stale_graphs(project_copy: Path, oxigraph: str) -> None:
    config = Config.load(root=project_copy, base_iri=TEST_BASE_IRI, build_dir=project_copy / "build")
    build(config)
    assert run_push(config, oxigraph).returncode == 0
    (project_copy / "data" / "provenance.ttl").rename(project_copy / "data" / "sources.ttl")  # a graph renamed
    release = build(config)
    result = run_push(config, oxigraph)
    assert result.returncode == 0, result.stderr
    assert "deleted 1 stale graph" in result.stdout
    counts = store_counts(oxigraph)
    assert counts == release.manifest["graphs"]
    assert f"{TEST_BASE_IRI}graph/data/provenance" not in counts


def test_unreachable_store_is_a_clear_error(config: Config, release: Release) -> None:
    result = run_push(config, f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 1
    assert "Push failed" in result.stderr and "could not be reached" in result.stderr
    assert "Traceback" not in result.stderr


def test_store_refusal_is_reported(config: Config, release: Release, oxigraph: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "publisher.cli", "--root", str(config.root), "--base-iri", config.base_iri,
         "--build-dir", str(config.builds), "push", "--graph-store", oxigraph + "/no-such-path",
         "--query-endpoint", oxigraph + "/query"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "answered 404" in result.stderr and "Traceback" not in result.stderr
