"""The embedded store: one release's pyoxigraph database, opened read-only, behind the store seam.

Read-only is enforced by the database itself, not only by the web layer: an update through this
store fails at the storage level. The trusted reads (descriptions, lists, labels, search, the
catalogue) are methods here, so the web layer never writes or runs SPARQL itself; an external SPARQL
store can implement the same ``ReleaseStore`` interface.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from publisher.core import describe as describing
from publisher.core import listing
from publisher.core.namespaces import SKOS, catalog_prefixes
from publisher.core.release import Layout
from publisher.core.union import UnionView
from publisher.serve.store.base import QueryRequest, QueryResult
from publisher.serve.store.results import execute


class EmbeddedStore(UnionView):
    """Trusted, internal queries over one release (the web layer's user queries go through limits)."""

    def __init__(self, store_path: Path, base_iri: str = "") -> None:
        self.path = Path(store_path)
        self.layout = Layout(self.path.parent)
        self.base_iri = base_iri
        self._catalog: Graph | None = None
        self._lock = threading.Lock()
        super().__init__(ox.Store.read_only(str(self.path)))

    @property
    def ib(self) -> str:
        return self.base_iri + "def/"

    def select(self, sparql: str, **kwargs) -> list[dict[str, ox.NamedNode | ox.Literal | ox.BlankNode]]:
        results = self.query(sparql, **kwargs)
        names = [v.value for v in results.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in results]

    # -- the trusted reads of the store seam ------------------------------------------------------------

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
        """The release's DCAT-AP.de catalogue graph (parsed once), or None if the release has none."""
        with self._lock:
            if self._catalog is None and self.layout.catalog_graph.is_file():
                graph = Graph()
                graph.parse(self.layout.catalog_graph, format="nt")
                for prefix, namespace in catalog_prefixes(self.base_iri).items():
                    graph.bind(prefix, namespace, override=True)
                self._catalog = graph
            return self._catalog

    def run(self, request: QueryRequest) -> QueryResult:
        """A user query with the row cap but, in process, no time limit: use ``PooledStore`` for the web."""
        return execute(self.store, request)
