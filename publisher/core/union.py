"""A pyoxigraph store read as the server reads it: the union of all named graphs as the default graph.

The build reads its own, still writable store through this, so it sees the data as the server will;
the embedded store of the serve side extends it.
"""

from __future__ import annotations

import pyoxigraph as ox


class UnionView:
    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def query(self, sparql: str, **kwargs):
        """Run ``sparql`` with the union of all named graphs as the default graph."""
        kwargs.setdefault("use_default_graph_as_union", True)
        return self.store.query(sparql, **kwargs)
