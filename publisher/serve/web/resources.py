"""Dereferenceable resources and the lists: every IRI below the base IRI, the SDGs, and /partners etc.

URI scheme: a thing's IRI (``/id/organization/adfc``) answers ``200`` with the representation the
client negotiated and ``Content-Location`` naming the document (``/id/organization/adfc.ttl``); the
extension URLs (``.ttl .jsonld .nt .rdf .html``) are those documents and always give their format.
The request path maps to the canonical IRI through the URL map (``publisher.core.urls``), so the
same release serves correctly on any host.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from datetime import datetime

from flask import Blueprint, Response, abort, current_app, g, render_template, request

from publisher import __version__
from publisher.core import formats, urls
from publisher.core.config import Config
from publisher.core.describe import Description
from publisher.core.jsonld import Context
from publisher.core.listing import KINDS, restore_cell
from publisher.core.namespaces import SDG_GOALS, goal_iri
from publisher.core.text import positive_int
from publisher.core.urls import Urls, split_extension
from publisher.serve.render.api import list_page, page_slice
from publisher.serve.render.lists import PARAMETERS as LIST_PARAMETERS
from publisher.serve.render.lists import ListBuilder, view_csv, view_json
from publisher.serve.render.rdf import serialize, with_document
from publisher.serve.render.views import PageBuilder
from publisher.serve.web import i18n
from publisher.serve.web import negotiation as neg
from publisher.serve.web.cache import memo

bp = Blueprint("linked_data", __name__)

_ETAG_UNSAFE = re.compile(r"[^A-Za-z0-9._~=?&+:-]")

LIST_FORMATS = formats.LIST_FORMATS


def release_etag(*parts: str) -> str:
    """An entity tag from the release content and what selects the variant (format, language …)."""
    content = g.live.release.content_hash.split(":", 1)[-1][:20]
    # Only tag characters (RFC 9110 etagc): a part that came from a request can never break the header.
    return "-".join((content, __version__, *(_ETAG_UNSAFE.sub("_", p) for p in parts if p)))


def last_modified() -> datetime:
    return g.live.release.built_at


def linker() -> Urls:
    """The URL map for this request: the mount point, and the language when the URL chose it."""
    config: Config = current_app.config["PUBLISHER"]
    lang = i18n.language()
    return Urls(config.base_iri, request.script_root, f"?lang={lang}" if i18n.explicit() else "")


def public_url(path: str) -> str:
    """The absolute URL of ``path`` as clients outside reach it: from ``base_iri``, never from ``Host``.

    Only a deployment that trusts its reverse proxy (``trust_forwarded_headers``) takes scheme, host and
    prefix from the forwarded headers (ProxyFix has put them in place of the client's). The one function
    for robots.txt, the sitemap and the catalogue.
    """
    config: Config = current_app.config["PUBLISHER"]
    forwarded = None
    if config.trust_forwarded_headers:
        prefix = request.headers.get("X-Forwarded-Prefix", "").strip().rstrip("/")
        forwarded = request.host_url.rstrip("/") + prefix
    return urls.public_url(config.base_iri, path, forwarded)


def alternates(links: Urls, stem: str, fmt: formats.Format,
               offers: tuple[formats.Format, ...] = formats.RESOURCE_FORMATS) -> list[tuple[str, formats.Format]]:
    """The other documents of ``stem`` (for ``Link: rel=alternate``)."""
    return [(links.document(stem, f), f) for f in offers if f is not fmt]


@bp.route("/<path:path>")
def resource(path: str) -> Response:
    config: Config = current_app.config["PUBLISHER"]
    stem, by_ext = split_extension(path, formats.RESOURCE_FORMATS)
    fmt = by_ext or neg.choose(formats.RESOURCE_OFFERS, request.headers.get("Accept"), default=formats.TURTLE)
    links = linker()
    iri = links.iri_for(stem)
    lang = i18n.language() if fmt is formats.HTML else ""
    page_links = links if fmt is formats.HTML else None
    key = (g.live.release.id, iri, fmt.name, lang, page_links)
    body = memo(key, lambda: render(iri, fmt, config, lang, page_links))
    if body is None:
        abort(404, description=_not_found(iri, lang or i18n.language()))
    return neg.respond(
        body, fmt, etag=release_etag(fmt.name, lang, page_links.lang_query if page_links else ""),
        last_modified=last_modified(), alternates=alternates(links, stem, fmt),
        content_location=links.document(stem, formats.get(fmt.body_format)) if by_ext is None else None,
        vary_language=fmt is formats.HTML,
    )


def render(iri: str, fmt: formats.Format, config: Config, lang: str, links: Urls | None) -> bytes | None:
    """One representation of one resource, or None when the release does not describe it."""
    description = g.live.store.describe(iri)
    if description is None:
        return None
    return render_description(with_document(description, config.base_iri), fmt, config, lang, links)


def render_description(d: Description, fmt: formats.Format, config: Config, lang: str,
                       links: Urls | None) -> bytes:
    if fmt is not formats.HTML:
        return serialize(d, fmt, config.base_iri)
    assert links is not None
    g.page_path = links.path_of(d.iri)
    page = PageBuilder(Context(config.base_iri), links, lang).page(d)
    stem = (links.path_of(d.iri) or "/").lstrip("/")
    return render_template("resource.html", page=page, title=page.title,
                           formats=[(links.document(stem, f), f) for f in formats.RDF_FORMATS],
                           links=links).encode()


def _not_found(iri: str, lang: str) -> str:
    return ("Zu dieser Adresse gibt es keine Beschreibung: " if lang == "de"
            else "There is no description for this address: ") + iri


# -- lists -----------------------------------------------------------------------------------------------

@bp.route("/<any(partners, events, alignments):kind>")
@bp.route("/<any(partners, events, alignments):kind>.<ext>")
def listing(kind: str, ext: str | None = None) -> Response:
    by_ext = formats.by_extension(LIST_FORMATS, ext) if ext else None
    if ext and by_ext is None:
        abort(404)
    fmt = by_ext or neg.choose(formats.LIST_OFFERS, request.headers.get("Accept"), default=formats.JSONLD)
    lang = i18n.language() if fmt is formats.HTML else ""
    layout = g.live.release.layout
    links = linker()
    paging: list[str] = []
    if fmt is formats.HTML:
        g.keep_args = LIST_PARAMETERS
        body = memo((g.live.release.id, "list", kind, lang, links, tuple(sorted(_view_args().items()))),
                    lambda: _list_page(layout, kind, links))
    elif fmt.body_format == formats.JSONLD.name:  # JSON-LD and application/json: paged (see list_pages)
        body, paging = list_pages(kind, links, ext)
    else:
        body = memo((g.live.release.id, "list", kind, fmt.name),
                    lambda: layout.list_file(kind, fmt.extension).read_bytes())
    response = neg.respond(
        body, fmt, etag=release_etag("list", kind, fmt.name, lang, links.lang_query if fmt is formats.HTML else "",
                                     *paging[:2]),
        last_modified=last_modified(), alternates=alternates(links, kind, fmt, LIST_FORMATS),
        content_location=links.document(kind, formats.get(fmt.body_format)) if ext is None else None,
        vary_language=fmt is formats.HTML,
    )
    if paging:
        response.headers["Link"] = ", ".join([paging[-1], response.headers["Link"]])
    return response


def list_pages(kind: str, links: Urls, ext: str | None) -> tuple[bytes, list[str]]:
    """Page ``?page=`` of a JSON-LD list (``list_page_size`` roots each); partners name their alignments
    by id unless ``?embed=alignments``. Returns the body and [page, embed, Link header value]."""
    config: Config = current_app.config["PUBLISHER"]
    page = positive_int(request.args.get("page", "1"))
    embed = request.args.get("embed", "")
    if page is None or embed not in ("", "alignments"):
        abort(400, description="Ungültige Seite oder embed-Angabe: ?page=1, 2, … und ?embed=alignments. / "
                               "Invalid page or embed: use ?page=1, 2, … and ?embed=alignments.")
    def render_page() -> tuple[bytes, int]:  # (body, last page); bytes, so the cache counts them right
        listing_ = g.live.store.listing(kind)
        last = page_slice(len(listing_.items), page, config.list_page_size)[2]
        if page > last:
            return b"", last
        return list_page(Context(config.base_iri), listing_, page, config.list_page_size,
                         embed=kind != "partners" or embed == "alignments"), last

    body, last = memo((g.live.release.id, "list-page", kind, page, embed), render_page)
    if page > last:
        abort(404, description=f"Seite {page} gibt es nicht (1–{last}). / Page {page} does not exist (1–{last}).")
    path = links.local(f"{kind}.{ext}" if ext else kind)
    extra = f"&embed={embed}" if embed else ""
    rels = [("first", 1), ("last", last)] + ([("prev", page - 1)] if page > 1 else []) + \
        ([("next", page + 1)] if page < last else [])
    header = ", ".join(f'<{path}?page={n}{extra}>; rel="{rel}"' for rel, n in rels)
    return body, [str(page), embed, header]


def read_rows(layout, kind: str) -> list[dict[str, str]]:
    with open(layout.list_file(kind, formats.CSV.extension), encoding="utf-8", newline="") as f:
        return [{k: restore_cell(v) for k, v in row.items()} for row in csv.DictReader(io.StringIO(f.read()))]


def _list_view(kind: str, links: Urls, lang: str, args: dict[str, str]):
    """The list as people see it, filtered and sorted by ``args`` (publisher.serve.render.lists)."""
    config: Config = current_app.config["PUBLISHER"]
    store = g.live.store
    listing_ = store.listing(kind)
    listing_.add_labels(store.labels({goal_iri(n) for n in SDG_GOALS}))
    builder = ListBuilder(listing_, config.base_iri + "def/", links, lang, links.local(kind))
    return builder.view(args)


def _view_args() -> dict[str, str]:
    # Only the list's own parameters, each short: a cached page never repeats anything else.
    return {k: request.args[k][:40] for k in LIST_PARAMETERS if request.args.get(k)}


def _list_page(layout, kind: str, links: Urls) -> bytes:
    lang = i18n.language()
    args = _view_args()
    view = _list_view(kind, links, lang, args)
    twins = [(f"{links.local(kind)}/{urls.LIST_VIEW}.{ext}" + (f"?{view.query}" if view.query else ""), label)
             for ext, label in (("csv", "CSV"), ("json", "JSON"))]
    return render_template("list.html", kind=kind, view=view, links=links, title=i18n.t(kind, lang),
                           twins=twins, meta_description=i18n.t("list_description_" + kind, lang),
                           formats=[(links.document(kind, f), f) for f in LIST_FORMATS
                                    if f is not formats.HTML]).encode()


@bp.route("/<any(partners, events, alignments):kind>/" + urls.LIST_VIEW + ".<any(csv, json):ext>")
def list_view_export(kind: str, ext: str) -> Response:
    """The rows of one list view, as CSV or JSON, in the language of the page they come from."""
    lang, links = i18n.language(), linker()
    args = _view_args()
    key = (g.live.release.id, "list-view", kind, ext, lang, tuple(sorted(args.items())))
    if ext == "csv":
        body = memo(key, lambda: view_csv(_list_view(kind, links, lang, args)).encode())
        fmt = formats.CSV
    else:
        body = memo(key, lambda: json.dumps(view_json(_list_view(kind, links, lang, args)),
                                            ensure_ascii=False, indent=1).encode())
        fmt = formats.JSON
    return neg.respond(body, fmt, etag=release_etag("list-view", kind, ext, lang,
                                                    hashlib.sha256(repr(key).encode()).hexdigest()[:16]),
                       last_modified=last_modified(), vary_language=True)


__all__ = ["KINDS", "bp", "linker", "public_url", "release_etag", "last_modified", "render_description"]
