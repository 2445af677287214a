"""The trusted reads of the store seam, written once for every store that can answer ``query()``.

Lists, labels, search, the office, the concepts of a scheme and the catalogue need nothing but the
store's own ``query``/``select`` (SPARQL the project writes) and the release's files, so the embedded
and the external store share them; each keeps only what differs (how to query, how to describe).
"""

from __future__ import annotations

import threading

import pyoxigraph as ox
from rdflib import Graph

from publisher.core import describe as describing
from publisher.core import listing
from publisher.core.namespaces import SKOS, catalog_prefixes
from publisher.core.release import Layout


class TrustedReads:
    base_iri: str
    layout: Layout

    def __init__(self, base_iri: str, layout: Layout) -> None:
        self.base_iri = base_iri
        self.layout = layout
        self._catalog: Graph | None = None
        self._catalog_lock = threading.Lock()

    @property
    def ib(self) -> str:
        return self.base_iri + "def/"

    def describe(self, iri: str) -> describing.Description | None:
        return describing.describe(self, iri)

    def listing(self, kind: str) -> listing.Listing:
        return listing.read_listing(self, kind, self.ib)

    def labels(self, iris: set[str]) -> set[ox.Triple]:
        """The label triples of ``iris`` (names, labels, notations)."""
        return listing.label_triples(self, {ox.NamedNode(i) for i in iris})

    def search(self, text: str, limit: int = 50) -> list[tuple[str, ox.Literal]]:
        return listing.search(self, text, self.ib, limit)

    def office(self) -> str | None:
        return listing.office_iri(self, self.ib)

    def described_iris(self, limit: int) -> list[str]:
        return listing.described_iris(self, self.base_iri, limit)

    def concepts(self, scheme: str) -> list[str]:
        """The concepts of a SKOS scheme (IRIs, sorted)."""
        rows = self.select(f"SELECT ?c WHERE {{ ?c <{SKOS.inScheme}> {ox.NamedNode(scheme)} }} ORDER BY ?c")
        return [str(r["c"].value) for r in rows]

    def catalog(self) -> Graph | None:
        """The release's DCAT-AP.de catalogue graph, from its files (parsed once), or None without one."""
        with self._catalog_lock:
            if self._catalog is None and self.layout.catalog_graph.is_file():
                graph = Graph()
                graph.parse(self.layout.catalog_graph, format="nt")
                for prefix, namespace in catalog_prefixes(self.base_iri).items():
                    graph.bind(prefix, namespace, override=True)
                self._catalog = graph
            return self._catalog

    def select(self, sparql: str) -> list[dict]:  # pragma: no cover - each store answers it
        raise NotImplementedError

    def query(self, sparql: str, **kwargs):  # pragma: no cover - each store answers it
        raise NotImplementedError
