"""The app factory: one Flask app, its blueprints, and the answers shared by every route.

Every error is an HTTP status with a short, plain message in the format asked for; nothing ever shows
a stack trace or a file path.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from publisher.config import Config
from publisher.live import LiveRelease, NoRelease
from publisher.web import negotiation as neg

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
        g.live = live.get()

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
    return app


def _blueprints() -> list:
    # Each family of routes is one module; adding one is one line here.
    from publisher.web import catalog, queries, sparql

    return [sparql.bp, queries.bp, catalog.bp]


def error_response(status: int, message: str) -> Response:
    """A plain error in the client's preferred format (HTML for browsers, JSON, else text)."""
    offers = (neg.HTML, neg.JSON, neg.Format("text", "text/plain", "txt", "Text"))
    try:
        fmt = neg.choose(offers, request.headers.get("Accept"), default=offers[2])
    except neg.NotAcceptable:
        fmt = offers[2]
    if fmt is neg.JSON:
        from flask import json

        body = json.dumps({"error": {"status": status, "message": message}})
    elif fmt is neg.HTML:
        from markupsafe import escape

        body = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{status}</title></head>'
                f"<body><main><h1>{status}</h1><p>{escape(message)}</p></main></body></html>")
    else:
        body = f"{status}: {message}\n"
    return Response(body, status=status, content_type=fmt.content_type)
