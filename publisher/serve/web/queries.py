"""Named queries at stable URLs: ``/queries`` lists them, ``/queries/<name>`` runs one.

Each answers as an HTML page (with a form for its parameters), SPARQL JSON, CSV, TSV or XML, by
negotiation, a ``.json``/``.csv``/``.tsv``/``.xml`` extension or ``format=``. Parameter values are
checked against their kind (400 with the allowed values otherwise) and bound by substitution, never
pasted into the query; the query runs through the same pool, limits and headers as ``/sparql``.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, abort, current_app, g, jsonify, render_template, request

from publisher.core import formats, urls
from publisher.core.config import Config
from publisher.core.named_queries import CONCEPT_KINDS, NamedQuery, ParameterError, editor_text, named_queries
from publisher.core.namespaces import SDG_GOALS
from publisher.core.urls import split_extension
from publisher.serve.store.base import QueryError
from publisher.serve.web import i18n
from publisher.serve.web import negotiation as neg
from publisher.serve.web.cache import memo
from publisher.serve.web.sparql import download_links, negotiate, result_response, run_query, table
from publisher.serve.web.sparql_protocol import (
    SOLUTION_OFFERS,
    Formats,
    ProtocolError,
    build_request,
    query_error_response,
)

bp = Blueprint("queries", __name__)
INDEX_OFFERS = (formats.HTML, formats.JSON)


def choices_for(config: Config) -> Callable[[str], list[str]]:
    """The allowed values of each concept kind, read once per release from the release being served."""

    def choices(kind: str) -> list[str]:
        # A trusted query: the scheme IRI comes from the configuration, not from the request.
        scheme = config.base_iri + CONCEPT_KINDS[kind]

        def read() -> list[str]:
            return [iri.rsplit("/", 1)[-1] for iri in g.live.store.concepts(scheme)]

        return memo((g.live.release.id, "choices", kind), read)

    return choices


@bp.route("/" + urls.QUERIES)
def index() -> Response:
    fmt = neg.choose(INDEX_OFFERS, request.headers.get("Accept"))
    queries = list(named_queries().values())
    if fmt is formats.JSON:
        return neg.finish(jsonify([{
            "name": q.name, "url": f"{request.script_root}/{urls.QUERIES}/{q.name}", "title": dict(q.titles),
            "description": dict(q.descriptions),
            "parameters": [{"name": p.name, "kind": p.kind, "default": p.default} for p in q.parameters],
        } for q in queries]))
    lang = i18n.language()
    html = render_template("queries.html", title="Benannte Abfragen" if lang == "de" else "Named queries",
                           queries=queries)
    response = Response(html, content_type=formats.HTML.content_type)
    response.vary.add("Accept-Language")  # the page is German or English by the request
    return neg.finish(response)


@bp.route("/" + urls.QUERIES + "/<name>")
def run(name: str) -> Response:
    config: Config = current_app.config["PUBLISHER"]
    name, fmt = split_extension(name, SOLUTION_OFFERS)
    name, _, extension = name.partition(".")
    query = named_queries().get(name)
    if query is None:
        abort(404, description=f"Es gibt keine benannte Abfrage {name!r}; siehe /queries. / "
                                 f"There is no named query {name!r}; see /queries.")
    args = request.args.to_dict()
    try:
        if extension:  # ``.xml`` names SPARQL XML, whose document extension is ``.srx``
            fmt = formats.by_name(SOLUTION_OFFERS, extension)
            if fmt is None:
                raise ProtocolError(404, f"No such format {extension!r}; use .json, .csv, .tsv or .xml.")
        if fmt is not None:
            wanted = Formats(fmt, None)
        else:
            wanted = Formats(negotiate(args).solutions, None)
            if wanted.solutions is None:
                raise neg.NotAcceptable(SOLUTION_OFFERS)
        substitutions = query.bind(args, config.base_iri, choices_for(config))
    except ParameterError as exc:
        return query_error_response(ProtocolError(400, str(exc)))
    except ProtocolError as exc:
        return query_error_response(exc)
    qreq = build_request(config, query.sparql(config.base_iri), wanted, substitutions=substitutions)
    try:
        result = run_query(config, qreq)
    except QueryError as exc:
        return query_error_response(exc)
    if wanted.html:
        return _page(config, query, args, substitutions, result)
    response = result_response(result, wanted, config)
    response.headers["Link"] = f'<{request.script_root}/queries/{name}>; rel="canonical"'
    return response


def _page(config: Config, query: NamedQuery, args: dict, substitutions: tuple, result) -> Response:
    values = {name: args.get(name) or p.default for p, (name, _) in zip(query.parameters, substitutions, strict=True)}
    choices = choices_for(config)
    fields = [{"param": p, "value": values[p.name],
               "choices": [str(n) for n in SDG_GOALS] if p.kind == "sdg-goal" else
               (choices(p.kind) if p.kind in CONCEPT_KINDS else None)} for p in query.parameters]
    g.keep_args = tuple(p.name for p in query.parameters)
    html = render_template(
        "query.html", title=query.title(i18n.language()), query=query, fields=fields,
        text=query.sparql(config.base_iri), editor=editor_text(query, config.base_iri, substitutions),
        result=table(result), result_meta=result,
        downloads=download_links(values, f"{request.script_root}/{urls.QUERIES}/{query.name}"),
    )
    response = Response(html, content_type=formats.HTML.content_type)
    response.vary.add("Accept")
    response.vary.add("Accept-Language")
    return response
