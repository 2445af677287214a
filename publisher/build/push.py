"""The external store: copy a release into a SPARQL server (the W3C Graph Store Protocol) and check it.

For deployments that already run a triple store (Oxigraph, Fuseki, GraphDB, Virtuoso …): each named
graph of the release (one per source file, plus the derived one) is replaced with one HTTP ``PUT``, graphs
of ours that the release no longer has are deleted, and the store's counts are compared with the
release manifest. The embedded store stays what the web app serves; pushing never changes the release.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import quote

import requests

from publisher.core.release import Release

TIMEOUT = 120


class PushError(Exception):
    """The store refused or could not be reached; the message says which request and why."""


@dataclass(frozen=True)
class PushReport:
    graphs: dict[str, int]  # graph IRI → triples now in the store
    deleted: list[str]


def graphs_of(release: Release) -> dict[str, list[str]]:
    """The release's N-Quads, as N-Triples lines per named graph."""
    graphs: dict[str, list[str]] = defaultdict(list)
    with open(release.dataset_path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            # Graph names are IRIs (no spaces), so the graph is the last term before the final " .".
            body, graph, _ = line.rsplit(" ", 2)
            graphs[graph[1:-1]].append(body + " .")
    return graphs


def push(release: Release, graph_store: str, query_endpoint: str, auth: tuple[str, str] | None = None) -> PushReport:
    """Replace every graph of the release in the store, delete our stale graphs, and verify the counts."""
    session = requests.Session()
    session.auth = auth
    ours = graphs_of(release)
    for graph, lines in ours.items():
        _call(session, "PUT", f"{graph_store}?graph={quote(graph, safe='')}",
              data=("\n".join(lines) + "\n").encode("utf-8"), headers={"Content-Type": "application/n-triples"})
    prefix = release.manifest["base_iri"] + "graph/"
    counts = _graph_counts(session, query_endpoint, prefix)
    deleted = sorted(set(counts) - set(ours))
    for graph in deleted:
        _call(session, "DELETE", f"{graph_store}?graph={quote(graph, safe='')}")
        del counts[graph]
    expected = release.manifest["graphs"]
    if counts != expected:
        differ = sorted(g for g in set(counts) | set(expected) if counts.get(g) != expected.get(g))
        raise PushError(f"after the push the store's counts differ from the release in {len(differ)} graph(s), "
                        f"e.g. {differ[0]}: store {counts.get(differ[0], 0)}, release {expected.get(differ[0], 0)}")
    return PushReport(counts, deleted)


def _graph_counts(session: requests.Session, endpoint: str, prefix: str) -> dict[str, int]:
    query = ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
             f'FILTER(STRSTARTS(STR(?g), "{prefix}")) }} GROUP BY ?g')
    response = _call(session, "POST", endpoint, data={"query": query},
                     headers={"Accept": "application/sparql-results+json"})
    try:
        rows = response.json()["results"]["bindings"]
        return {row["g"]["value"]: int(row["n"]["value"]) for row in rows}
    except (ValueError, KeyError) as exc:
        raise PushError(f"{endpoint} did not answer with SPARQL JSON results ({exc})") from None


def _call(session: requests.Session, method: str, url: str, **kwargs) -> requests.Response:
    try:
        response = session.request(method, url, timeout=TIMEOUT, **kwargs)
    except requests.RequestException as exc:
        raise PushError(f"{method} {url}: the store could not be reached ({type(exc).__name__})") from None
    if response.status_code >= 400:
        raise PushError(f"{method} {url}: the store answered {response.status_code} "
                        f"{response.text.strip()[:200]}")
    return response
