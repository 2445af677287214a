"""The SPARQL 1.1 Protocol at ``/sparql``: queries by GET and POST, results by negotiation, and the page.

This module reads the protocol request (query, dataset, format), refuses what the endpoint does not do
(updates, several queries, unknown content types), and turns a ``QueryResult`` or ``QueryError`` from
the store seam into an HTTP answer. Queries run in the worker pool (``publisher.serve.store.pool``) with the
configured time limit and row cap; nothing here evaluates SPARQL itself.

Without a query, ``/sparql`` answers browsers with the query page and everyone else with the SPARQL
Service Description. With a query and ``Accept: text/html`` (or ``format=html``) the page shows the
results as a table, so the page works without JavaScript.
"""

from __future__ import annotations

import atexit
import json
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, render_template, request

from publisher.core import formats
from publisher.core.config import Config
from publisher.core.namespaces import ProjectNamespaces
from publisher.core.urls import Urls
from publisher.serve.render.query_errors import bilingual, explain
from publisher.serve.render.service_description import service_description
from publisher.serve.store.base import (
    QueryBusy,
    QueryCrashed,
    QueryError,
    QueryOverBudget,
    QueryRefused,
    QueryRequest,
    QueryResult,
    QueryStore,
    QuerySyntaxError,
    QueryTimeout,
)
from publisher.serve.store.external import ExternalStore, GuardedExternalStore
from publisher.serve.store.guard import READ_ONLY_MESSAGE, query_hash
from publisher.serve.store.pool import PooledStore, QueryBudget, QueryPool
from publisher.serve.web import negotiation as neg
from publisher.serve.web.cache import memo
from publisher.serve.web.errors import error_response
from publisher.serve.web.i18n import language, t
from publisher.serve.web.resources import linker, release_etag

bp = Blueprint("sparql", __name__)

# application/json is answered as SPARQL JSON (for a table) or JSON-LD (for a graph).
SOLUTION_OFFERS = (*formats.SOLUTION_FORMATS, formats.JSON_RESULTS, formats.HTML)
GRAPH_OFFERS = (formats.TURTLE, formats.NTRIPLES, formats.JSONLD, formats.RDFXML, formats.JSON_GRAPH, formats.HTML)
DESCRIPTION_OFFERS = (formats.TURTLE, formats.NTRIPLES, formats.JSONLD, formats.RDFXML, formats.HTML)
#: The names ``format=`` accepts (for the error message).
FORMAT_NAMES = ("json", "xml", "csv", "tsv", "turtle", "ntriples", "jsonld", "rdfxml", "html")
EXPOSED_HEADERS = ("ETag, Link, Content-Location, Vary, X-Result-Truncated, X-Result-Rows, X-Result-Row-Limit, "
                   "X-Result-Byte-Limit, Retry-After")
FORM_TYPE = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"

_pool_lock = threading.Lock()
#: One structured line (key=value) per refused query, timeout, worker crash, 429 and 503.
events = logging.getLogger("publisher.sparql")


class ProtocolError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Formats:
    """What the client gets for each kind of result; ``None`` where it accepts nothing of that kind."""

    solutions: formats.Format | None
    graph: formats.Format | None

    @property
    def html(self) -> bool:
        return formats.HTML in (self.solutions, self.graph)

    def for_kind(self, kind: str) -> formats.Format:
        fmt = self.graph if kind == "graph" else self.solutions
        assert fmt is not None  # the worker refuses a kind without a format
        return fmt


