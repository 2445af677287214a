"""The SPARQL 1.1 Protocol request and answer, and the lean path that answers ``/sparql`` queries in front of Flask.

Reading the request (query, dataset, format), the store seam with its admission (budget, guard, pool) and
the result's headers take the request as a parameter here, so that the same code serves the Flask route
(``sparql.py``: the page, the service description, errors) and ``SparqlFastPath``: a WSGI layer that
answers a ``GET``/``POST /sparql`` with a query and a non-HTML format itself, with werkzeug's ``Request``,
the same limits, the same headers and the same errors. Flask's request handling (context, routing,
hooks) cost about 0.4 ms of CPU per query, more than the engine needs for a light one (issue 14).
Anything else — no query, HTML, a protocol error, HEAD, OPTIONS — goes to Flask unchanged.
"""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.http import http_date, parse_options_header
from werkzeug.wrappers import Request, Response

from publisher.core import formats, urls
from publisher.core.config import Config
from publisher.core.formats import compressible
from publisher.core.namespaces import ProjectNamespaces
from publisher.serve.render.query_errors import bilingual
from publisher.serve.store.base import (
    QueryBusy,
    QueryCrashed,
    QueryError,
    QueryOverBudget,
    QueryRefused,
    QueryRequest,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
)
from publisher.serve.store.external import ExternalStore, GuardedExternalStore
from publisher.serve.store.guard import READ_ONLY_MESSAGE, query_hash
from publisher.serve.store.live import NoRelease
from publisher.serve.store.pool import PooledStore, QueryBudget, QueryPool
from publisher.serve.web import compression
from publisher.serve.web import negotiation as neg
from publisher.serve.web.clients import client_of
from publisher.serve.web.errors import error_response
from publisher.serve.web.i18n import t

if TYPE_CHECKING:
    from flask import Flask

# application/json is answered as SPARQL JSON (for a table) or JSON-LD (for a graph).
SOLUTION_OFFERS = (*formats.SOLUTION_FORMATS, formats.JSON_RESULTS, formats.HTML)
GRAPH_OFFERS = (formats.TURTLE, formats.NTRIPLES, formats.JSONLD, formats.RDFXML, formats.JSON_GRAPH, formats.HTML)
#: The names ``format=`` accepts (for the error message).
FORMAT_NAMES = ("json", "xml", "csv", "tsv", "turtle", "ntriples", "jsonld", "rdfxml", "html")
EXPOSED_HEADERS = ("ETag, Link, Content-Location, Vary, X-Result-Truncated, X-Result-Rows, X-Result-Row-Limit, "
                   "X-Result-Byte-Limit, Retry-After")
FORM_TYPE = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
SPARQL_PATH = "/" + urls.SPARQL

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


# --- the store seam with admission ---------------------------------------------------------------------------


def pooled_store(app: Flask, live: Any) -> PooledStore | GuardedExternalStore:
    """The pool on the release ``live`` serves, with the guard and the budget (started on first use)."""
    config: Config = app.config["PUBLISHER"]
    if isinstance(live.store, ExternalStore):  # serve --store: no pool; the same guard and budget in front
        return GuardedExternalStore(live.store, _budget(app))
    budget = _budget(app)
    pool = app.extensions.get("sparql_pool")
    if pool is None:
        with _pool_lock:
            pool = app.extensions.get("sparql_pool")
            if pool is None:
                import atexit

                # Waiting or running queries may hold all threads but one: that one is for everything else.
                pending = max(1, config.threads - 1)
                pool = QueryPool(config.query_workers, config.query_timeout, queue_wait=config.query_queue_wait,
                                 max_pending=pending, max_memory=config.query_worker_memory)
                app.extensions["sparql_pool"] = pool
                atexit.register(pool.close)
    return PooledStore(pool, live.store, budget=budget, max_depth=config.query_max_depth)


def _budget(app: Flask) -> QueryBudget:
    budget = app.extensions.get("sparql_budget")
    if budget is None:
        config: Config = app.config["PUBLISHER"]
        with _pool_lock:
            budget = app.extensions.setdefault(
                "sparql_budget", QueryBudget(config.query_budget_seconds, config.query_budget_window))
    return budget


def client_address(config: Config, req: Request) -> str:
    """Whom the budget and the logs name (``clients.client_of``)."""
    return client_of(req.environ, config.trust_forwarded_headers)


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


# --- reading the protocol request ----------------------------------------------------------------------------


