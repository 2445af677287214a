"""The DCAT-AP.de catalogue for portals: ``/catalog`` (Hydra-paged), its nodes, the part files, the shapes.

A GET without Accept (or with ``*/*``) gets Turtle, the project-wide default. ckanext-dcat's RDF
harvester takes the media type from ``Content-Type`` (``text/turtle``), hands it to rdflib as the
parser format and rdflib registers its Turtle parser under that name; RDF/XML, JSON-LD and N-Triples
are there by Accept or by extension (``/catalog.rdf`` for harvesters that insist on RDF/XML).

Page links are absolute. They are built from the configured base IRI; with
``trust_forwarded_headers`` on, from the request as the proxy forwarded it (``X-Forwarded-Proto``,
``X-Forwarded-Host``, applied by the server, and ``X-Forwarded-Prefix``).
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, abort, current_app, g, render_template, request, send_file

from publisher import __version__
from publisher.core import formats, urls
from publisher.core.config import Config
from publisher.core.release import Release
from publisher.core.text import positive_int
from publisher.core.urls import split_extension
from publisher.serve.render import catalog_pages as paging
from publisher.serve.render.schema_org import catalog_document, dataset_document
from publisher.serve.web import i18n
from publisher.serve.web import negotiation as neg
from publisher.serve.web.cache import memo
from publisher.serve.web.resources import last_modified, public_url

bp = Blueprint("catalog", __name__)


def _graph():
    """The release's catalogue graph (through the store seam); 404 when the release has none."""
    graph = g.live.store.catalog()
    if graph is None:
        abort(404, "Diese Veröffentlichung hat keinen Datenkatalog; bitte 'publisher build' ausführen. / "
                   "This release has no catalogue; run 'publisher build'.")
    return graph


def _config() -> Config:
    return current_app.config["PUBLISHER"]


def _public_url(path: str) -> str:
    """The absolute URL of ``path`` as clients outside reach it (see the module docstring)."""
    return public_url(path)


def _format(ext: str | None) -> formats.Format:
    if ext:
        fmt = formats.by_extension(formats.RESOURCE_FORMATS, ext)
        if fmt is None:
            abort(404, f"Unbekannte Endung '.{ext}': .ttl, .jsonld, .nt, .rdf oder .html. / "
                       f"Unknown format extension '.{ext}'. Use .ttl, .jsonld, .nt, .rdf or .html.")
        return fmt
    return neg.choose(formats.RESOURCE_OFFERS, request.headers.get("Accept"), default=formats.TURTLE)


def _page_number() -> int:
    raw = request.args.get("page", "1")
    number = positive_int(raw)
    if number is None:
        abort(400, f"Ungültige Seitenzahl {raw!r}: ?page=1, 2, … / Invalid page number {raw!r}: use ?page=1, 2, …")
    return number


@bp.route("/" + urls.CATALOG, methods=["GET", "HEAD"])
@bp.route("/" + urls.CATALOG + ".<ext>", methods=["GET", "HEAD"])
def catalog(ext: str | None = None) -> Response:
    release = g.live.release
    graph = _graph()
    config = _config()
    fmt = _format(ext)
    number = _page_number()
    catalog_iri = config.iri(urls.CATALOG)
    suffix = f".{ext}" if ext else ""

    def url(n: int) -> str:
        return _public_url(f"catalog{suffix}?page={n}")

    try:
        page = paging.page(graph, catalog_iri, number, config.catalog_page_size, url)
    except paging.PageNotFound as exc:
        abort(404, str(exc))
    alternates = [(_public_url(f"catalog.{f.extension}?page={number}"), f) for f in formats.RESOURCE_FORMATS]
    body = _html_page(page, graph, catalog_iri, number, url) if fmt is formats.HTML \
        else paging.serialize(page, formats.get(fmt.body_format))
    return _finish(Response(body, content_type=fmt.content_type), release, f"catalog-{number}-{fmt.name}",
                   alternates, negotiated=ext is None)


@bp.route("/" + urls.CATALOG_DOWNLOAD + "/<slug>.ttl", methods=["GET", "HEAD"])
def download(slug: str) -> Response:
    release = g.live.release
    _graph()
    path = release.layout.catalog_part(slug)
    if "/" in slug or not path.is_file():
        abort(404, f"Keine Teildatei '{slug}.ttl'. / No part file '{slug}.ttl'.")
    response = send_file(path, mimetype=formats.TURTLE.media_type, etag=False, conditional=False)
    return _finish(response, release, f"part-{slug}", (), negotiated=False)