def _pooled_store() -> PooledStore | GuardedExternalStore:
    """The pool on the release being served, with the guard and the budget (started on first use)."""
    if isinstance(g.live.store, ExternalStore):  # serve --store: no pool; the same guard and budget in front
        return _external_store(g.live.store)
    app = current_app
    config: Config = app.config["PUBLISHER"]
    pool = app.extensions.get("sparql_pool")
    if pool is None:
        with _pool_lock:
            pool = app.extensions.get("sparql_pool")
            if pool is None:
                # Waiting or running queries may hold all threads but one: that one is for everything else.
                pending = max(1, config.threads - 1)
                pool = QueryPool(config.query_workers, config.query_timeout, queue_wait=config.query_queue_wait,
                                 max_pending=pending, max_memory=config.query_worker_memory)
                app.extensions["sparql_budget"] = QueryBudget(config.query_budget_seconds,
                                                              config.query_budget_window)
                app.extensions["sparql_pool"] = pool
                atexit.register(pool.close)
    return PooledStore(pool, g.live.store, budget=app.extensions["sparql_budget"], max_depth=config.query_max_depth)


def _external_store(store: ExternalStore) -> GuardedExternalStore:
    app = current_app
    config: Config = app.config["PUBLISHER"]
    budget = app.extensions.get("sparql_budget")
    if budget is None:
        with _pool_lock:
            budget = app.extensions.setdefault(
                "sparql_budget", QueryBudget(config.query_budget_seconds, config.query_budget_window))
    return GuardedExternalStore(store, budget, config.query_max_depth)


def client_address(config: Config) -> str:
    """Whom the budget and the logs name: the peer, or with trusted forwarded headers the address the
    proxy saw (the last ``X-Forwarded-For`` entry, which is the one our proxy added)."""
    if config.trust_forwarded_headers:
        forwarded = request.headers.get("X-Forwarded-For", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last[:64]
    return request.remote_addr or "-"


_EVENTS = {QueryRefused: "refused", QuerySyntaxError: "refused", QueryTimeout: "timeout",
           QueryCrashed: "worker-crash", QueryOverBudget: "over-budget", QueryBusy: "busy"}


def log_event(exc: QueryError, client: str, query: str) -> None:
    """One key=value line for the operator: what happened, to whom, which query (by hash, never its text)."""
    event = next((name for kind, name in _EVENTS.items() if isinstance(exc, kind)), None)
    if event is None:
        return
    fields = {"event": event, "status": exc.status, "client": client, "query": query_hash(query),
              "length": len(query)}
    if isinstance(exc, QueryCrashed):
        fields["exit"] = exc.detail or "unknown"
    if event == "refused":
        fields["reason"] = type(exc).__name__
    events.warning(" ".join(f"{k}={json.dumps(v) if isinstance(v, str) and ' ' in v else v}"
                            for k, v in fields.items()))


@dataclass(frozen=True)
class AdmittedStore:
    """The store seam as every route uses it: this request's client is charged and named in the log."""

    store: PooledStore | GuardedExternalStore
    client: str

    def run(self, request: QueryRequest) -> QueryResult:
        """Admission (budget, guard, a worker within the queue wait) and evaluation, with the operator's log."""
        try:
            return self.store.run(request, self.client)
        except QueryError as exc:
            log_event(exc, self.client, request.query)
            raise


def query_store() -> QueryStore:
    """The store seam for user queries of this request (``/sparql``, ``/queries/<name>``, the API)."""
    return AdmittedStore(_pooled_store(), client_address(current_app.config["PUBLISHER"]))


def run_query(config: Config, qreq: QueryRequest) -> QueryResult:
    """Run ``qreq`` for this request's client (see ``AdmittedStore``)."""
    return query_store().run(qreq)


def negotiate(args: Mapping[str, str]) -> Formats:
    """The formats from ``format=`` (for links) or else the Accept header; 400 for an unknown name, 406."""
    name = args.get("format")
    if name:
        solutions, graph = formats.by_name(SOLUTION_OFFERS, name), formats.by_name(GRAPH_OFFERS, name)
        if solutions is None and graph is None:
            raise ProtocolError(400, f"Unknown format {name!r}; use one of: {', '.join(FORMAT_NAMES)}.")
        return Formats(solutions, graph)
    accept = request.headers.get("Accept")
    wanted = Formats(_choose(SOLUTION_OFFERS, accept), _choose(GRAPH_OFFERS, accept))
    if wanted.solutions is None and wanted.graph is None:
        raise neg.NotAcceptable([*SOLUTION_OFFERS, *GRAPH_OFFERS[:-1]])
    return wanted


def _choose(offers: Sequence[formats.Format], accept: str | None) -> formats.Format | None:
    try:
        return neg.choose(offers, accept)
    except neg.NotAcceptable:
        return None


def build_request(config: Config, query: str, wanted: Formats, *, default_graphs: Sequence[str] = (),
                  named_graphs: Sequence[str] = (), substitutions: tuple = ()) -> QueryRequest:
    dataset = bool(default_graphs or named_graphs)
    return QueryRequest(
        query=query,
        solutions_format=_worker_format(wanted.solutions),
        graph_format=_worker_format(wanted.graph),
        default_graphs=tuple(default_graphs) if dataset else None,
        named_graphs=tuple(named_graphs) if dataset else None,
        substitutions=substitutions,
        max_rows=config.query_max_rows,
        max_bytes=config.query_max_result_bytes,
        prefixes=_prefixes(config.base_iri),
        truncation_link=config.iri("sparql") + "#limits",
    )


def _worker_format(fmt: formats.Format | None) -> str | None:
    """What the worker writes for an offer; HTML pages are drawn from a SPARQL JSON table."""
    if fmt is None:
        return None
    return formats.SPARQL_JSON.name if fmt is formats.HTML else fmt.body_format


@lru_cache(maxsize=4)
def _prefixes(base_iri: str) -> tuple[tuple[str, str], ...]:
    return tuple(ProjectNamespaces(base_iri).prefixes().items())


def result_response(result: QueryResult, wanted: Formats, config: Config) -> Response:
    """The HTTP answer for a (non-HTML) result: its media type, the row-cap headers, ``Vary``."""
    fmt = wanted.for_kind(result.kind)
    response = Response(result.body, content_type=fmt.content_type)
    add_result_headers(response, result, config)
    return neg.finish(response)


def add_result_headers(response: Response, result: QueryResult, config: Config) -> None:
    response.headers["X-Result-Rows"] = str(result.rows)
    response.headers["X-Result-Truncated"] = "true" if result.truncated else "false"
    if result.truncated and result.byte_limited:
        response.headers["X-Result-Byte-Limit"] = str(config.query_max_result_bytes)
    elif result.truncated:
        response.headers["X-Result-Row-Limit"] = str(config.query_max_rows)
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS


def query_error_response(exc: QueryError | ProtocolError, query: str | None = None) -> Response:
    status = exc.status
    # A syntax error in words, German / English, with line and column (the parser's text after it).
    plain = bilingual(exc.message, query, t) if query and isinstance(exc, QuerySyntaxError) else None
    response = error_response(status, plain or exc.message)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    response.vary.add("Accept")
    return response


# --- reading the protocol request --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProtocolRequest:
    query: str | None
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]


