"""The embedded store: one release's pyoxigraph database, opened read-only, behind the store seam.

Read-only is enforced by the database itself, not only by the web layer: an update through this
store fails at the storage level. The trusted reads (descriptions, lists, labels, search, the
catalogue) are methods here, so the web layer never writes or runs SPARQL itself; an external SPARQL
store can implement the same ``ReleaseStore`` interface.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from publisher.core.release import Layout
from publisher.core.union import UnionView
from publisher.serve.store.base import QueryRequest, QueryResult
from publisher.serve.store.reads import TrustedReads
from publisher.serve.store.results import execute


class EmbeddedStore(TrustedReads, UnionView):
    """Trusted, internal queries over one release (the web layer's user queries go through limits)."""

    def __init__(self, store_path: Path, base_iri: str = "") -> None:
        self.path = Path(store_path)
        TrustedReads.__init__(self, base_iri, Layout(self.path.parent))
        UnionView.__init__(self, ox.Store.read_only(str(self.path)))

    def query(self, sparql: str, **kwargs):
        return UnionView.query(self, sparql, **kwargs)

    def select(self, sparql: str, **kwargs) -> list[dict[str, ox.NamedNode | ox.Literal | ox.BlankNode]]:
        results = self.query(sparql, **kwargs)
        names = [v.value for v in results.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in results]

    def run(self, request: QueryRequest) -> QueryResult:
        """A user query with the row cap but, in process, no time limit: use ``PooledStore`` for the web."""
        return execute(self.store, request)
