"""The app factory: one Flask app, its blueprints, and the answers shared by every route.

Every error is an HTTP status with a short, plain message in the format asked for; nothing ever shows
a stack trace or a file path.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response as BaseResponse

from publisher.core import formats
from publisher.core.config import Config
from publisher.core.urls import linkable
from publisher.serve.store.base import (
    STORE_DOWN_MESSAGE,
    STORE_SLOW_MESSAGE,
    QueryError,
    QueryTimeout,
    StoreFailed,
)
from publisher.serve.store.live import LiveRelease, NoRelease
from publisher.serve.web import compression
from publisher.serve.web import negotiation as neg
from publisher.serve.web.bodies import BoundedBodies
from publisher.serve.web.cache import EXTENSION, Cache
from publisher.serve.web.errors import default_message, error_response, refusal
from publisher.serve.web.response_cache import LIVE_KEY, ResponseCache
from publisher.serve.web.slots import Slots
from publisher.serve.web.sparql_protocol import SparqlFastPath
from publisher.serve.web.streams import BoundedStreams

log = logging.getLogger(__name__)

# Every HTML page: scripts and styles from this host only (the pages have no inline script; the SDG
# badges' colours are style attributes), nothing embeds the pages, no <base>, no plugins.
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
                           "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                           "base-uri 'none'; object-src 'none'")
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin"}
# Bidi controls (LRE RLE PDF LRO RLO, LRI RLI FSI PDI) in data: isolated in the page, dropped from <title>.
BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def create_app(config: Config | None = None) -> Flask:
    config = config or Config.load()
    app = Flask(__name__)
    app.config["PUBLISHER"] = config
    app.config["MAX_CONTENT_LENGTH"] = config.query_max_body
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.url_map.strict_slashes = False
    live = LiveRelease(config)
    app.extensions["live_release"] = live

    @app.before_request
    def _open_release() -> None:
        # The response cache already chose the release for this request; answer from that one.
        g.live = request.environ.get(LIVE_KEY) or live.get()

    @app.after_request
    def _headers(response: Response) -> Response:
        return common_headers(response)

    app.jinja_env.filters["nobidi"] = lambda text: str(text).translate(BIDI_CONTROLS)
    app.jinja_env.tests["linkable"] = linkable

    @app.errorhandler(NoRelease)
    def _no_release(exc: NoRelease) -> Response:
        return error_response(503, "Es sind noch keine Daten veröffentlicht; bitte 'publisher build' ausführen. / "
                                   "No data has been built yet. Run 'publisher build'.")

    @app.errorhandler(QueryError)
    def _query_error(exc: QueryError) -> Response:
        # A page read through ``serve --store`` (the routes that run user queries answer their errors
        # themselves): the store too slow is 504, unreachable 503, any other failure of it 502 — never a 500.
        if isinstance(exc, QueryTimeout):
            return error_response(504, STORE_SLOW_MESSAGE)
        return error_response(exc.status, STORE_DOWN_MESSAGE if isinstance(exc, StoreFailed) else exc.message,
                              getattr(exc, "retry_after", None))

    @app.errorhandler(neg.NotAcceptable)
    def _not_acceptable(exc: neg.NotAcceptable) -> Response:
        offers = ", ".join(f.media_type for f in exc.offers)
        response = error_response(406, f"Dieses Format gibt es hier nicht; verfügbar: {offers}. / "
                                       f"Not acceptable. This resource is available as: {offers}.")
        response.vary.add("Accept")
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        # Raised without a message of its own (werkzeug's English default): the status's message in both languages.
        own = exc.description and exc.description != type(exc).description
        status = exc.code or 500
        response = error_response(status, exc.description if own else default_message(status, exc.name))
        # What the status needs: Allow on 405, Content-Range on 416, WWW-Authenticate …
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, default_message(500, "Internal error."))

    for blueprint in _blueprints():
        app.register_blueprint(blueprint)
    compression.init_app(app)
    cache = app.extensions[EXTENSION] = Cache(config.cache_max_bytes)
    # /sparql queries without Flask's request handling, answered with the same headers (``SparqlFastPath``).
    app.wsgi_app = SparqlFastPath(app, app.wsgi_app, live, NON_HTML_HEADERS, LIVE_KEY)  # type: ignore[method-assign]
    if config.trust_forwarded_headers:
        # Behind a reverse proxy: X-Forwarded-Proto/Host/Port/Prefix make the absolute links right.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1, x_host=1, x_port=1, x_prefix=1)  # type: ignore[method-assign]
    app.wsgi_app = ResponseCache(app.wsgi_app, live, cache,  # type: ignore[method-assign]
                                 cache_queries=config.query_cache, max_body=config.query_max_body,
                                 max_key=config.cache_max_key_bytes)
    # Outermost: a request without Host is refused, and every body arrives within its limits before
    # the cache or a route reads it; around all, a streamed answer holds a slot while it is sent. The
    # threads a slow client can hold (a body it does not send, a stream it does not read): one count for both.
    slow = Slots.for_threads(config.threads)
    app.wsgi_app = BoundedBodies(_require_host(app.wsgi_app), config.query_max_body,  # type: ignore[method-assign]
                                 config.body_timeout, slow, config.trust_forwarded_headers)
    app.wsgi_app = BoundedStreams(app.wsgi_app, slow, config.trust_forwarded_headers)  # type: ignore[method-assign]
    return app


#: What ``common_headers`` gives every response (HTML adds its CSP); the lean /sparql path writes the same.
NON_HTML_HEADERS = (("Access-Control-Allow-Origin", "*"), *SECURITY_HEADERS.items())


def common_headers(response: BaseResponse) -> BaseResponse:
    """The headers every response gets, whatever made it (an after-request hook, and the lean /sparql path)."""
    # Reads are public (any origin, never credentials), and the security headers: one list, which the lean
    # /sparql path writes as well, so a header added here reaches both.
    response.headers.update(NON_HTML_HEADERS)
    response.headers.setdefault("Access-Control-Expose-Headers", "ETag, Link, Content-Location, Vary")
    if response.mimetype in (formats.HTML.media_type, *formats.HTML.aliases):
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


HOST = re.compile(r"^(?:[A-Za-z0-9._~!$&'()*+,;=%-]*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{0,5})?$")


@lru_cache(maxsize=256)  # a server sees few distinct hosts; the IDNA check costs 20 µs a request
def valid_host(host: str) -> bool:
    """A Host header as RFC 9110 allows it (reg-name or IP literal, optional port), IDNA labels decodable."""
    if not HOST.match(host):
        return False
    try:
        host.rsplit(":", 1)[0].encode("ascii").decode("idna")  # what werkzeug does to build URLs from it
    except (UnicodeError, ValueError):
        return False
    return True


def _require_host(wsgi_app):
    """HTTP/1.1 requires a Host header (RFC 9112, 3.2): without one, or a malformed one, the answer is 400."""

    def app(environ: dict, start_response):
        host = environ.get("HTTP_HOST", "")
        missing = environ.get("SERVER_PROTOCOL", "HTTP/1.1") == "HTTP/1.1" and not host.strip()
        if missing or (host and not valid_host(host)):
            return refusal(start_response, "400 Bad Request",
                           "Die Anfrage hat keinen gültigen Host-Header. / The request has no valid Host header.")
        return wsgi_app(environ, start_response)

    return app


def _blueprints() -> list:
    # Each family of routes is one module; adding one is one line here.
    from publisher.serve.web import api, catalog, changes, discovery, feed, legal, pages, queries, resources, sparql

    return [sparql.bp, queries.bp, catalog.bp, api.bp, feed.bp,
            pages.bp, changes.bp, legal.bp,
            discovery.bp,
            resources.bp]