def read_protocol_request() -> ProtocolRequest:
    """Query and dataset from GET parameters, a form, or an ``application/sparql-query`` body."""
    params = request.args
    body_query: str | None = None
    if request.method == "POST":
        mimetype = request.mimetype
        if mimetype == UPDATE_TYPE:
            raise ProtocolError(403, READ_ONLY_MESSAGE)
        if mimetype == FORM_TYPE:
            params = request.form
            if request.args.getlist("query"):
                raise ProtocolError(400, "Give the query either in the URL or in the form, not both.")
        elif mimetype == QUERY_TYPE:
            charset = request.mimetype_params.get("charset", "utf-8")
            if charset.strip().lower().replace("_", "-") not in ("utf-8", "utf8"):
                raise ProtocolError(415, f"Der Abfragetext muss UTF-8 sein, nicht {charset[:40]!r}. / The query "
                                         f"must be sent as UTF-8 (charset={charset[:40]!r} is not accepted; the "
                                         "SPARQL protocol requires UTF-8).")
            try:
                body_query = request.get_data(cache=False).decode("utf-8")
            except UnicodeDecodeError:
                raise ProtocolError(400, "The query is not valid UTF-8 text.") from None
            if request.args.getlist("query"):
                raise ProtocolError(400, "Give the query either in the URL or in the body, not both.")
        else:
            raise ProtocolError(415, f"POST a query as {FORM_TYPE} (field 'query') or as {QUERY_TYPE}.")
    if params.getlist("update") or request.args.getlist("update"):
        raise ProtocolError(403, READ_ONLY_MESSAGE)
    queries = params.getlist("query")
    if len(queries) > 1:
        raise ProtocolError(400, "Exactly one 'query' parameter is allowed; this request has "
                                 f"{len(queries)}.")
    query = body_query if body_query is not None else (queries[0] if queries else None)
    if query is not None and not query.strip():
        raise ProtocolError(400, "The query is empty.")
    default_graphs = tuple(params.getlist("default-graph-uri"))
    named_graphs = tuple(params.getlist("named-graph-uri"))
    for iri in default_graphs + named_graphs:
        if not iri.startswith(("http://", "https://", "urn:")) or any(c in iri for c in ' <>"{}|\\^`'):
            raise ProtocolError(400, f"Not an absolute IRI: {iri!r}.")
    return ProtocolRequest(query, default_graphs, named_graphs)


