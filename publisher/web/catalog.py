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

import functools
import hashlib
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, g, render_template, request, send_file
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDFS, SKOS

from publisher.build import Release
from publisher.catalog import paging
from publisher.catalog.graph import CatalogIris, bind_prefixes
from publisher.catalog.step import CATALOG_DIR
from publisher.catalog.vocab import VCARD
from publisher.config import Config
from publisher.text import positive_int
from publisher.web import i18n
from publisher.web import negotiation as neg
from publisher.web.resources import CACHE, last_modified, release_etag

bp = Blueprint("catalog", __name__)


@functools.lru_cache(maxsize=4)
def _catalog_graph(path: Path, config: Config) -> Graph:
    """The release's catalogue graph (a release never changes, so one parse per release)."""
    graph = Graph()
    graph.parse(path / CATALOG_DIR / "catalog.nt", format="nt")
    bind_prefixes(graph, config)
    return graph


def _release() -> Release:
    release = g.live.release
    if not (release.path / CATALOG_DIR / "catalog.nt").is_file():
        abort(404, "This release has no catalogue; run 'publisher build'.")
    return release


def _config() -> Config:
    return current_app.config["PUBLISHER"]


def _public_url(path: str) -> str:
    """The absolute URL of ``path`` as clients outside reach it (see the module docstring)."""
    config = _config()
    if config.trust_forwarded_headers:
        prefix = request.headers.get("X-Forwarded-Prefix", "").strip().rstrip("/")
        return f"{request.host_url.rstrip('/')}{prefix}/{path}"
    return config.iri(path)


def _format(ext: str | None) -> neg.Format:
    if ext:
        fmt = neg.by_extension(neg.RESOURCE_FORMATS, ext)
        if fmt is None:
            abort(404, f"Unknown format extension '.{ext}'. Use .ttl, .jsonld, .nt, .rdf or .html.")
        return fmt
    return neg.choose(neg.RESOURCE_FORMATS, request.headers.get("Accept"), default=neg.TURTLE)


def _page_number() -> int:
    raw = request.args.get("page", "1")
    number = positive_int(raw)
    if number is None:
        abort(400, f"Invalid page number {raw!r}: use ?page=1, 2, …")
    return number


@bp.route("/catalog", methods=["GET", "HEAD"])
@bp.route("/catalog.<ext>", methods=["GET", "HEAD"])
def catalog(ext: str | None = None) -> Response:
    release = _release()
    config = _config()
    fmt = _format(ext)
    number = _page_number()
    graph = _catalog_graph(release.path, config)
    iris = CatalogIris(config)
    suffix = f".{ext}" if ext else ""

    def url(n: int) -> str:
        return _public_url(f"catalog{suffix}?page={n}")

    try:
        page = paging.page(graph, iris.catalog, number, config.catalog_page_size, url)
    except paging.PageNotFound as exc:
        abort(404, str(exc))
    alternates = [(_public_url(f"catalog.{f.extension}?page={number}"), f) for f in neg.RESOURCE_FORMATS]
    if fmt is neg.HTML:
        body = _html_page(page, graph, iris, number, url)
    else:
        body = page.serialize(format=fmt.rdflib, encoding="utf-8")
    return _finish(Response(body, content_type=fmt.content_type), release, f"catalog-{number}-{fmt.name}",
                   alternates, negotiated=ext is None)


@bp.route("/catalog/download/<slug>.ttl", methods=["GET", "HEAD"])
def download(slug: str) -> Response:
    release = _release()
    path = release.path / CATALOG_DIR / "parts" / f"{slug}.ttl"
    if "/" in slug or not path.is_file():
        abort(404, f"No part file '{slug}.ttl'.")
    response = send_file(path, mimetype=neg.TURTLE.media_type, etag=False, conditional=False)
    return _finish(response, release, f"part-{slug}", (), negotiated=False)


@bp.route("/catalog/shapes", methods=["GET", "HEAD"])
def shapes() -> Response:
    """The SHACL shapes the datasets conform to (``dcterms:conformsTo``), as the release was built with."""
    release = _release()
    path = release.path / CATALOG_DIR / "shapes.ttl"
    response = send_file(path, mimetype=neg.TURTLE.media_type, etag=False, conditional=False)
    return _finish(response, release, "shapes", (), negotiated=False)