@bp.route("/" + urls.CATALOG_SHAPES, methods=["GET", "HEAD"])
def shapes() -> Response:
    """The SHACL shapes the datasets conform to (``dcterms:conformsTo``), as the release was built with."""
    release = g.live.release
    _graph()
    path = release.layout.catalog_shapes
    response = send_file(path, mimetype=formats.TURTLE.media_type, etag=False, conditional=False)
    return _finish(response, release, "shapes", (), negotiated=False)


@bp.route("/" + urls.CATALOG + "/<path:rest>", methods=["GET", "HEAD"])
def node(rest: str) -> Response:
    """A dataset, distribution, the service, the contact point or the rights statement, by its IRI."""
    release = g.live.release
    config = _config()
    graph = _graph()
    rest, by_ext = split_extension(rest, formats.RESOURCE_FORMATS)
    ext = by_ext.extension if by_ext else None
    subject = config.iri(f"{urls.CATALOG}/{rest}")
    if not paging.has(graph, subject):
        abort(404, f"Der Katalog hat keine Ressource '/catalog/{rest}'. / "
                   f"The catalogue has no resource '/catalog/{rest}'.")
    fmt = _format(ext)
    description = paging.describe(graph, subject, config.iri(urls.CATALOG))
    alternates = [(_public_url(f"{urls.CATALOG}/{rest}.{f.extension}"), f) for f in formats.RESOURCE_FORMATS]
    lang = i18n.language()
    if fmt is formats.HTML:
        node = dataset_document(graph, str(subject), config.iri(urls.CATALOG), lang)
        body = render_template("catalog_node.html", title=paging.label(graph, subject, lang), lang=lang,
                               rows=paging.rows(description, subject, lang), subject=str(subject),
                               alternates=alternates, schema_org=node,
                               canonical_url=_public_url(f"{urls.CATALOG}/{rest}"))
    else:
        body = paging.serialize(description, formats.get(fmt.body_format))
    return _finish(Response(body, content_type=fmt.content_type), release, f"node-{rest}-{fmt.name}",
                   alternates, negotiated=ext is None)


def _finish(response: Response, release: Release, key: str, alternates, negotiated: bool) -> Response:
    """The shared headers. The ETag follows the catalogue's own bytes (which change with the data and
    with the catalogue settings), not the build, so harvesters' 304s survive rebuilds of unchanged data;
    HTML varies by language too."""
    if response.mimetype == formats.HTML.media_type:
        response.vary.add("Accept-Language")
        key += "-" + i18n.language()
    catalog_file = release.layout.catalog_graph
    digest = memo((release.id, "catalog-digest"), lambda: hashlib.sha256(catalog_file.read_bytes()).hexdigest()[:16])
    # Both follow the catalogue's content only: its bytes and its dct:modified, never the build time.
    changed = memo((release.id, "catalog-modified"), lambda: paging.modified(_graph(), _config().iri(urls.CATALOG)))
    return neg.finish(response, etag="-".join(("catalog", digest, __version__, key)),
                      last_modified=changed or last_modified(), alternates=alternates, negotiated=negotiated)


def schema_org(lang: str) -> dict | None:
    """The catalogue as schema.org ``DataCatalog``/``Dataset`` JSON-LD (home and catalogue pages); None
    when the release has no catalogue."""
    graph = g.live.store.catalog()
    if graph is None:
        return None
    catalog_iri = _config().iri(urls.CATALOG)
    return memo((g.live.release.id, "schema-org-catalog", lang), lambda: catalog_document(graph, catalog_iri, lang))


def _html_page(page, graph, catalog_iri: str, number: int, url) -> str:
    lang = i18n.language()
    view = paging.page_view(page, graph, catalog_iri, lang)
    last = paging.page_count(view["total"], _config().catalog_page_size)
    return render_template(
        "catalog.html", lang=lang, title=view["title"], datasets=view["datasets"],
        number=number, last=last, previous=url(number - 1) if number > 1 else None,
        next=url(number + 1) if number < last else None, service=_config().iri(urls.CATALOG_SERVICE),
        sparql_url=f"{request.script_root}/{urls.SPARQL}", description=view["description"], licence=view["licence"],
        licence_name=paging.label(graph, view["licence"], lang) if view["licence"] else "",
        schema_org=schema_org(lang), meta_description=view["description"],
        canonical_url=_public_url(urls.CATALOG if number == 1 else f"{urls.CATALOG}?page={number}"),
    )
