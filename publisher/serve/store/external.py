"""An external SPARQL 1.1 endpoint (Oxigraph server, Virtuoso, …) behind the store seam: ``serve --store URL``.

What is served is the release the store's pointer names (``publisher.core.store_graphs``; written by
``publisher push``): every query reads only that release's graphs, named in the request's dataset
(``default-graph-uri``: the release's union graph, plus ``named-graph-uri`` for ``GRAPH`` in user queries),
so a push in progress or an old release in the store is never seen. The release's files (manifest, dumps,
lists, catalogue) come from the local builds folder, ``builds/releases/<id>``, which every web host gets
with the deployment; the web processes keep nothing else, so any number can run behind a load balancer.

Results are parsed into pyoxigraph terms, so the description and list code of ``publisher.core`` runs
unchanged on this store. User queries keep the publisher's limits in front of the engine: the guard (which
parses the query, so syntax errors read as with the embedded store) and the client's budget before sending,
the time limit as the request's deadline (and Virtuoso's own ``timeout`` parameter), the row cap and a byte
cap while reading. Graph names in user queries and results are the release's own
(``{base}graph/data/x``), mapped to and from the stored ones (``{base}graph/<id>/data/x``).
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import time
from functools import lru_cache
from urllib.parse import urlencode

import pyoxigraph as ox

from publisher.core import describe as describing
from publisher.core import store_graphs as sg
from publisher.core.config import Config
from publisher.core.formats import SPARQL_JSON
from publisher.core.release import RELEASES, Release
from publisher.serve.store.base import (
    QueryError,
    QueryFailed,
    QueryRequest,
    QueryResult,
    QueryTimeout,
    StoreFailed,
    StoreUnavailable,
)
from publisher.serve.store.guard import (
    _TOKEN,
    check_query_fast,
    query_form,
)
from publisher.serve.store.http import (
    StoreAnswerTooLarge,
    StoreClient,
    StoreResponse,
    StoreTimeout,
    StoreUnreachable,
)
from publisher.serve.store.reads import TrustedReads
from publisher.serve.store.results import WRITERS, _boolean, _cut, _graph

log = logging.getLogger(__name__)

SOLUTIONS_ACCEPT = "application/sparql-results+json"
GRAPH_ACCEPT = "application/n-triples"
#: Virtuoso's answer (a 500) to a query it cannot evaluate, by SQL state: 22xxx a data exception (division by
#: zero, a bad regular expression, a date that is none), 37000 a query it cannot compile though standard (a
#: transitive path without a start), 42xxx an access rule. The query's fault, not the store's: 422, in its words.
ENGINE_QUERY_ERROR = re.compile(r"Virtuoso (?:22[0-9A-Z]{3}|37000|42[0-9A-Z]{3}) Error ")
#: Depth to which blank nodes of a description are closed in its one query (the data has none today).
BLANK_DEPTH = 3


def served_release_target(config: Config, client: StoreClient | None = None) -> str:
    """``releases/<id>`` for the release the store's pointer names (relative to the builds folder).

    Raises ``OSError`` (``StoreUnreachable`` is one) when the store cannot say, so the caller keeps
    what it serves.
    """
    response = (client or StoreClient(config.store)).post({"query": sg.pointer_query(config.base_iri)},
                                                          SOLUTIONS_ACCEPT, 10)
    try:
        body = response.read(1_000_000)
        if response.status >= 400:
            raise StoreUnreachable(f"the store at {config.store} answered {response.status} to the pointer query")
        ids = sorted(row["id"]["value"] for row in json.loads(body)["results"]["bindings"])
    except (ValueError, KeyError, TypeError, StoreAnswerTooLarge):
        raise StoreUnreachable(f"the store at {config.store} gave an unreadable answer to the pointer query") from None
    if not ids:
        raise OSError(f"the store at {config.store} serves no release yet (run 'publisher push')")
    if "/" in ids[0] or ids[0].startswith("."):
        raise OSError(f"the store's pointer names {ids[0]!r}, which is not a release id")
    return f"{RELEASES}/{ids[0]}"


class ExternalStore(TrustedReads):
    """The ``ReleaseStore`` of one release held in an external SPARQL endpoint."""

    def __init__(self, config: Config, release: Release) -> None:
        self.config = config
        self.endpoint = config.store
        self.release = release
        TrustedReads.__init__(self, config.base_iri, release.layout)
        self.graphs = tuple(sg.stored_graph(self.base_iri, release.id, g) for g in sorted(release.manifest["graphs"]))
        self.prefix = sg.release_prefix(self.base_iri, release.id)
        self._prefix_bytes = self.prefix.encode()  # no stored graph name in an answer: nothing to map back
        self.union = (sg.union_graph(self.base_iri, release.id),)
        self.client = StoreClient(self.endpoint)
        self.engine: str | None = None  # "virtuoso", "oxigraph" … from the first answer's Server header

    # -- HTTP ---------------------------------------------------------------------------------------------

    def _post(self, query: str, accept: str, *, default_graphs, named_graphs=(), timeout: float | None = None,
              ) -> StoreResponse:
        engine_timeout = int(timeout * 1000) if timeout and self.engine == "virtuoso" else 0
        form = urlencode({"query": query}).encode() + _dataset_form(tuple(default_graphs), tuple(named_graphs),
                                                                    engine_timeout)
        limit = timeout or self.config.query_timeout * 3  # a trusted read (a page's) has no limit of its own
        try:
            response = self.client.post(form, accept, limit)
        except StoreTimeout:
            raise QueryTimeout.after(limit) from None
        except StoreUnreachable as exc:
            log.error("the store at %s cannot be reached: %s", self.endpoint, exc)
            raise StoreUnavailable("The triple store behind this endpoint cannot be reached; please try again.") \
                from None
        if self.engine is None:
            server = response.headers.get("Server", "").lower()
            self.engine = "virtuoso" if "virtuoso" in server else "oxigraph" if "oxigraph" in server else "sparql"
        if response.status >= 400:
            try:
                text = response.read(64 * 1024).decode("utf-8", "replace").strip().splitlines()
            except (StoreUnreachable, StoreAnswerTooLarge):
                text = []
            detail = (text[0] if text else "")[:300]
            if "S1T00" in detail or "timed out" in detail.lower() or response.status == 504:
                raise QueryTimeout.after(timeout or 0)
            if response.status in (400, 422) or ENGINE_QUERY_ERROR.match(detail):
                # Sent only after the standard syntax check: the engine's refusal says what it cannot evaluate
                # (Virtuoso has no BNODE()), not that the client wrote bad SPARQL (400).
                raise QueryFailed(f"The triple store could not evaluate the query: {detail}")
            log.error("the store answered %s: %s", response.status, detail)
            raise StoreFailed("The triple store could not evaluate the query.")
        # Virtuoso's "anytime" answer: a partial result when its own timeout struck. Never serve it as complete.
        if response.headers.get("X-SQL-State", "").startswith("S1TAT"):
            response.close()
            raise QueryTimeout.after(timeout or 0)
        return response

    def query(self, sparql: str, **kwargs):
        """A trusted query over the release's union graph: solutions, triples or a boolean, as pyoxigraph gives.

        ``substitutions`` of IRIs and literals are written in as a VALUES block; blank nodes cannot be named
        across requests to another store (``describe`` closes them in its own query instead).
        """
        substitutions = kwargs.pop("substitutions", None)
        if substitutions:
            if any(isinstance(v, ox.BlankNode) for v in substitutions.values()):
                return iter(())
            names = " ".join(str(k) for k in substitutions)
            values = " ".join(str(v) for v in substitutions.values())
            sparql = _insert_values(sparql, f"VALUES ({names}) {{ ({values}) }}")
        form = query_form(sparql)
        graph = form in ("CONSTRUCT", "DESCRIBE")
        response = self._post(sparql, GRAPH_ACCEPT if graph else SOLUTIONS_ACCEPT, default_graphs=self.union)
        if graph:
            return [ox.Triple(q.subject, q.predicate, q.object)
                    for q in ox.parse(self._body(response, capped=False), format=ox.RdfFormat.N_TRIPLES)]
        return ox.parse_query_results(self._body(response, capped=False), format=ox.QueryResultsFormat.JSON)

    def _body(self, response: StoreResponse, deadline: float | None = None, timeout: float = 0,
              capped: bool = True) -> bytes:
        """The answer's bytes, for a user query within the store's byte cap and the query's deadline: parsed
        from bytes, pyoxigraph is four times faster than from a stream it reads in pieces through Python."""
        cap = self.config.store_max_result_bytes
        try:
            return response.read(cap if capped else None, deadline)
        except StoreAnswerTooLarge:
            raise QueryFailed(f"The store's answer is larger than the endpoint's limit of {cap} bytes. "
                              f"Add a LIMIT or select fewer columns.") from None
        except StoreTimeout:
            raise QueryTimeout.after(timeout or 0) from None
        except StoreUnreachable as exc:
            log.error("the store's answer broke off: %s", exc)
            raise StoreFailed("The triple store's answer could not be read.") from None

    def select(self, sparql: str) -> list[dict]:
        results = self.query(sparql)
        names = [v.value for v in results.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in results]

    # -- the trusted reads of the store seam -----------------------------------------------------------------

    def describe(self, iri: str) -> describing.Description | None:
        """``describe.DESCRIBE_QUERY``; then, only if the resource has blank nodes, one more query that closes
        them to ``BLANK_DEPTH`` (blank nodes cannot be named across requests to another store)."""
        try:
            node = ox.NamedNode(iri)
        except ValueError:
            return None
        found = set(self.query(describing.DESCRIBE_QUERY.replace("THIS", str(node))))
        if not any(t.subject == node for t in found):
            return None
        if any(isinstance(t.object, ox.BlankNode) for t in found if t.subject == node):
            branches, path = [], f"{node} ?b_p0 ?b0 FILTER(isBlank(?b0))"
            for depth in range(BLANK_DEPTH):
                branches.append(f"{{ {path} BIND(?b{depth} AS ?s) ?s ?p ?o }}")
                path += f" ?b{depth} ?b_p{depth + 1} ?b{depth + 1} FILTER(isBlank(?b{depth + 1}))"
            # One query with the subject's own triples again, so that its blank nodes keep their labels.
            closure = (f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {{ {node} ?p ?o BIND({node} AS ?s) }} UNION "
                       + " UNION ".join(branches) + " }")
            found = {t for t in found if t.subject != node and not isinstance(t.object, ox.BlankNode)}
            found |= set(self.query(closure))
        return describing.Description(iri, sorted(found, key=describing.sort_key))

    def described_iris(self, limit: int) -> list[str]:
        """Sorted here, not by the store: Virtuoso refuses ORDER BY with a LIMIT above its MaxSortedTopRows
        (10,000 by default), and the sitemap asks for up to 50,000."""
        rows = self.query(f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "
                          f"{ox.Literal(self.base_iri)})) }}")
        return sorted(row["s"].value for row in rows)[:limit]

    # -- user queries ------------------------------------------------------------------------------------

    def run(self, request: QueryRequest) -> QueryResult:
        """An untrusted query, with the publisher's limits in front of the engine."""
        checked = check_query_fast(request.query, self.config.query_max_depth)
        text = self._to_stored(request.query)
        if request.default_graphs is not None or request.named_graphs is not None:
            default, named = self._dataset(request.default_graphs), self._dataset(request.named_graphs)
        elif "FROM" in checked.words:
            default, named = (), ()  # the query's own FROM / FROM NAMED (mapped to the stored graphs)
        else:
            # The named graphs only for a query that can reach them: the engine spends time on every graph
            # named in the dataset (Virtuoso about 3 ms each), 30 ms and more on every aggregate otherwise.
            default, named = self.union, (self.graphs if "GRAPH" in checked.words else ())
        if request.substitutions:
            from publisher.core.terms import term

            names = " ".join(f"?{name}" for name, _ in request.substitutions)
            values = " ".join(str(term(spec)) for _, spec in request.substitutions)
            text = _insert_values(text, f"VALUES ({names}) {{ ({values}) }}")
        graph = checked.kind == "graph"
        timeout = self.config.query_timeout
        if self.engine is None:  # learn the engine first, so that Virtuoso gets its own timeout too
            self._post("ASK {}", SOLUTIONS_ACCEPT, default_graphs=self.union).read(64 * 1024)
        deadline = time.monotonic() + timeout
        response = self._post(text, GRAPH_ACCEPT if graph else SOLUTIONS_ACCEPT, default_graphs=default,
                              named_graphs=named, timeout=timeout)
        body = self._body(response, deadline, timeout)
        try:
            if graph:
                quads = ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
                triples = (ox.Triple(self._to_release(q.subject), q.predicate, self._to_release(q.object))
                           for q in quads)
                return _graph(list(itertools.islice(triples, request.max_rows + 1)), request)
            if request.solutions_format == SPARQL_JSON.name and self._prefix_bytes not in body:
                served = _engine_json(body, request.max_rows)
                if served is not None:
                    return served
            result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            if isinstance(result, ox.QueryBoolean):
                return _boolean(bool(result), request)
            return self._solutions(result, request)
        except QueryError:
            raise
        except (SyntaxError, ValueError, OSError) as exc:
            log.error("unreadable answer from the store: %s", exc)
            raise StoreFailed("The triple store's answer could not be read.") from None

    def _solutions(self, result: ox.QuerySolutions, request: QueryRequest) -> QueryResult:
        from publisher.serve.store.results import SOLUTION_FORMATS, ResultNotAcceptable

        fmt = request.solutions_format
        if fmt not in SOLUTION_FORMATS:
            raise ResultNotAcceptable("This SELECT query gives a table of solutions; ask for SPARQL JSON, "
                                      "SPARQL XML, CSV or TSV.")
        variables = tuple(v.value for v in result.variables)
        rows, truncated = _cut(result, request.max_rows)
        table = [tuple(self._to_release(row[i]) for i in range(len(variables))) for row in rows]
        body = WRITERS[fmt](variables, table, request.truncation_link if truncated else "")
        return QueryResult("solutions", fmt, body, len(table), truncated, variables)

    def _dataset(self, graphs: tuple[str, ...] | None) -> tuple[str, ...]:
        """The stored names of the requested release graphs; an empty graph of ours for any other name."""
        known = set(self.graphs)
        mapped = [sg.stored_graph(self.base_iri, self.release.id, g) if g.startswith(sg.graphs_prefix(self.base_iri))
                  else g for g in graphs or ()]
        chosen = tuple(g for g in mapped if g in known)
        return chosen or ((self.prefix + "none",) if graphs else ())

    def _to_stored(self, text: str) -> str:
        """The query with every IRI of a release graph (``<{base}graph/x>``) written as its stored name."""
        prefix = sg.graphs_prefix(self.base_iri)
        if prefix not in text:  # the common case, without a pass of the lexer
            return text
        out, last = [], 0
        for match in _TOKEN.finditer(text):
            iri = match.group()[1:-1]
            if match.lastgroup == "iri" and iri.startswith(prefix):
                out += [text[last:match.start()], f"<{sg.stored_graph(self.base_iri, self.release.id, iri)}>"]
                last = match.end()
        return "".join(out) + text[last:]

    def _to_release(self, t):
        if isinstance(t, ox.NamedNode) and t.value.startswith(self.prefix):
            return ox.NamedNode(sg.release_graph(self.base_iri, self.release.id, t.value))
        return t