@bp.route("/catalog/<path:rest>", methods=["GET", "HEAD"])
def node(rest: str) -> Response:
    """A dataset, distribution, the service, the contact point or the rights statement, by its IRI."""
    release = _release()
    config = _config()
    ext = None
    stem, dot, tail = rest.rpartition(".")
    if dot and neg.by_extension(neg.RESOURCE_FORMATS, tail):
        rest, ext = stem, tail
    graph = _catalog_graph(release.path, config)
    iris = CatalogIris(config)
    subject = URIRef(config.iri(f"catalog/{rest}"))
    if (subject, None, None) not in graph:
        abort(404, f"The catalogue has no resource '/catalog/{rest}'.")
    fmt = _format(ext)
    description = paging.describe(graph, subject, iris.catalog)
    alternates = [(_public_url(f"catalog/{rest}.{f.extension}"), f) for f in neg.RESOURCE_FORMATS]
    if fmt is neg.HTML:
        body = render_template("catalog_node.html", title=_label(graph, subject), lang=i18n.language(),
                               rows=_rows(description, subject), subject=str(subject),
                               alternates=alternates)
    else:
        body = description.serialize(format=fmt.rdflib, encoding="utf-8")
    return _finish(Response(body, content_type=fmt.content_type), release, f"node-{rest}-{fmt.name}",
                   alternates, negotiated=ext is None)


def _finish(response: Response, release: Release, key: str, alternates, negotiated: bool) -> Response:
    """The shared headers. The ETag follows the catalogue's own bytes (which change with the data and
    with the catalogue settings), not the build, so harvesters' 304s survive rebuilds of unchanged data;
    HTML varies by language too."""
    if response.mimetype == neg.HTML.media_type:
        response.vary.add("Accept-Language")
        key += "-" + i18n.language()
    catalog_file = release.path / CATALOG_DIR / "catalog.nt"
    digest = CACHE.get((release.id, "catalog-digest"),
                       lambda: hashlib.sha256(catalog_file.read_bytes()).hexdigest()[:16])
    return neg.finish(response, etag=release_etag("catalog", digest, key), last_modified=last_modified(),
                      alternates=alternates, negotiated=negotiated)


def _text(graph: Graph, subject, predicate, lang: str) -> str:
    values = list(graph.objects(subject, predicate))
    for v in values:
        if getattr(v, "language", None) == lang:
            return str(v)
    return str(values[0]) if values else ""


def _label(graph: Graph, subject) -> str:
    lang = i18n.language()
    for predicate in (DCTERMS.title, SKOS.prefLabel, FOAF.name, VCARD.fn, RDFS.label):
        text = _text(graph, subject, predicate, lang)
        if text:
            return text
    return str(subject)


def _rows(graph: Graph, subject) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """(property, [(text, link or None)]) for the HTML table; links point at IRIs."""
    rows = []
    for predicate in sorted(set(graph.predicates(subject)), key=str):
        values = []
        for o in sorted(graph.objects(subject, predicate), key=str):
            if isinstance(o, URIRef):
                values.append((_label(graph, o), str(o)))
            else:
                values.append((str(o), None))
        rows.append((graph.namespace_manager.normalizeUri(predicate), values))
    return rows


def _html_page(page: Graph, graph: Graph, iris: CatalogIris, number: int, url) -> str:
    lang = i18n.language()
    items = []
    for dataset in paging.datasets(page, iris.catalog):
        distributions = []
        for dist in sorted(page.objects(dataset, DCAT.distribution), key=str):
            distributions.append({
                "title": _text(page, dist, DCTERMS.title, lang),
                "url": str(page.value(dist, DCAT.downloadURL) or page.value(dist, DCAT.accessURL)),
                "media_type": str(page.value(dist, DCAT.mediaType) or "").rsplit("media-types/", 1)[-1],
                "bytes": page.value(dist, DCAT.byteSize),
            })
        items.append({
            "iri": str(dataset),
            "title": _text(page, dataset, DCTERMS.title, lang),
            "description": _text(page, dataset, DCTERMS.description, lang),
            "modified": str(page.value(dataset, DCTERMS.modified) or ""),
            "distributions": distributions,
        })
    total = len(paging.datasets(graph, iris.catalog))
    last = paging.page_count(total, _config().catalog_page_size)
    return render_template(
        "catalog.html", lang=lang, title=_text(graph, iris.catalog, DCTERMS.title, lang), datasets=items,
        number=number, last=last, previous=url(number - 1) if number > 1 else None,
        next=url(number + 1) if number < last else None, service=str(iris.service),
        description=_text(graph, iris.catalog, DCTERMS.description, lang),
        licence=str(graph.value(iris.catalog, DCTERMS.license) or ""),
    )
