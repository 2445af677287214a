"""How a release is laid out in an external triple store: graphs named for the release, and one pointer.

A push (build side) writes every graph of a release under ``{base}graph/<release id>/…`` and then names
that release in the pointer graph with one SPARQL Update; a reader (serve side) reads the pointer and
queries only the graphs of the release it names. So readers see one complete release or the other,
never a mix, and an interrupted push leaves only unnamed graphs behind, which the next push deletes.

The release's own graph names (``{base}graph/data/organizations``) map one to one onto the stored ones
(``{base}graph/<id>/data/organizations``); the serve side maps them back, so users see the names they
see with the embedded store.
"""

from __future__ import annotations

GRAPHS = "graph/"
POINTER = "graph/pointer"
CURRENT_RELEASE = "#currentRelease"


def graphs_prefix(base_iri: str) -> str:
    """Every graph the publisher writes starts with this; other graphs of the store are never touched."""
    return base_iri + GRAPHS


def pointer_graph(base_iri: str) -> str:
    return base_iri + POINTER


def current_release_predicate(base_iri: str) -> str:
    return pointer_graph(base_iri) + CURRENT_RELEASE


def release_prefix(base_iri: str, release_id: str) -> str:
    return f"{base_iri}{GRAPHS}{release_id}/"


def union_graph(base_iri: str, release_id: str) -> str:
    """Every triple of the release in one graph: what pages and default-dataset queries read.

    Engines slow down with the number of graphs in a dataset (Virtuoso: about 3 ms a graph for one
    description), so the union is stored once more rather than named graph by graph in every query.
    """
    return release_prefix(base_iri, release_id) + "_union"


def stored_graph(base_iri: str, release_id: str, graph: str) -> str:
    """``{base}graph/data/x`` → ``{base}graph/<id>/data/x`` (the release's graph as stored)."""
    prefix = graphs_prefix(base_iri)
    if not graph.startswith(prefix):
        raise ValueError(f"{graph} is not one of the publisher's graphs (below {prefix})")
    return release_prefix(base_iri, release_id) + graph[len(prefix):]


def release_graph(base_iri: str, release_id: str, stored: str) -> str:
    """The inverse of ``stored_graph``; other IRIs come back unchanged."""
    prefix = release_prefix(base_iri, release_id)
    return graphs_prefix(base_iri) + stored[len(prefix):] if stored.startswith(prefix) else stored


def pointer_query(base_iri: str) -> str:
    """The SELECT that reads which release is served (``?id``; no row before the first push)."""
    return (f"SELECT ?id WHERE {{ GRAPH <{pointer_graph(base_iri)}> "
            f"{{ <{pointer_graph(base_iri)}> <{current_release_predicate(base_iri)}> ?id }} }}")


def switch_update(base_iri: str, release_id: str, previous: str | None) -> str:
    """One SPARQL Update operation that names ``release_id`` instead of ``previous`` (one transaction).

    It is a compare-and-swap: it changes the pointer only while it still names ``previous``. (A WHERE with
    OPTIONAL would cover both cases in one text, but Virtuoso then inserts nothing while the pointer is empty.)
    """
    g, p = pointer_graph(base_iri), current_release_predicate(base_iri)
    if previous is None:
        return f"INSERT DATA {{ GRAPH <{g}> {{ <{g}> <{p}> {_literal(release_id)} }} }}"
    return (f"DELETE {{ GRAPH <{g}> {{ <{g}> <{p}> ?old }} }} INSERT {{ GRAPH <{g}> {{ <{g}> <{p}> "
            f"{_literal(release_id)} }} }} WHERE {{ GRAPH <{g}> {{ <{g}> <{p}> ?old FILTER(?old = "
            f"{_literal(previous)}) }} }}")


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def pointer_ntriples(base_iri: str, release_id: str) -> str:
    """The pointer graph as N-Triples, for stores written through the Graph Store Protocol only."""
    return f"<{pointer_graph(base_iri)}> <{current_release_predicate(base_iri)}> {_literal(release_id)} .\n"
