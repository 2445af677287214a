"""The atomic build: load → derive → validate → write a release → switch ``current`` in one step.

A release is a folder under ``build/releases/`` that is never changed once written. It holds the
merged dataset (N-Quads, one named graph per source file), the embedded query store, whatever the
artifact steps add (dumps, catalogue, pre-rendered pages) and ``manifest.json``. Everything is
written to a temporary folder first; only a complete, valid release is renamed into place, and
``build/current`` (a symlink) is swapped with one ``rename``. A build that fails at any point
leaves the previous release, and what is being served, untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef

from publisher import __version__
from publisher.build.catalog.step import catalog_step
from publisher.build.derive import derive_shortcuts
from publisher.build.dumps import write_dumps
from publisher.build.sources import Sources, load_sources
from publisher.build.validation import BuildRefused, Report, shapes_graph, validate
from publisher.core.config import Config
from publisher.core.namespaces import ProjectNamespaces
from publisher.core.release import Layout, Release, current_link, current_release, releases_dir

KEEP_RELEASES = 3


@dataclass
class BuildContext:
    """What an artifact step gets: the validated data, the open store and the folder to write to."""

    config: Config
    ns: ProjectNamespaces
    dataset: Dataset
    graph: Graph
    store: ox.Store
    layout: Layout
    manifest: dict
    previous: Release | None
    sources: Sources | None = None
    extra: dict = field(default_factory=dict)

    @property
    def out(self) -> Path:
        """The release folder being written (its files are named by ``layout``)."""
        return self.layout.root


ArtifactStep = Callable[[BuildContext], None]

# Each module that adds files to a release registers its step here, in the order they run.
ARTIFACT_STEPS: list[ArtifactStep] = [write_dumps, catalog_step]


def load_and_derive(config: Config) -> tuple[Sources, Dataset, Graph]:
    """Load every source and add the derived triples (to the dataset as their own graph, and to the
    union graph that validation reads); raises SourceError."""
    ns = ProjectNamespaces(config.base_iri)
    sources = load_sources(config)
    dataset = sources.dataset()
    graph = sources.union()
    for prefix, iri in ns.prefixes().items():
        graph.bind(prefix, iri, override=True, replace=True)
    derived = derive_shortcuts(graph, ns)
    target = dataset.graph(URIRef(ns.graph["derived"]))
    for triple in derived:
        target.add(triple)
    graph += derived
    return sources, dataset, graph


def load_and_validate(config: Config) -> tuple[Sources, Dataset, Graph, Report]:
    """Load, derive and validate the whole; raises SourceError."""
    sources, dataset, graph = load_and_derive(config)
    return sources, dataset, graph, validate(graph, shapes_graph(config), sources)


def build(config: Config, steps: list[ArtifactStep] | None = None, now: datetime | None = None) -> Release:
    """Build and publish a new release; raises SourceError or BuildRefused and then publishes nothing."""
    sources, dataset, graph, report = load_and_validate(config)
    if not report.conforms:
        raise BuildRefused(report)
    return publish(config, dataset, graph, sources=sources, steps=steps, now=now)


def publish(
    config: Config,
    dataset: Dataset,
    graph: Graph,
    *,
    sources: Sources | None = None,
    steps: list[ArtifactStep] | None = None,
    now: datetime | None = None,
) -> Release:
    """Write a release from an already validated dataset and switch ``current`` to it."""
    now = now or datetime.now(UTC)
    builds = config.builds
    releases_dir(builds).mkdir(parents=True, exist_ok=True)
    build_id = now.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    tmp = builds / f".tmp-{build_id}"
    tmp.mkdir()
    try:
        layout = Layout(tmp)
        nquads = _write_nquads(dataset, layout.dataset)
        store = ox.Store(str(layout.store))
        store.bulk_load(path=str(layout.dataset), format=ox.RdfFormat.N_QUADS)
        manifest = _manifest(config, build_id, now, nquads, store, sources)
        previous = current_release(builds)
        ctx = BuildContext(config, ProjectNamespaces(config.base_iri), dataset, graph, store,
                           layout, manifest, previous, sources)
        for step in ARTIFACT_STEPS if steps is None else steps:
            step(ctx)
        store.flush()
        del store, ctx
        layout.manifest.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                           encoding="utf-8")
        final = releases_dir(builds) / build_id
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _switch_current(builds, final)
    _prune(builds)
    return Release.open(final)


def _write_nquads(dataset: Dataset, path: Path) -> list[str]:
    """Sorted N-Quads, so that the same data always gives the same bytes and hash."""
    text = dataset.serialize(format="nquads")
    lines = sorted({line for line in text.splitlines() if line.strip()})
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines


def _manifest(config: Config, build_id: str, now: datetime, nquads: list[str], store: ox.Store,
              sources: Sources | None) -> dict:
    # Blank-node labels differ between parses; leaving them out keeps the hash a function of content.
    digest = hashlib.sha256()
    for line in sorted(_mask_blank_nodes(line) for line in nquads):
        digest.update(line.encode("utf-8") + b"\n")
    classes = {
        str(row["c"].value): int(row["n"].value)
        for row in store.query(
            "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c",
            use_default_graph_as_union=True,
        )
    }
    graphs = {}
    for row in store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"):
        graphs[str(row["g"].value)] = int(row["n"].value)
    triples = int(next(iter(store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }",
        use_default_graph_as_union=True)))["n"].value)
    return {
        "build_id": build_id,
        "built_at": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "base_iri": config.base_iri,
        "tool": {"name": "dortmund-ib-publisher", "version": __version__},
        "content_hash": "sha256:" + digest.hexdigest(),
        "triples": triples,
        "quads": len(nquads),
        "graphs": graphs,
        "classes": classes,
        "sources": [s.relpath for s in sources] if sources else [],
    }


def _mask_blank_nodes(line: str) -> str:
    return " ".join("_:b" if token.startswith("_:") else token for token in line.split(" "))


def _switch_current(builds: Path, release: Path) -> None:
    link_tmp = builds / f".current-{release.name}"
    os.symlink(release.relative_to(builds), link_tmp)
    os.replace(link_tmp, current_link(builds))


def _prune(builds: Path) -> None:
    current = current_link(builds).resolve()
    # Newest first by write time: several builds can share a second-resolution id prefix.
    releases = sorted(releases_dir(builds).iterdir(), key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)
    for old in releases[KEEP_RELEASES:]:
        if old.resolve() != current:
            shutil.rmtree(old, ignore_errors=True)