def negotiate(args: Mapping[str, str], accept: str | None) -> Formats:
    """The formats from ``format=`` (for links) or else the Accept header; 400 for an unknown name, 406."""
    name = args.get("format")
    if name:
        solutions, graph = formats.by_name(SOLUTION_OFFERS, name), formats.by_name(GRAPH_OFFERS, name)
        if solutions is None and graph is None:
            raise ProtocolError(400, f"Unknown format {name!r}; use one of: {', '.join(FORMAT_NAMES)}.")
        return Formats(solutions, graph)
    return _by_accept(accept)


@lru_cache(maxsize=256)  # clients send few distinct Accept headers: each is weighed once (a 406 every time)
def _by_accept(accept: str | None) -> Formats:
    wanted = Formats(choose(SOLUTION_OFFERS, accept), choose(GRAPH_OFFERS, accept))
    if wanted.solutions is None and wanted.graph is None:
        raise neg.NotAcceptable([*SOLUTION_OFFERS, *GRAPH_OFFERS[:-1]])
    return wanted


def choose(offers: Sequence[formats.Format], accept: str | None) -> formats.Format | None:
    try:
        return neg.choose(offers, accept)
    except neg.NotAcceptable:
        return None


@dataclass(frozen=True)
class ProtocolRequest:
    query: str | None
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]


def read_protocol_request(req: Request | EnvironRequest) -> ProtocolRequest:
    """Query and dataset from GET parameters, a form, or an ``application/sparql-query`` body."""
    params = req.args
    body_query: str | None = None
    if req.method == "POST":
        mimetype = req.mimetype
        if mimetype == UPDATE_TYPE:
            raise ProtocolError(403, READ_ONLY_MESSAGE)
        if mimetype == FORM_TYPE:
            params = req.form
            if req.args.getlist("query"):
                raise ProtocolError(400, "Give the query either in the URL or in the form, not both.")
        elif mimetype == QUERY_TYPE:
            charset = req.mimetype_params.get("charset", "utf-8")
            if charset.strip().lower().replace("_", "-") not in ("utf-8", "utf8"):
                raise ProtocolError(415, f"Der Abfragetext muss UTF-8 sein, nicht {charset[:40]!r}. / The query "
                                         f"must be sent as UTF-8 (charset={charset[:40]!r} is not accepted; the "
                                         "SPARQL protocol requires UTF-8).")
            try:
                body_query = req.get_data(cache=False).decode("utf-8")
            except UnicodeDecodeError:
                raise ProtocolError(400, "The query is not valid UTF-8 text.") from None
            if req.args.getlist("query"):
                raise ProtocolError(400, "Give the query either in the URL or in the body, not both.")
        else:
            raise ProtocolError(415, f"POST a query as {FORM_TYPE} (field 'query') or as {QUERY_TYPE}.")
    if params.getlist("update") or req.args.getlist("update"):
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


def build_request(config: Config, query: str, wanted: Formats, *, default_graphs: Sequence[str] = (),
                  named_graphs: Sequence[str] = (), substitutions: tuple = ()) -> QueryRequest:
    dataset = bool(default_graphs or named_graphs)
    max_rows, max_bytes, prefixes, link = _limits(config)
    return QueryRequest(
        query=query,
        solutions_format=_worker_format(wanted.solutions),
        graph_format=_worker_format(wanted.graph),
        default_graphs=tuple(default_graphs) if dataset else None,
        named_graphs=tuple(named_graphs) if dataset else None,
        substitutions=substitutions,
        max_rows=max_rows,
        max_bytes=max_bytes,
        prefixes=prefixes,
        truncation_link=link,
    )


@lru_cache(maxsize=4)  # what every request of one configuration shares
def _limits(config: Config) -> tuple[int, int, tuple[tuple[str, str], ...], str]:
    return (config.query_max_rows, config.query_max_result_bytes,
            tuple(ProjectNamespaces(config.base_iri).prefixes().items()), config.iri("sparql") + "#limits")


def _worker_format(fmt: formats.Format | None) -> str | None:
    """What the worker writes for an offer; HTML pages are drawn from a SPARQL JSON table."""
    if fmt is None:
        return None
    return formats.SPARQL_JSON.name if fmt is formats.HTML else fmt.body_format


# --- the answer ----------------------------------------------------------------------------------------------


def result_response(result: QueryResult, wanted: Formats, config: Config, req: Request,
                    response_class: type[Response] = Response) -> Response:
    """The HTTP answer for a (non-HTML) result: its media type, the row-cap headers, ``Vary``."""
    fmt = wanted.for_kind(result.kind)
    response = response_class(result.body, content_type=fmt.content_type)
    add_result_headers(response, result, config)
    return neg.finish(response, req=req)


