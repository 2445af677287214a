"""The legal and accessibility pages (Impressum, Datenschutzerklärung, Erklärung zur Barrierefreiheit).

Their texts are the office's own files in ``data/seiten`` (``publisher.core.legal``), read when served,
so a corrected text is online without a new release. Every footer links all three (``base.html``).
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, abort, current_app, render_template, request

from publisher.core import formats, legal, urls
from publisher.core.config import Config
from publisher.serve.render.markdown import render
from publisher.serve.web import i18n
from publisher.serve.web import negotiation as neg

bp = Blueprint("legal", __name__)


def _page(name: str) -> Response:
    neg.choose((formats.HTML,), request.headers.get("Accept"))
    config: Config = current_app.config["PUBLISHER"]
    lang = i18n.language()
    text = legal.read_text(config, name, lang)
    if text is None:
        abort(404)
    body, heading, count = render(text, request.script_root, i18n.t("placeholder", lang))
    # A file missing in the page language falls back to German: then the text is marked as German.
    text_lang = lang if legal.text_path(config, name, lang).is_file() else "de"
    html = render_template("legal.html", title=heading or i18n.t(name, lang), heading=heading or i18n.t(name, lang),
                           body=body, placeholders=count, text_lang=text_lang, page_name=name)
    data = html.encode()
    # The text is read from data/ (not the release), so the tag is of the page itself.
    return neg.respond(data, formats.HTML, etag=hashlib.sha256(data).hexdigest()[:24], last_modified=None,
                       vary_language=True)


@bp.route("/" + urls.IMPRESSUM)
def impressum() -> Response:
    return _page(urls.IMPRESSUM)


@bp.route("/" + urls.DATENSCHUTZ)
def datenschutz() -> Response:
    return _page(urls.DATENSCHUTZ)


@bp.route("/" + urls.BARRIEREFREIHEIT)
def barrierefreiheit() -> Response:
    return _page(urls.BARRIEREFREIHEIT)
