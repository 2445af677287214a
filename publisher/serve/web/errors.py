"""Errors in the format the client asked for: one function every route and error handler uses.

Every error is an HTTP status with a short, plain message; nothing ever shows a stack trace or a path.
"""

from __future__ import annotations

from flask import Response, request

from publisher.core import formats
from publisher.core.urls import split_extension
from publisher.serve.web import negotiation as neg

TEXT = formats.TEXT
ERROR_FORMATS = (formats.HTML, formats.JSON, TEXT, formats.TURTLE, formats.JSONLD, formats.NTRIPLES, formats.RDFXML)


def refusal(start_response, status: str, message: str, *extra: tuple[str, str]) -> list[bytes]:
    """A refusal before any route runs (WSGI layers: a bad Host, a body too large or too slow, no slot for a
    slow client): plain text, the connection closed — whatever the client sent after it is not read."""
    body = f"{status[:3]}: {message}\n".encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
                            ("Connection", "close"), ("X-Content-Type-Options", "nosniff"), *extra])
    return [body]


def error_response(status: int, message: str, retry_after: int | None = None) -> Response:
    """An error in the format asked for: the path's extension (``.ttl`` …) or else the Accept header.

    HTML is a page in the site's layout; Turtle and N-Triples carry the message as a comment and
    RDF/XML as an XML comment (each still a valid, empty graph); JSON and JSON-LD an ``error`` object;
    anything else plain text.
    """
    fmt = _error_format()
    if fmt is formats.HTML:
        body = _html_error(status, message)
    elif fmt in (formats.JSON, formats.JSONLD):
        from flask import json

        body = json.dumps({"error": {"status": status, "message": message}})
    elif fmt in (formats.TURTLE, formats.NTRIPLES):
        body = f"# {status}: {_one_line(message)}\n"
    elif fmt is formats.RDFXML:
        from markupsafe import escape

        text = str(escape(_one_line(message))).replace("--", "- -")
        body = (f'<?xml version="1.0" encoding="utf-8"?>\n<!-- {status}: {text} -->\n'
                '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n')
    else:
        body = f"{status}: {message}\n"
    response = with_retry_after(Response(body, status=status, content_type=fmt.content_type), retry_after)
    response.vary.add("Accept")
    if fmt is formats.HTML:
        response.vary.add("Accept-Language")  # the error page is in the request's language
    return response


def with_retry_after(response: Response, seconds: int | None) -> Response:
    """``response`` with ``Retry-After`` when the error says when to come back (429, 503: budget, busy, store down)."""
    if seconds:
        response.headers["Retry-After"] = str(seconds)
    return response


def _error_format() -> formats.Format:
    by_ext = split_extension(request.path.rsplit("/", 1)[-1], formats.RESOURCE_FORMATS)[1]
    if by_ext is not None:
        return by_ext
    try:
        return neg.choose(ERROR_FORMATS, request.headers.get("Accept"), default=TEXT)
    except neg.NotAcceptable:
        return TEXT


def _one_line(message: str) -> str:
    return " ".join(message.split())


# Headings and the messages of statuses that come without a message of their own (werkzeug's defaults).
HEADINGS = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 406: "not_acceptable",
            408: "timeout", 413: "too_large", 500: "error", 502: "unavailable", 503: "unavailable", 504: "timeout"}
DEFAULT_MESSAGES = {
    400: ("Die Anfrage ist ungültig.", "The request is not valid."),
    403: ("Das ist hier nicht erlaubt.", "This is not allowed here."),
    404: ("Unter dieser Adresse gibt es nichts.", "There is nothing at this address."),
    405: ("Diese Methode ist für diese Adresse nicht erlaubt.", "This method is not allowed for this address."),
    413: ("Die Anfrage ist zu groß.", "The request is too large."),
    500: ("Interner Fehler. Der Vorfall wurde protokolliert.", "Internal error. The incident has been logged."),
}


def default_message(status: int, fallback: str) -> str:
    """A status's own message in both languages (German first), for errors raised without one."""
    de, en = DEFAULT_MESSAGES.get(status, (None, None))
    return f"{de} / {en}" if de else fallback


def in_language(message: str, lang: str) -> tuple[str, str | None, str | None]:
    """A bilingual message (``German / English``) as (the part in ``lang``, the other part, its language)."""
    if " / " in message:
        de, _, en = message.partition(" / ")
        return (de, en, "en") if lang == "de" else (en, de, "de")
    return message, None, None


def _html_error(status: int, message: str) -> str:
    """The error as a page of the site (escaped by the template); a bare page if the layout fails."""
    from flask import render_template
    from markupsafe import escape

    try:
        from publisher.serve.web.i18n import language, t

        lang = language()
        heading = t(HEADINGS.get(status, "error"), lang)
        text, other, other_lang = in_language(message, lang)
        return render_template("error.html", status=status, heading=heading, message=text, other=other,
                               other_lang=other_lang, title=f"{status} {heading}")
    except Exception:  # the layout needs a request context and templates; never fail an error page
        return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{status}</title></head>'
                f"<body><main><h1>{status}</h1><p>{escape(message)}</p></main></body></html>")
