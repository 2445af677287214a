"""The app factory: one Flask app, its blueprints, and the answers shared by every route.

Every error is an HTTP status with a short, plain message in the format asked for; nothing ever shows
a stack trace or a file path.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from publisher.core.config import Config
from publisher.serve.store.live import LiveRelease, NoRelease
from publisher.serve.web import compression
from publisher.serve.web import negotiation as neg
from publisher.serve.web.cache import EXTENSION, Cache
from publisher.serve.web.errors import error_response
from publisher.serve.web.response_cache import LIVE_KEY, ResponseCache

log = logging.getLogger(__name__)


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
    def _cors(response: Response) -> Response:
        # Reads are public: any origin, never credentials.
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers.setdefault("Access-Control-Expose-Headers", "ETag, Link, Content-Location, Vary")
        return response

    @app.errorhandler(NoRelease)
    def _no_release(exc: NoRelease) -> Response:
        return error_response(503, "No data has been built yet. Run 'publisher build'.")

    @app.errorhandler(neg.NotAcceptable)
    def _not_acceptable(exc: neg.NotAcceptable) -> Response:
        offers = ", ".join(f.media_type for f in exc.offers)
        response = error_response(406, f"Not acceptable. This resource is available as: {offers}.")
        response.vary.add("Accept")
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        return error_response(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "Internal error. The incident has been logged.")

    for blueprint in _blueprints():
        app.register_blueprint(blueprint)
    compression.init_app(app)
    cache = app.extensions[EXTENSION] = Cache(config.cache_max_bytes)
    if config.trust_forwarded_headers:
        # Behind a reverse proxy: X-Forwarded-Proto/Host/Port/Prefix make the absolute links right.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1, x_host=1, x_port=1, x_prefix=1)  # type: ignore[method-assign]
    app.wsgi_app = ResponseCache(app.wsgi_app, live, cache,  # type: ignore[method-assign]
                                 cache_queries=config.query_cache, max_body=config.query_max_body)
    return app


def _blueprints() -> list:
    # Each family of routes is one module; adding one is one line here.
    from publisher.serve.web import api, catalog, changes, discovery, pages, queries, resources, sparql

    return [sparql.bp, queries.bp, catalog.bp, api.bp,
            pages.bp, changes.bp,
            discovery.bp,
            resources.bp]


