"""The change log (Änderungsprotokoll): what each kept release changed, as a page and as JSON.

The build stores each release's change list in the release (``Layout.changes``); this page only reads
those lists (``publisher.core.release.history``), it never compares datasets itself.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, g, render_template, request

from publisher.core import formats, urls
from publisher.core.config import Config
from publisher.core.release import history
from publisher.serve.web import i18n
from publisher.serve.web import negotiation as neg
from publisher.serve.web.cache import memo
from publisher.serve.web.resources import last_modified, linker, release_etag

bp = Blueprint("changes", __name__)

OFFERS = (formats.HTML, formats.JSON)


@bp.route("/" + urls.CHANGES)
@bp.route("/" + urls.CHANGES + ".<ext>")
def changes(ext: str | None = None) -> Response:
    if ext is not None and ext != formats.JSON.extension:
        abort(404)
    fmt = formats.JSON if ext is not None else neg.choose(OFFERS, request.headers.get("Accept"))
    config: Config = current_app.config["PUBLISHER"]
    lang = i18n.language() if fmt is formats.HTML else ""
    links = linker() if fmt is formats.HTML else None
    key = (g.live.release.id, "changes", fmt.name, lang, links)
    body = memo(key, lambda: _render(config, fmt, lang))
    json_url = f"{request.script_root}/{urls.CHANGES}.{formats.JSON.extension}"
    return neg.respond(body, fmt, etag=release_etag("changes", g.live.release.id, fmt.name, lang,
                                                    links.lang_query if links else ""),
                       last_modified=last_modified(), vary_language=fmt is formats.HTML,
                       alternates=[(json_url, formats.JSON)] if fmt is formats.HTML else (),
                       content_location=json_url if fmt is formats.JSON and ext is None else None)


def _document(config: Config) -> dict:
    releases = []
    for release, doc in history(config.builds, g.live.release):
        releases.append({"id": release.id, "built_at": release.manifest["built_at"],
                         "previous": (doc or {}).get("from"), "summary": (doc or {}).get("summary"),
                         "changes": (doc or {}).get("changes", [])})
    return {"release": g.live.release.id, "releases": releases}


def _render(config: Config, fmt: formats.Format, lang: str) -> bytes:
    doc = _document(config)
    if fmt is formats.JSON:
        return json.dumps(doc, indent=1, ensure_ascii=False).encode()
    title = "Änderungsprotokoll" if lang == "de" else "Change log"
    return render_template("changes.html", title=title, doc=doc,
                           json_url=f"{request.script_root}/{urls.CHANGES}.{formats.JSON.extension}").encode()
