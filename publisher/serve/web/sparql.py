"""The SPARQL 1.1 Protocol at ``/sparql``: queries by GET and POST, results by negotiation, and the page.

The protocol request (query, dataset, format; refusing updates, several queries, unknown content types)
is read by ``sparql_protocol``, which also answers plain queries in front of Flask (``SparqlFastPath``);
this module is the Flask route for the rest and turns a ``QueryResult`` or ``QueryError`` from the store
seam into an HTTP answer. Queries run in the worker pool (``publisher.serve.store.pool``) with the
configured time limit and row cap; nothing here evaluates SPARQL itself.

Without a query, ``/sparql`` answers browsers with the query page and everyone else with the SPARQL
Service Description. With a query and ``Accept: text/html`` (or ``format=html``) the page shows the
results as a table, so the page works without JavaScript.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, render_template, request

from publisher.core import formats
from publisher.core.config import Config
from publisher.core.namespaces import ProjectNamespaces
from publisher.core.urls import Urls
from publisher.serve.render.query_errors import explain
from publisher.serve.render.service_description import service_description
from publisher.serve.store.base import QueryError, QueryRequest, QueryResult, QueryStore
from publisher.serve.web import negotiation as neg
from publisher.serve.web import sparql_protocol as protocol
from publisher.serve.web.cache import memo
from publisher.serve.web.errors import with_retry_after
from publisher.serve.web.i18n import language, t
from publisher.serve.web.resources import linker, release_etag
from publisher.serve.web.sparql_protocol import (
    AdmittedStore,
    Formats,
    ProtocolError,
    ProtocolRequest,
    add_result_headers,
    build_request,
    pooled_store,
    preflight_headers,
    query_error_response,
)

bp = Blueprint("sparql", __name__)

DESCRIPTION_OFFERS = (formats.TURTLE, formats.NTRIPLES, formats.JSONLD, formats.RDFXML, formats.HTML)


def query_store() -> QueryStore:
    """The store seam for user queries of this request (``/sparql``, ``/queries/<name>``, the API)."""
    return AdmittedStore(pooled_store(current_app, g.live),
                         protocol.client_address(current_app.config["PUBLISHER"], request))


def run_query(config: Config, qreq: QueryRequest) -> QueryResult:
    """Run ``qreq`` for this request's client (see ``AdmittedStore``)."""
    return query_store().run(qreq)


def result_response(result: QueryResult, wanted: Formats, config: Config) -> Response:
    """The HTTP answer for a (non-HTML) result: its media type, the row-cap headers, ``Vary``."""
    return protocol.result_response(result, wanted, config, request, Response)  # type: ignore[return-value]


def negotiate(args: Mapping[str, str]) -> Formats:
    """The formats from ``format=`` (for links) or else the Accept header; 400 for an unknown name, 406."""
    return protocol.negotiate(args, request.headers.get("Accept"))


def read_protocol_request() -> ProtocolRequest:
    """Query and dataset of this request (``sparql_protocol.read_protocol_request``)."""
    return protocol.read_protocol_request(request)


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
            return with_retry_after(_page(config, proto.query, error=exc.message, status=exc.status, proto=proto),
                                    getattr(exc, "retry_after", None))
        return query_error_response(exc, proto.query)
    if wanted.html:
        return _page(config, proto.query, result=result, proto=proto)
    return result_response(result, wanted, config)


@bp.after_request
def _preflight_headers(response: Response) -> Response:
    return preflight_headers(response)  # type: ignore[return-value]


def _wants_html() -> bool:
    return protocol.choose((formats.TURTLE, formats.HTML), request.headers.get("Accept")) is formats.HTML or \
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
