"""The change feed (LDES, DCAT-AP Feeds): ``/feed`` (the stream and its root node) and ``/feed/<n>`` (pages).

The build writes the documents (``publisher.build.feed``); this only serves them, in every RDF format by
negotiation or extension. A closed page (one with a successor) never changes again, so it is sent with
``Cache-Control: public, max-age=31536000, immutable`` (DCAT-AP Feeds asks for ``immutable`` on pages that
will not change); the root and the open page get ``feed_max_age`` and an ETag from the file's sha256 in the
manifest, so a harvester polling them gets 304 until a build adds a member.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, g, request

from publisher import __version__
from publisher.core import formats, urls
from publisher.core.config import Config
from publisher.core.urls import split_extension
from publisher.serve.render.feed import render
from publisher.serve.web import negotiation as neg
from publisher.serve.web.cache import memo
from publisher.serve.web.resources import public_url

bp = Blueprint("feed", __name__)

FORMATS = formats.RDF_FORMATS
OFFERS = (*FORMATS, formats.JSON_GRAPH)
IMMUTABLE = 365 * 24 * 3600  # a year: the longest max-age RFC 9111 caches are asked to honour


@bp.route("/" + urls.FEED, methods=["GET", "HEAD"])
@bp.route("/" + urls.FEED + ".<ext>", methods=["GET", "HEAD"])
def root(ext: str | None = None) -> Response:
    layout = g.live.release.layout
    if not layout.feed_root.is_file():
        abort(404, "This release has no change feed; run 'publisher build'.")
    return _send(urls.FEED, layout.feed_root, ext, closed=False)


@bp.route("/" + urls.FEED + "/<int:number>", methods=["GET", "HEAD"])
@bp.route("/" + urls.FEED + "/<int:number>.<ext>", methods=["GET", "HEAD"])
def page(number: int, ext: str | None = None) -> Response:
    layout = g.live.release.layout
    path = layout.feed_page(number)
    if number < 1 or not path.is_file():
        abort(404, f"Die Änderungsliste hat keine Seite {number}. / The change feed has no page {number}.")
    # A page is closed once its successor exists (the build opens it when the page is full).
    return _send(urls.feed_page(number), path, ext, closed=layout.feed_page(number + 1).is_file())


def _send(path: str, file: Path, ext: str | None, closed: bool) -> Response:
    config: Config = current_app.config["PUBLISHER"]
    release = g.live.release
    fmt = None
    if ext is not None:
        fmt = split_extension(f"{path}.{ext}", FORMATS)[1]
        if fmt is None:
            abort(404, f"Unknown format extension '.{ext}'. Use .ttl, .jsonld, .nt or .rdf.")
    fmt = fmt or neg.choose(OFFERS, request.headers.get("Accept"), default=formats.TURTLE)
    rel = file.relative_to(release.path).as_posix()
    entry = release.manifest.get("files", {}).get(rel)
    if entry is None or release.file_problem(rel):
        abort(404, f"{rel} does not match the release manifest.")
    body = memo((release.id, "feed", rel, fmt.name), lambda: render(file, config.iri(path), fmt, config.base_iri))
    alternates = [(public_url(urls.document_path(path, f)), f) for f in FORMATS]
    response = Response(body, content_type=fmt.content_type)
    if ext is None:
        response.headers["Content-Location"] = public_url(urls.document_path(path, formats.get(fmt.body_format)))
    response.cache_control.public = True
    if closed:
        response.cache_control.max_age = IMMUTABLE
        response.cache_control.immutable = True
    else:
        response.cache_control.max_age = config.feed_max_age
    # The tag follows the file's bytes, which a closed page keeps from release to release.
    etag = f"feed-{entry['sha256'][:20]}-{__version__}-{fmt.name}"
    return neg.finish(response, etag=etag, alternates=alternates, negotiated=ext is None)
