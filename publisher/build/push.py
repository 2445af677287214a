"""The external store: copy a release into a SPARQL server atomically, so readers never see a mix.

A push runs in four steps (``publisher.core.store_graphs`` names the graphs):

1. **load**: every graph of the release is ``PUT`` (W3C Graph Store Protocol) under a name of its own,
   ``{base}graph/<release id>/…``, and all its triples once more as ``…/<release id>/_union`` (the
   default graph readers query); nothing that readers consult changes;
2. **verify**: the store's triple count of each of those graphs must equal the release manifest's;
3. **switch**: one SPARQL Update (or, without an update endpoint, one ``PUT`` of the one-triple pointer
   graph) names the new release in ``{base}graph/pointer``; readers (``publisher serve --store``) query
   only the graphs of the release the pointer names, so they go from the complete old release to the
   complete new one in that one step;
4. **clean up**: after a grace period for reads still running on the old release, every other graph
   below ``{base}graph/`` (the old release, graphs left by an interrupted push, graphs of the non-atomic
   push of earlier versions) is deleted. Graphs outside ``{base}graph/`` are never touched.

A push killed before step 3 leaves the old release served and complete (the new graphs are unnamed
leftovers); killed after it, the new one. The next push deletes whatever was left. Transient errors
(connection refused, 5xx) are retried with exponential backoff. Two pushes to the same store at once
are not supported (each would delete the other's graphs).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from requests.auth import HTTPDigestAuth
from urllib3.util.retry import Retry

from publisher.core import store_graphs as sg
from publisher.core.release import Release

TIMEOUT = 120
RETRIES = 4
BACKOFF = 0.5  # seconds; doubled on every retry (0.5, 1, 2, 4)
TRANSIENT_STATUSES = (500, 502, 503, 504)
#: Seconds between the switch and deleting the old release: a reader re-reads the pointer at least once a
#: second (``publisher.serve.store.live``), so a request that began on the old release can still finish.
GRACE = 3.0
#: Triples per request: a graph is replaced by one PUT of the first chunk and POSTs (merges) of the rest.
CHUNK = 50_000


class PushError(Exception):
    """The store refused or could not be reached; the message says which request and why."""


@dataclass(frozen=True)
class Endpoints:
    graph_store: str
    query: str
    #: SPARQL Update endpoint for the one-step switch; without it the pointer graph is replaced by one PUT.
    update: str | None = None


@dataclass(frozen=True)
class PushReport:
    release_id: str
    previous: str | None  # the release the pointer named before
    graphs: dict[str, int]  # the release's graph IRI → triples now in the store
    deleted: list[str] = field(default_factory=list)  # stored graph IRIs removed in the clean-up
    loaded: bool = True  # False when the store already served this release (nothing was uploaded)

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


#: ``progress(graph, triples)`` after each graph is uploaded; ``say(text)`` for each step.
Progress = Callable[[str, int], None]
Say = Callable[[str], None]


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


class StoreClient:
    """HTTP to one store: retries with backoff, Basic or (on the store's challenge) Digest authentication."""

    def __init__(self, auth: tuple[str, str] | None = None, retries: int = RETRIES, backoff: float = BACKOFF) -> None:
        self.session = requests.Session()
        self.auth = auth
        self.session.auth = auth
        retry = Retry(total=retries, connect=retries, read=retries, status=retries, backoff_factor=backoff,
                      status_forcelist=TRANSIENT_STATUSES, allowed_methods=None, raise_on_status=False)
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def call(self, method: str, url: str, **kwargs) -> requests.Response:
        try:
            response = self.session.request(method, url, timeout=TIMEOUT, **kwargs)
            if response.status_code == 401 and self.auth and not isinstance(self.session.auth, HTTPDigestAuth):
                # Basic refused: try Digest (Virtuoso's *-auth endpoints answer 401 without a challenge).
                self.session.auth = HTTPDigestAuth(*self.auth)
                response = self.session.request(method, url, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise PushError(f"{method} {url}: the store could not be reached ({type(exc).__name__})") from None
        if response.status_code >= 400:
            raise PushError(f"{method} {url}: the store answered {response.status_code} "
                            f"{response.text.strip()[:200]}")
        return response

    def select(self, endpoint: str, query: str) -> list[dict]:
        response = self.call("POST", endpoint, data={"query": query},
                             headers={"Accept": "application/sparql-results+json"})
        try:
            return response.json()["results"]["bindings"]
        except (ValueError, KeyError) as exc:
            raise PushError(f"{endpoint} did not answer with SPARQL JSON results ({exc})") from None

    def put_graph(self, graph_store: str, graph: str, ntriples: str, method: str = "PUT") -> None:
        # N-Triples is Turtle, and every Graph Store Protocol server reads Turtle.
        self.call(method, f"{graph_store}?graph={quote(graph, safe='')}", data=ntriples.encode("utf-8"),
                  headers={"Content-Type": "text/turtle; charset=utf-8"})

    def load_graph(self, graph_store: str, graph: str, lines: list[str], chunk: int) -> None:
        """``PUT`` the first ``chunk`` triples (replacing the graph), ``POST`` (merge) the rest chunk by chunk,
        so that no request runs for minutes on a big graph and the progress moves."""
        for start in range(0, max(len(lines), 1), chunk):
            part = lines[start:start + chunk]
            self.put_graph(graph_store, graph, "\n".join(part) + "\n", "PUT" if start == 0 else "POST")

    def delete_graph(self, graph_store: str, graph: str) -> None:
        try:
            self.call("DELETE", f"{graph_store}?graph={quote(graph, safe='')}")
        except PushError as exc:
            if "answered 404" not in str(exc):  # already gone
                raise


def served_release(client: StoreClient, endpoint: str, base_iri: str) -> str | None:
    """The release id the store's pointer names, or None before the first push."""
    rows = client.select(endpoint, sg.pointer_query(base_iri))
    ids = sorted(row["id"]["value"] for row in rows)
    return ids[0] if ids else None


def stored_counts(client: StoreClient, endpoint: str, prefix: str) -> dict[str, int]:
    """Triples per stored graph whose IRI starts with ``prefix``."""
    query = ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
             f'FILTER(STRSTARTS(STR(?g), "{prefix}")) }} GROUP BY ?g')
    try:
        return {row["g"]["value"]: int(row["n"]["value"]) for row in client.select(endpoint, query)}
    except (KeyError, ValueError) as exc:
        raise PushError(f"{endpoint} answered the count query without counts ({exc})") from None


def push(release: Release, endpoints: Endpoints, auth: tuple[str, str] | None = None, *,
         progress: Progress | None = None, say: Say | None = None, retries: int = RETRIES,
         backoff: float = BACKOFF, grace: float = GRACE, chunk: int = CHUNK) -> PushReport:
    """Load, verify, switch, clean up (see the module docstring); raises ``PushError``."""
    say = say or (lambda text: None)
    base, rid = release.manifest["base_iri"], release.id
    client = StoreClient(auth, retries, backoff)
    previous = served_release(client, endpoints.query, base)
    expected = {sg.stored_graph(base, rid, g): n for g, n in release.manifest["graphs"].items()}
    expected[sg.union_graph(base, rid)] = release.manifest["triples"]
    loaded = previous != rid or _counts_differ(stored_counts(client, endpoints.query,
                                                             sg.release_prefix(base, rid)), expected)
    if loaded:
        ours = graphs_of(release)
        say(f"loading release {rid}: {len(ours)} graphs, {release.manifest['quads']} triples "
            f"(the store keeps serving {previous or 'nothing'} meanwhile)")
        for graph, lines in ours.items():
            client.load_graph(endpoints.graph_store, sg.stored_graph(base, rid, graph), lines, chunk)
            if progress:
                progress(graph, len(lines))
        union = sorted({line for lines in ours.values() for line in lines})
        client.load_graph(endpoints.graph_store, sg.union_graph(base, rid), union, chunk)
        say(f"loaded the union graph ({len(union)} distinct triples)")
        counts = stored_counts(client, endpoints.query, sg.release_prefix(base, rid))
        differ = _counts_differ(counts, expected)
        if differ:
            raise PushError(f"the store's counts differ from the release manifest in {len(differ)} graph(s), e.g. "
                            f"{differ[0]}: store {counts.get(differ[0], 0)}, release {expected.get(differ[0], 0)}; "
                            f"the pointer was not switched, the store still serves {previous or 'nothing'}")
        say(f"verified: every graph of {rid} has the manifest's count")
        _switch(client, endpoints, base, rid, previous)
        if served_release(client, endpoints.query, base) != rid:
            raise PushError(f"the pointer did not switch to {rid}; the store still serves {previous or 'nothing'}")
        say(f"switched: the store now serves {rid}" + (f" instead of {previous}" if previous else ""))
        if previous and grace > 0:
            say(f"waiting {grace:g} s before deleting {previous}, for reads that started before the switch")
            time.sleep(grace)
    else:
        say(f"the store already serves release {rid}, complete; nothing to load")
    keep = {*expected, sg.pointer_graph(base)}
    stale = sorted(set(stored_counts(client, endpoints.query, sg.graphs_prefix(base))) - keep)
    for graph in stale:
        client.delete_graph(endpoints.graph_store, graph)
    if stale:
        say(f"deleted {len(stale)} graph(s) no release served any longer")
    return PushReport(rid, previous, dict(release.manifest["graphs"]), stale, loaded)


def _counts_differ(counts: dict[str, int], expected: dict[str, int]) -> list[str]:
    return sorted(g for g in set(counts) | set(expected) if counts.get(g) != expected.get(g))


def _switch(client: StoreClient, endpoints: Endpoints, base: str, rid: str, previous: str | None) -> None:
    """Name ``rid`` in the pointer in one request: one Update operation, else one PUT of the pointer graph."""
    if endpoints.update:
        client.call("POST", endpoints.update, data={"update": sg.switch_update(base, rid, previous)})
    else:
        client.put_graph(endpoints.graph_store, sg.pointer_graph(base), sg.pointer_ntriples(base, rid))