# --- routes --------------------------------------------------------------------------------------------------


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    config: Config = current_app.config["PUBLISHER"]
    try:
        proto = read_protocol_request()
        if proto.query is None:
            if request.method == "POST":
                raise ProtocolError(400, "No query: send one in the 'query' parameter.")
            return _service_description_or_page(config)
        wanted = negotiate(request.values)
    except ProtocolError as exc:
        if exc.status in (400, 403) and _wants_html():
            return _page(config, request.values.get("query") or "", error=exc.message, status=exc.status)
        return query_error_response(exc)
    qreq = build_request(config, proto.query, wanted, default_graphs=proto.default_graphs,
                         named_graphs=proto.named_graphs)
    try:
        result = run_query(config, qreq)
    except QueryError as exc:
        if wanted.html:
            page = _page(config, proto.query, error=exc.message, status=exc.status, proto=proto)
            if getattr(exc, "retry_after", None):
                page.headers["Retry-After"] = str(exc.retry_after)
            return page
        return query_error_response(exc, proto.query)
    if wanted.html:
        return _page(config, proto.query, result=result, proto=proto)
    return result_response(result, wanted, config)


@bp.after_request
def _preflight_headers(response: Response) -> Response:
    # CORS preflight for POSTs with a SPARQL content type; still no credentials.
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
    return response


def _wants_html() -> bool:
    return _choose((formats.TURTLE, formats.HTML), request.headers.get("Accept")) is formats.HTML or \
        request.values.get("format") == "html"


def _service_description_or_page(config: Config) -> Response:
    name = request.args.get("format")
    accept = request.headers.get("Accept")
    fmt = formats.by_name(DESCRIPTION_OFFERS, name) if name else neg.choose(DESCRIPTION_OFFERS, accept)
    if fmt is None:
        raise ProtocolError(400, f"Unknown format {name!r}; use one of: turtle, ntriples, jsonld, rdfxml, html.")
    if fmt is formats.HTML:
        return _page(config, "")
    release = g.live.release
    # Once per release, format and configuration: the description states the configured limits.
    body = memo((release.id, "service-description", fmt.name, config),
                lambda: service_description(config, release).serialize(format=fmt.rdflib, encoding="utf-8"))
    response = Response(body, content_type=fmt.content_type)
    return neg.finish(response, etag=release_etag("service-description", fmt.name))


# --- the query page ----------------------------------------------------------------------------------------


#: The comment of the starter query, in the page's language.
STARTER_COMMENT = {"de": "# Partner*innen je Nachhaltigkeitsziel (SDG), die meisten zuerst",
                   "en": "# Partners per SDG goal, the most first"}