def add_result_headers(response: Response, result: QueryResult, config: Config) -> None:
    response.headers["X-Result-Rows"] = str(result.rows)
    response.headers["X-Result-Truncated"] = "true" if result.truncated else "false"
    if result.truncated and result.byte_limited:
        response.headers["X-Result-Byte-Limit"] = str(config.query_max_result_bytes)
    elif result.truncated:
        response.headers["X-Result-Row-Limit"] = str(config.query_max_rows)
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS


def query_error_response(exc: QueryError | ProtocolError, query: str | None = None) -> Response:
    """The error in the format the client asked for (in a request context: ``error_response`` reads it);
    a syntax error in words, German / English, with line and column (the parser's text after it)."""
    plain = bilingual(exc.message, query, t) if query and isinstance(exc, QuerySyntaxError) else None
    return error_response(exc.status, plain or exc.message, getattr(exc, "retry_after", None))


#: CORS preflight for POSTs with a SPARQL content type; still no credentials.
PREFLIGHT_HEADERS = (("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
                     ("Access-Control-Allow-Headers", "Content-Type, Accept"))


def preflight_headers(response: Response) -> Response:
    response.headers.update(PREFLIGHT_HEADERS)
    return response


# --- the lean path -------------------------------------------------------------------------------------------

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


class _Fallback(Exception):
    """This request is Flask's to answer (no query, HTML, a protocol error …)."""


class EnvironRequest:
    """What ``read_protocol_request`` and ``negotiate`` read of a request, read from the WSGI environ as
    werkzeug's ``Request`` reads it — the same ``parse_qsl`` call for the query string and an urlencoded form,
    its ``parse_options_header`` for the content type, its multi-dicts — without building that ``Request``
    and its form machinery (streams, parser objects, cached properties): in front of an external store, where
    the rest of the seam is a few tenths of a millisecond, they were the largest part of it.

    Only the plain case: for a method other than ``GET`` or ``POST`` as sent (werkzeug upper-cases), a body
    of another length than its ``Content-Length`` or over Flask's ``MAX_CONTENT_LENGTH``, text that is not
    UTF-8, ``read`` raises ``_Fallback`` and Flask's ``Request`` answers as ever
    (``tests/test_sparql_speed.py`` holds the two readings equal on random requests).
    """

    __slots__ = ("environ", "method", "mimetype", "mimetype_params", "args", "form", "body")

    def __init__(self, environ: dict, body: bytes) -> None:
        self.environ, self.body = environ, body
        self.method = environ["REQUEST_METHOD"]
        self.mimetype, self.mimetype_params = _content_type(environ.get("CONTENT_TYPE", ""))
        self.args = ImmutableMultiDict(_form_fields(environ.get("QUERY_STRING", "").encode("latin-1")))
        form = self.method == "POST" and self.mimetype == FORM_TYPE
        self.form = ImmutableMultiDict(_form_fields(body) if form else ())

    @classmethod
    def read(cls, environ: dict, max_length: int | None) -> EnvironRequest:
        body, method = b"", environ.get("REQUEST_METHOD")
        if method not in ("GET", "POST"):
            raise _Fallback
        if method == "POST":
            body = environ["wsgi.input"].getvalue()  # a BytesIO (``SparqlFastPath`` checked), read whole
            declared = environ.get("CONTENT_LENGTH")
            if (declared and declared != str(len(body))) or (max_length is not None and len(body) > max_length):
                raise _Fallback
        try:
            return cls(environ, body)
        except (UnicodeError, ValueError):
            raise _Fallback from None

    @property
    def values(self) -> CombinedMultiDict:
        """``args`` and, but for a GET, ``form`` (werkzeug's ``Request.values``)."""
        return CombinedMultiDict([self.args] if self.method == "GET" else [self.args, self.form])

    def get_data(self, cache: bool = True) -> bytes:
        return self.body


@lru_cache(maxsize=64)  # clients send few distinct content types
def _content_type(header: str) -> tuple[str, dict[str, str]]:
    mimetype, params = parse_options_header(header)
    return mimetype.lower(), params


def _form_fields(data: bytes) -> list[tuple[str, str]]:
    """URL-encoded fields as werkzeug decodes a query string and an urlencoded form."""
    return parse_qsl(data.decode(), keep_blank_values=True, errors="werkzeug.url_quote")


class SparqlFastPath:
    """WSGI: ``GET``/``POST /sparql`` with a query and a non-HTML format, answered without Flask's request
    handling; every other request (and every protocol error, which Flask words) goes to ``app`` unchanged.

    ``common_headers`` are those the app's after-request hook gives every non-HTML response (CORS, security
    headers); ``answer`` writes the rest as the route and the hooks do, so both paths answer the same
    (``tests/test_sparql_speed.py`` compares them).
    """

    def __init__(self, flask_app: Flask, app: WSGIApp, live: Any, common_headers: Sequence[tuple[str, str]],
                 live_key: str) -> None:
        self.flask_app, self.app, self.live, self.live_key = flask_app, app, live, live_key
        self.common_headers = tuple(common_headers)
        #: The headers every answer ends with: ``preflight_headers``' and the app's common ones.
        self.tail = (*PREFLIGHT_HEADERS, *self.common_headers)
        self.config: Config = flask_app.config["PUBLISHER"]

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if environ.get("PATH_INFO") != SPARQL_PATH or method not in ("GET", "POST"):
            return self.app(environ, start_response)
        stream = environ.get("wsgi.input")
        if method == "POST" and not (isinstance(stream, io.BytesIO) and environ.get("wsgi.input_terminated")):
            return self.app(environ, start_response)  # only a body read whole (web/bodies.py) can be read twice
        try:
            return self._answer(environ, start_response)
        except _Fallback:
            if isinstance(stream, io.BytesIO):
                stream.seek(0)
                environ["wsgi.input"] = stream
            return self.app(environ, start_response)

    def _answer(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        req = EnvironRequest.read(environ, self.flask_app.config["MAX_CONTENT_LENGTH"])
        try:
            proto = read_protocol_request(req)
            if proto.query is None:
                raise _Fallback
            wanted = negotiate(req.values, environ.get("HTTP_ACCEPT"))
        except (ProtocolError, neg.NotAcceptable, HTTPException):
            raise _Fallback from None
        if wanted.html:
            raise _Fallback
        try:
            live = environ.get(self.live_key) or self.live.get()
        except (NoRelease, HTTPException):
            raise _Fallback from None
        environ[self.live_key] = live
        config = self.config
        qreq = build_request(config, proto.query, wanted, default_graphs=proto.default_graphs,
                             named_graphs=proto.named_graphs)
        store = AdmittedStore(pooled_store(self.flask_app, live), client_of(environ, config.trust_forwarded_headers))
        try:
            result = store.run(qreq)
        except QueryError as exc:
            return self._error(environ, start_response, exc, proto.query)
        status, headers, body = self.answer(result, wanted, req)
        start_response(status, headers)
        return [body]

    def answer(self, result: QueryResult, wanted: Formats,
               req: EnvironRequest) -> tuple[str, list[tuple[str, str]], bytes]:
        """Status, headers and body as the Flask route gives them: ``result_response``, then the hooks
        (``preflight_headers``; the app's ``finish``: gzip, CORS, security headers), written as a plain
        list: werkzeug's ``Response`` and ``Headers`` cost more than the rest of the request."""
        fmt = wanted.for_kind(result.kind)
        config = self.config
        body = result.body
        headers = [("Content-Type", fmt.content_type), ("X-Result-Rows", str(result.rows)),
                   ("X-Result-Truncated", "true" if result.truncated else "false")]
        if result.truncated and result.byte_limited:
            headers.append(("X-Result-Byte-Limit", str(config.query_max_result_bytes)))
        elif result.truncated:
            headers.append(("X-Result-Row-Limit", str(config.query_max_rows)))
        headers.append(("Access-Control-Expose-Headers", EXPOSED_HEADERS))
        vary = "Accept"
        if compressible(fmt.media_type):
            vary = "Accept, Accept-Encoding"
            if len(body) >= compression.MIN_SIZE and compression.accepts_gzip_header(
                    req.environ.get("HTTP_ACCEPT_ENCODING", "")):
                body = compression.gzip_bytes(body)
                headers.append(("Content-Encoding", "gzip"))
        headers.append(("Vary", vary))
        if req.method == "GET":  # what make_conditional adds to a GET
            headers.append(("Date", http_date()))
        headers += self.tail
        headers.append(("Content-Length", str(len(body))))
        return "200 OK", headers, body

    def _error(self, environ: dict, start_response: Callable, exc: QueryError, query: str) -> Iterable[bytes]:
        """A query error (the query was evaluated, so Flask must not run it again), worded by the app."""
        app = self.flask_app
        with app.request_context(environ):
            app.preprocess_request()
            response = app.process_response(query_error_response(exc, query))
            return response(environ, start_response)
