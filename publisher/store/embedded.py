"""The embedded store: the release's pyoxigraph database, opened read-only.

Read-only is enforced by the database itself, not only by the web layer: an update through this
store fails at the storage level.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from publisher.store.base import QueryRequest, QueryResult
from publisher.store.results import execute


class UnionView:
    """A store's ``query`` with the union of all named graphs as the default graph (as the server reads it).

    The build reads its own, still writable store through this, so it sees the data as the server will.
    """

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def query(self, sparql: str, **kwargs):
        """Run ``sparql`` with the union of all named graphs as the default graph."""
        kwargs.setdefault("use_default_graph_as_union", True)
        return self.store.query(sparql, **kwargs)


class EmbeddedStore(UnionView):
    """Trusted, internal queries over one release (the web layer's user queries go through limits)."""

    def __init__(self, store_path: Path) -> None:
        self.path = Path(store_path)
        super().__init__(ox.Store.read_only(str(self.path)))

    def select(self, sparql: str, **kwargs) -> list[dict[str, ox.NamedNode | ox.Literal | ox.BlankNode]]:
        results = self.query(sparql, **kwargs)
        names = [v.value for v in results.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in results]

    def run(self, request: QueryRequest) -> QueryResult:
        """A user query with the row cap but, in process, no time limit: use ``PooledStore`` for the web."""
        return execute(self.store, request)
