"""Dereferenceable resources and the lists: every IRI below the base IRI, the SDGs, and /partners etc.

URI scheme: a thing's IRI (``/id/organization/adfc``) answers ``200`` with the representation the
client negotiated and ``Content-Location`` naming the document (``/id/organization/adfc.ttl``); the
extension URLs (``.ttl .jsonld .nt .rdf .html``) are those documents and always give their format.
The request path maps to the canonical IRI by putting the configured base IRI in front of it, so the
same release serves correctly on any host. The UN's SDG IRIs (``http://metadata.un.org/sdg/13``) are
not ours to serve, so their descriptions live at ``/sdg/13`` (and the scheme at ``/sdg``).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, g, render_template, request

from publisher import __version__
from publisher.config import Config
from publisher.describe import Description, describe
from publisher.dumps import LISTS
from publisher.jsonld import Context, resource_document
from publisher.listing import COLUMNS, KINDS
from publisher.namespaces import SDG_SCHEME, ProjectNamespaces
from publisher.store.results import GRAPH_FORMATS
from publisher.web import i18n
from publisher.web import negotiation as neg
from publisher.web.cache import RenderCache
from publisher.web.views import SDG_PATH, Linker, PageBuilder

bp = Blueprint("linked_data", __name__)

CACHE = RenderCache()
EXTENSIONS = {f.extension: f for f in neg.RESOURCE_FORMATS}
LIST_FORMATS: tuple[neg.Format, ...] = (neg.JSONLD, neg.CSV, neg.HTML)


def split_extension(path: str, offers: dict[str, neg.Format] = EXTENSIONS) -> tuple[str, str | None]:
    """``id/x.ttl`` → (``id/x``, ``ttl``); ``def/index.ttl`` → (``def/``, ``ttl``); no known extension → None."""
    stem, dot, ext = path.rpartition(".")
    if not dot or ext not in offers or not stem:
        return path, None
    if stem == "index" or stem.endswith("/index"):
        stem = stem[: -len("index")]
    return stem, ext


def document_path(path: str, fmt: neg.Format) -> str:
    """The URL path of the document for ``path`` in ``fmt`` (``/def/`` → ``/def/index.ttl``)."""
    return "/" + (path + "index" if path.endswith("/") else path) + "." + fmt.extension


def iri_for(path: str, config: Config) -> str:
    """The canonical IRI a request path stands for."""
    if path == SDG_PATH or path.startswith(SDG_PATH + "/"):
        return SDG_SCHEME + path[len(SDG_PATH):]
    return config.base_iri + path


def release_etag(*parts: str) -> str:
    """An entity tag from the release content and what selects the variant (format, language …)."""
    content = g.live.release.content_hash.split(":", 1)[-1][:20]
    return "-".join((content, __version__, *(p for p in parts if p)))


def last_modified() -> datetime:
    return g.live.release.built_at


def linker() -> Linker:
    config: Config = current_app.config["PUBLISHER"]
    lang = i18n.language()
    return Linker(config.base_iri, request.script_root, f"?lang={lang}" if i18n.explicit() else "")


@bp.route("/<path:path>")
def resource(path: str) -> Response:
    config: Config = current_app.config["PUBLISHER"]
    stem, ext = split_extension(path)
    fmt = neg.negotiate(neg.RESOURCE_FORMATS, ext, default=neg.TURTLE)
    if fmt is None:
        abort(404)
    iri = iri_for(stem, config)
    lang = i18n.language() if fmt is neg.HTML else ""
    links = linker() if fmt is neg.HTML else None
    key = (g.live.release.id, iri, fmt.name, lang, links)
    body = CACHE.get(key, lambda: render(iri, fmt, config, lang, links), size=lambda b: len(b or b""))
    if body is None:
        abort(404, description=_not_found(iri, lang or i18n.language()))
    return neg.respond(
        body, fmt, etag=release_etag(fmt.name, lang, links.lang_query if links else ""),
        last_modified=last_modified(),
        alternates=[(request.script_root + document_path(stem, f), f) for f in neg.RESOURCE_FORMATS if f is not fmt],
        content_location=request.script_root + document_path(stem, fmt) if ext is None else None,
        vary_language=fmt is neg.HTML,
    )


def render(iri: str, fmt: neg.Format, config: Config, lang: str, links: Linker | None) -> bytes | None:
    """One representation of one resource, or None when the release does not describe it."""
    description = describe(g.live.store, iri)
    if description is None:
        return None
    return render_description(description, fmt, config, lang, links)


def render_description(d: Description, fmt: neg.Format, config: Config, lang: str,
                       links: Linker | None) -> bytes:
    ctx = Context(config.base_iri)
    if fmt is neg.JSONLD:
        return json.dumps(resource_document(ctx, d.iri, d.triples), ensure_ascii=False, indent=1).encode()
    if fmt is neg.HTML:
        assert links is not None
        g.page_path = links.path_of(d.iri)
        page = PageBuilder(ctx, links, lang).page(d)
        return render_template("resource.html", page=page, title=page.title,
                               formats=_format_links(links.path_of(d.iri) or "/"), links=links).encode()
    prefixes = ProjectNamespaces(config.base_iri).prefixes() if fmt is not neg.NTRIPLES else None
    return ox.serialize(d.triples, format=GRAPH_FORMATS[fmt.name], prefixes=prefixes)


def _format_links(local_path: str) -> list[tuple[str, neg.Format]]:
    stem = local_path.lstrip("/")
    return [(request.script_root + document_path(stem, f), f) for f in neg.RDF_FORMATS]


def _not_found(iri: str, lang: str) -> str:
    return ("Zu dieser Adresse gibt es keine Beschreibung: " if lang == "de"
            else "There is no description for this address: ") + iri


# -- lists -----------------------------------------------------------------------------------------------

@bp.route("/<any(partners, events, alignments):kind>")
@bp.route("/<any(partners, events, alignments):kind>.<ext>")
def listing(kind: str, ext: str | None = None) -> Response:
    fmt = neg.negotiate(LIST_FORMATS, ext, default=neg.JSONLD)
    if fmt is None:
        abort(404)
    lang = i18n.language() if fmt is neg.HTML else ""
    folder: Path = g.live.release.path / LISTS
    if fmt is neg.HTML:
        links = linker()
        key = (g.live.release.id, "list", kind, lang, links)
        body = CACHE.get(key, lambda: _list_page(folder, kind, links), size=len)
    else:
        body = CACHE.get((g.live.release.id, "list", kind, fmt.name),
                         lambda: (folder / f"{kind}.{fmt.extension}").read_bytes(), size=len)
    return neg.respond(
        body, fmt, etag=release_etag("list", kind, fmt.name, lang, request.args.get("lang", "")),
        last_modified=last_modified(),
        alternates=[(f"{request.script_root}/{kind}.{f.extension}", f) for f in LIST_FORMATS if f is not fmt],
        content_location=f"{request.script_root}/{kind}.{fmt.extension}" if ext is None else None,
        vary_language=fmt is neg.HTML,
    )


def read_rows(folder: Path, kind: str) -> list[dict[str, str]]:
    with open(folder / f"{kind}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(io.StringIO(f.read())))


def _list_page(folder: Path, kind: str, links: Linker) -> bytes:
    rows = read_rows(folder, kind)
    return render_template("list.html", kind=kind, columns=COLUMNS[kind], rows=rows, links=links,
                           title=i18n.t(kind, i18n.language()),
                           formats=[(f"{request.script_root}/{kind}.{f.extension}", f) for f in LIST_FORMATS
                                    if f is not neg.HTML]).encode()


__all__ = ["KINDS", "bp", "iri_for", "split_extension", "document_path"]