class GuardedExternalStore:
    """User queries on an external store as the pool's ``PooledStore`` takes them: the client's budget first,
    then the store (whose ``run`` applies the guard), the time it took charged to the client."""

    def __init__(self, store: ExternalStore, budget) -> None:
        self.store, self.budget = store, budget

    def run(self, request: QueryRequest, client: str = "") -> QueryResult:
        if self.budget is not None:
            self.budget.check(client)
        started = time.monotonic()
        try:
            return self.store.run(request)
        finally:
            if self.budget is not None:
                self.budget.charge(client, time.monotonic() - started)


def _engine_json(body: bytes, max_rows: int) -> QueryResult | None:
    """The engine's own SPARQL JSON table, when nothing needs mapping (the caller checked) and, within the row
    cap, nothing to cut; else None (then it is parsed and written again). Its rows counted by json, in C: on an
    aggregate Virtuoso answers in 7 ms the seam's cost is the point, and writing the answer again cost as much
    as all else after it. Virtuoso writes literals with a datatype as the pre-standard "typed-literal"; made
    "literal" here, as SPARQL 1.1 has it (in valid JSON that byte sequence is a term's member: quotes in strings
    are escaped); any other spelling of it left over, and the answer is written again."""
    standard = body.replace(b'"type": "typed-literal"', b'"type": "literal"')
    if b'"typed-literal"' in standard:
        return None
    try:
        data = json.loads(standard)
        variables, bindings = tuple(data["head"]["vars"]), data["results"]["bindings"]
    except (ValueError, KeyError, TypeError):  # a boolean, or JSON of its own: pyoxigraph reads it (or refuses)
        return None
    if len(bindings) > max_rows or not all(isinstance(v, str) for v in variables):
        return None
    return QueryResult("solutions", SPARQL_JSON.name, standard, len(bindings), False, variables)


@lru_cache(maxsize=64)  # one release's few datasets: encoded once, not with every query
def _dataset_form(default_graphs: tuple[str, ...], named_graphs: tuple[str, ...], engine_timeout: int) -> bytes:
    """The form's fields after the query: the dataset, and Virtuoso's own time limit (milliseconds)."""
    fields = [("default-graph-uri", g) for g in default_graphs] + [("named-graph-uri", g) for g in named_graphs]
    if engine_timeout:
        fields.append(("timeout", str(engine_timeout)))
    return ("&" + urlencode(fields)).encode() if fields else b""


def _insert_values(sparql: str, values: str) -> str:
    """``values`` at the start of the query's WHERE group: after its first ``{`` that is syntax (not in a
    string, IRI or comment; a CONSTRUCT template's braces come first, so the second there)."""
    braces = [m.start() for m in _TOKEN.finditer(sparql) if m.lastgroup == "other" and m.group() == "{"]
    if not braces:
        return sparql
    at = braces[1] if query_form(sparql) == "CONSTRUCT" and len(braces) > 1 else braces[0]
    return sparql[: at + 1] + " " + values + " " + sparql[at + 1:]