def default_query(config: Config, lang: str = "de") -> str:
    """The starter query of the editor: short, only the prefixes it uses, rows from this dataset."""
    prefixes = ProjectNamespaces(config.base_iri).prefixes()
    head = "\n".join(f"PREFIX {p}: <{prefixes[p]}>" for p in ("ib", "schema", "skos"))
    title_lang = lang if lang in STARTER_COMMENT else "de"
    return (f"{head}\n\n{STARTER_COMMENT[title_lang]}\n"
            "SELECT ?goal ?title (COUNT(DISTINCT ?partner) AS ?partners)\n"
            '       (GROUP_CONCAT(DISTINCT ?name; separator=", ") AS ?names)\n'
            "WHERE {\n  ?partner ib:sdg ?goal ;\n           schema:name ?name .\n"
            '  FILTER(LANG(?name) = "de")\n  FILTER NOT EXISTS { ?partner a schema:Event }\n'
            f'  ?goal skos:prefLabel ?title .\n  FILTER(LANG(?title) = "{title_lang}")\n}}\n'
            "GROUP BY ?goal ?title\nORDER BY DESC(?partners) ?title\n")


def table(result: QueryResult) -> dict:
    """A SPARQL JSON result (solutions, boolean or triples) as rows of display cells for the template."""
    data = json.loads(result.body)
    if "boolean" in data:
        return {"boolean": data["boolean"], "variables": [], "rows": []}
    variables = data["head"]["vars"]
    links = linker()
    rows = [[cell(b.get(v), links) for v in variables] for b in data["results"]["bindings"]]
    return {"boolean": None, "variables": variables, "rows": rows}


def cell(term: dict | None, links: Urls) -> dict | None:
    """One term for display: its text, a link (the local page for IRIs we serve), language, datatype."""
    if term is None:
        return None
    value = term["value"]
    if term["type"] == "uri":
        href = links.href(value)
        # Only web links: a query can produce any IRI, "javascript:…" included.
        return {"kind": "iri", "text": value, "href": href if href.startswith(("/", "http:", "https:")) else None}
    if term["type"] == "bnode":
        return {"kind": "bnode", "text": "_:" + value}
    if term["type"] == "triple":
        return {"kind": "literal", "text": json.dumps(value, ensure_ascii=False)}
    datatype = term.get("datatype", "")
    return {"kind": "literal", "text": value, "lang": term.get("xml:lang"),
            "datatype": datatype.rsplit("#", 1)[-1] if datatype else None}


def download_links(params: Mapping[str, object], base_path: str) -> list[tuple[str, str, str]]:
    """(label, href, file name) for the same results as CSV and SPARQL JSON."""
    return [(label, f"{base_path}?{urlencode({**params, 'format': name}, doseq=True)}", f"results.{ext}")
            for label, name, ext in (("CSV", "csv", "csv"), ("JSON", "json", "srj"), ("TSV", "tsv", "tsv"))]


def _page(config: Config, query: str, *, result: QueryResult | None = None, error: str | None = None,
          status: int = 200, proto: ProtocolRequest | None = None) -> Response:
    from publisher.core.named_queries import named_queries

    downloads = []
    if result is not None and proto is not None:
        params = {"query": query, "default-graph-uri": list(proto.default_graphs),
                  "named-graph-uri": list(proto.named_graphs)}
        endpoint = request.script_root + "/sparql"
        downloads = download_links(params, endpoint) if result.kind != "graph" else \
            [("Turtle", f"{endpoint}?{urlencode({**params, 'format': 'turtle'}, doseq=True)}", "results.ttl")]
    g.keep_args = ("query", "default-graph-uri", "named-graph-uri")
    explained = explain(error, query, language(), t) if error and status == 400 else None
    html = render_template(
        "sparql.html", title="SPARQL", query=query or default_query(config, language()),
        result=table(result) if result else None, result_meta=result, error=error,
        explained=explained, status=status, downloads=downloads, examples=list(named_queries().values()), config=config,
    )
    response = Response(html, status=status, content_type=formats.HTML.content_type)
    if result is not None:
        add_result_headers(response, result, config)
    response.vary.add("Accept")
    response.vary.add("Accept-Language")  # the page is German or English by the request
    return response
