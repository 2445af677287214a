"""How machines find the data: VoID, the sitemap, robots.txt, the JSON-LD context and the dumps.

The VoID description is made of the release manifest and the dumps' index (no query at request
time) and is served in every format a resource is, through the same renderer.
"""

from __future__ import annotations

import hashlib
import json
import logging

from flask import Blueprint, Response, abort, current_app, g, render_template_string, request, send_file
from werkzeug.http import parse_range_header

from publisher.core import formats, urls
from publisher.core.config import Config
from publisher.core.jsonld import Context
from publisher.core.urls import Urls, split_extension
from publisher.serve.render.void import void_description
from publisher.serve.web import i18n
from publisher.serve.web import negotiation as neg
from publisher.serve.web.cache import memo
from publisher.serve.web.resources import (
    alternates,
    last_modified,
    linker,
    public_url,
    release_etag,
    render_description,
)

bp = Blueprint("discovery", __name__)
log = logging.getLogger(__name__)

SITEMAP_LIMIT = 50_000  # the sitemaps.org limit per file


@bp.route("/" + urls.VOID)
@bp.route("/" + urls.VOID + ".<ext>")
def void(ext: str | None = None) -> Response:
    config: Config = current_app.config["PUBLISHER"]
    by_ext = split_extension(f"{urls.VOID}.{ext}", formats.RESOURCE_FORMATS)[1] if ext is not None else None
    if ext is not None and by_ext is None:
        abort(404)
    fmt = by_ext or neg.choose(formats.RESOURCE_OFFERS, request.headers.get("Accept"), default=formats.TURTLE)
    lang = i18n.language() if fmt is formats.HTML else ""
    links = linker()
    page_links = links if fmt is formats.HTML else None
    key = (g.live.release.id, "void", fmt.name, lang, page_links)
    body = memo(key, lambda: render_description(void_description(config, g.live.release), fmt, config, lang,
                                                page_links))
    return neg.respond(
        body, fmt, etag=release_etag("void", fmt.name, lang, page_links.lang_query if page_links else ""),
        last_modified=last_modified(), alternates=alternates(links, urls.VOID, fmt),
        content_location=links.document(urls.VOID, formats.get(fmt.body_format)) if ext is None else None,
        vary_language=fmt is formats.HTML,
    )


@bp.route("/" + urls.CONTEXT)
def context_document() -> Response:
    """The JSON-LD context: versioned, cacheable for a day, the same for every release of this base IRI."""
    config: Config = current_app.config["PUBLISHER"]
    body = json.dumps(Context(config.base_iri).document(), indent=1, ensure_ascii=False)
    response = neg.finish(Response(body, content_type=formats.JSONLD.content_type), negotiated=False,
                          etag=release_etag("context", urls.CONTEXT))
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@bp.route(f"/{urls.DUMPS}/<name>")
def dump(name: str) -> Response:
    """A dump file of the release: ``.gz`` files as ``application/gzip`` downloads, the CSV as text.

    ``index.json`` lists them with media type, size and sha256, for scripts that mirror the dumps.
    """
    if name == "index.json":
        return neg.respond(json.dumps(g.live.release.dumps_index(), indent=1).encode(), formats.JSON,
                           etag=release_etag("dumps-index"), last_modified=last_modified())
    files = {e["file"]: e for e in g.live.release.dumps_index()["files"]}
    entry = files.get(name)
    if entry is None:
        abort(404)
    problem = g.live.release.file_problem(f"{urls.DUMPS}/{name}")
    if problem is not None:  # truncated or rewritten since the build: never serve it under the old ETag
        log.error("release %s: dumps/%s does not match the manifest: %s", g.live.release.id, name, problem)
        abort(503, description=f"Die Datei {name} ist beschädigt oder unvollständig; sie wird erst nach einem neuen "
                               f"Build wieder ausgeliefert. / The file {name} is damaged or incomplete; it will be "
                               "served again after a new build.")
    if "HTTP_RANGE" in request.environ:
        parsed = parse_range_header(request.environ["HTTP_RANGE"])
        if parsed is None or parsed.units != "bytes":
            # RFC 9110, 14.2: a Range that does not parse, or in another unit, is ignored (200), not 416.
            del request.environ["HTTP_RANGE"]
    response = send_file(g.live.release.layout.dumps / name, mimetype=entry["content_type"].split(";")[0],
                         conditional=True, etag=entry["sha256"], last_modified=last_modified(),
                         download_name=name, as_attachment=name.endswith(".gz"))
    if not name.endswith(".gz"):
        response.headers["Content-Type"] = entry["content_type"]
    return response


@bp.route("/" + urls.ROBOTS)
def robots() -> Response:
    body = (f"User-agent: *\nAllow: /\nDisallow: /{urls.SPARQL}\nDisallow: /{urls.SEARCH}\n\n"
            f"Sitemap: {public_url(urls.SITEMAP)}\n")
    return Response(body, content_type=formats.TEXT.content_type)


SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{%- for loc in locations %}
  <url><loc>{{ loc }}</loc><lastmod>{{ lastmod }}</lastmod></url>
{%- endfor %}
</urlset>
"""


@bp.route("/" + urls.SITEMAP)
def sitemap() -> Response:
    """Every described IRI below the base, the lists and the home page, at their public URLs (``base_iri``)."""
    config: Config = current_app.config["PUBLISHER"]
    links = Urls(config.base_iri)  # canonical page paths, never with ?lang=
    public_root = public_url("")
    key = (g.live.release.id, "sitemap", public_root)

    def build() -> bytes:
        # Where people should land: home, the lists, the query pages, the catalogue, the legal pages.
        landing = [*urls.LIST_KINDS, urls.NETWORK, urls.SPARQL, urls.QUERIES, urls.CATALOG, urls.CHANGES,
                   *urls.LEGAL_PAGES]
        locations = [public_root, *(public_url(k) for k in landing)]
        locations += [public_url(links.href(iri))
                      for iri in g.live.store.described_iris(SITEMAP_LIMIT - len(locations))]
        lastmod = g.live.release.built_at.date()
        return render_template_string(SITEMAP, locations=locations, lastmod=lastmod.isoformat()).encode()

    body = memo(key, build)
    host = hashlib.sha256(public_root.encode()).hexdigest()[:12]
    return neg.finish(Response(body, content_type=formats.XML.content_type), negotiated=False,
                      etag=release_etag("sitemap", host), last_modified=last_modified())
