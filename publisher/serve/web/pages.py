"""Pages for people: the home page (office, SDG overview, partners, events, name search) and what
every page shares (the variables ``base.html`` expects, the language switch).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, g, render_template, request, send_file

from publisher.core import formats, urls
from publisher.core.config import Config
from publisher.core.jsonld import Context
from publisher.core.namespaces import SDG_GOALS, goal_iri
from publisher.serve.render.api import search_document
from publisher.serve.render.charts import chart
from publisher.serve.render.network import network
from publisher.serve.render.overview import overview
from publisher.serve.render.views import PageBuilder
from publisher.serve.web import i18n
from publisher.serve.web import negotiation as neg
from publisher.serve.web.cache import memo
from publisher.serve.web.catalog import schema_org as catalog_schema_org
from publisher.serve.web.resources import last_modified, linker, release_etag

bp = Blueprint("pages", __name__)

MAX_QUERY_CHARS = 200
HOME_LIST_LIMIT = 100


@bp.app_context_processor
def shared_variables() -> dict:
    """What ``base.html`` needs on every page of every blueprint (SPARQL and catalogue pages too)."""
    lang = i18n.language()
    # An explicit choice (either language) travels with every link, as the Linker does for data links.
    suffix = f"?lang={lang}" if i18n.explicit() else ""
    root = request.script_root
    nav = [(f"{root}/{suffix}", "home"), *((f"{root}/{kind}{suffix}", kind) for kind in urls.LIST_KINDS),
           (f"{root}/{urls.SPARQL}{suffix}", "sparql"), (f"{root}/{urls.CATALOG}{suffix}", "catalog")]
    # A resource page is the same page at its IRI and at its .html document (and is cached once for
    # both), so it names its own path; other pages switch language where they are. Only parameters the
    # page itself declares (``g.keep_args``) are carried over: a cached page must not repeat whatever
    # parameters its first visitor happened to add.
    here = g.get("page_path") or request.path
    kept = {k: request.args[k] for k in g.get("keep_args", ()) if k in request.args}
    switch = []
    for code, label in (("de", "Deutsch"), ("en", "English")):
        args = {**kept, "lang": code}
        switch.append((f"{root}{urls.path_href(here)}?{urlencode(args)}", code, label, code == lang))
    live = g.get("live")
    built = live.release.built_at if live is not None else None
    legal_links = [(f"{root}/{page}{suffix}", i18n.t(page, lang)) for page in urls.LEGAL_PAGES]
    return {
        "lang": lang,
        "legal_links": legal_links,
        "editor_url": f"{root}/{urls.EDITOR_ASSET}" if _editor_file().is_file() else "",
        "last_updated": i18n.when(built, lang) if built else "",
        "last_updated_iso": built.isoformat() if built else "",
        "plural": lambda key, count: i18n.n(key, count, lang),
        "fmt_date": lambda value: i18n.when(value, lang),
        "fmt_number": lambda value: i18n.number(value, lang),
        "site_name": i18n.t("site_name", lang),
        "home_url": f"{root}/{suffix}",
        "nav_links": [(href, i18n.t(key, lang)) for href, key in nav],
        "language_links": switch,
        "title": i18n.t("home", lang),
        "t": lambda key: i18n.t(key, lang),
        "root": root,
    }


def _release_page(name: str, draw: Callable[..., str]) -> Response:
    """An HTML-only page drawn once per release, language and link style (then from the cache)."""
    neg.choose((formats.HTML,), request.headers.get("Accept"))
    config: Config = current_app.config["PUBLISHER"]
    lang, links = i18n.language(), linker()
    body = memo((g.live.release.id, name, lang, links), lambda: draw(config, lang, links).encode())
    return neg.respond(body, formats.HTML, etag=release_etag(name, lang, links.lang_query),
                       last_modified=last_modified(), vary_language=True)


@bp.route("/")
def home() -> Response:
    return _release_page("home", _home)


def _home(config: Config, lang: str, links) -> str:
    ib = config.base_iri + "def/"
    store = g.live.store
    partners = store.listing("partners")
    partners.add_labels(store.labels({goal_iri(n) for n in SDG_GOALS}))
    events = store.listing("events")
    office_iri = store.office()
    office = store.describe(office_iri) if office_iri else None
    office_page = PageBuilder(Context(config.base_iri), links, lang).page(office) if office else None
    alignments = store.listing("alignments")
    alignments.add_labels(store.labels({goal_iri(n) for n in SDG_GOALS}))
    the_overview = overview(partners, ib, links, lang)
    pictures = chart(alignments, ib, [c.key for c in the_overview.dimensions], links, lang)
    return render_template(
        "home.html", chart=pictures, title=i18n.t("home", lang), office=office_page, overview=the_overview,
        partners=[(links.href(i.iri), partners.label_literal(i.iri, lang)) for i in partners.items[:HOME_LIST_LIMIT]],
        partner_total=len(partners.items),
        events=[(links.href(i.iri), events.label_literal(i.iri, lang)) for i in events.items[:HOME_LIST_LIMIT]],
        event_total=len(events.items), links=links, schema_org=catalog_schema_org(lang),
        meta_description=(office_page.description.text if office_page and office_page.description
                          else i18n.t("intro_fallback", lang)),
        canonical_url=config.base_iri + (f"?lang={lang}" if links.lang_query else ""),
    )


@bp.route("/" + urls.NETWORK)
def network_page() -> Response:
    """The network as a picture (server-drawn SVG) and as tables; once per release, language and links."""
    return _release_page("network", _network)


def _network(config: Config, lang: str, links) -> str:
    store = g.live.store
    partners = store.listing("partners")
    partners.add_labels(store.labels({goal_iri(n) for n in SDG_GOALS}))
    picture = network(partners, store.listing("events"), config.base_iri + "def/", links, lang)
    return render_template("network.html", net=picture, title=i18n.t("network", lang), links=links,
                           meta_description=i18n.t("network_intro", lang))


def _editor_file():
    config: Config = current_app.config["PUBLISHER"]
    return config.root / urls.EDITOR_BUILD


@bp.route("/" + urls.EDITOR_ASSET)
def editor_asset() -> Response:
    """The bundled SPARQL editor (CodeMirror 6), when the set-up built it; else 404 and the plain textarea."""
    path = _editor_file()
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="text/javascript", max_age=3600, conditional=True, etag=True)


SEARCH_OFFERS = (formats.HTML, formats.JSONLD, formats.JSON_GRAPH)


@bp.route("/" + urls.SEARCH)
def search_page() -> Response:
    fmt = neg.choose(SEARCH_OFFERS, request.headers.get("Accept"))
    text = request.args.get("q", "").strip()
    lang = i18n.language()
    if len(text) > MAX_QUERY_CHARS:
        abort(400, description=("Der Suchtext ist zu lang (höchstens %d Zeichen)." if lang == "de"
                                else "The search text is too long (at most %d characters).") % MAX_QUERY_CHARS)
    links = linker()
    found = g.live.store.search(text) if text else []
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    if fmt is not formats.HTML:  # JSON-LD (also for application/json): the results with their names
        iris = [iri for iri, _ in found]
        body = search_document(Context(current_app.config["PUBLISHER"].base_iri), iris,
                               g.live.store.labels(set(iris)) if iris else set())
        return neg.respond(body, fmt, etag=release_etag("search", fmt.name, digest), last_modified=last_modified())
    results = [(links.href(iri), literal) for iri, literal in found]
    body = render_template("search.html", title=i18n.t("search", lang), q=text, results=results).encode()
    return neg.respond(body, formats.HTML, etag=release_etag("search", lang, links.lang_query, digest),
                       last_modified=last_modified(), vary_language=True)


