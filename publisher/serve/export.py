"""``publisher export DIR``: the served site as files, for any static web server or CDN.

Everything is rendered by the real app in process (``create_app(config).test_client()``), so there is one
renderer: every resource in every format (``adfc.ttl``, ``adfc.jsonld``, ``adfc.nt``, ``adfc.rdf``,
``adfc.html``), the lists, home page, catalogue, VoID, sitemap, robots.txt, JSON-LD context, dumps, the
static assets, the change feed (its root and every page it names) and the 404 answer in each format. The
pages to write are found the way a crawler finds them: from the sitemap and the fixed paths, then every link
of every HTML page, each path tried in every format of the registry; paged documents (the JSON-LD lists, the
catalogue) page by page, following their ``first``/``next``/``last`` links, into ``_pages/``.

Beside the files go a ready configuration for content negotiation: ``nginx.conf`` (an ``include``-able
server block: the ``Accept`` header mapped to an extension, ``Vary: Accept``, the app's exact ``Link``
alternates per file, ``Content-Location`` for negotiated answers, the media types) and ``.htaccess`` for
Apache (no ``Link`` headers, no ``?page=``). What a static server cannot do: the SPARQL endpoint, search,
``?lang=en`` pages, filtered list views (point those at a running ``publisher serve``), and weighing q-values in
``Accept`` (the first type found in a fixed order wins; see README, "Static export").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from publisher.core import formats
from publisher.core.config import Config
from publisher.core.urls import CONTEXT, FEED, LIST_KINDS, ROBOTS, SEARCH, SITEMAP, SPARQL, VOID

#: Extensions tried for a path without one (every format the app negotiates for pages and resources).
EXTENSIONS = tuple(dict.fromkeys(f.extension for f in (*formats.RESOURCE_FORMATS, formats.CSV)))
#: The order in which a static server looks for a type in ``Accept`` (first found wins).
ACCEPT_ORDER: tuple[tuple[str, str], ...] = (
    (r"text/html\s*;\s*q=0(\.0*)?\s*(,|$)", "ttl"),  # "anything but HTML" (q=0) before HTML itself
    (r"application/ld\+json", "jsonld"),
    (r"application/n-triples", "nt"),
    (r"application/rdf\+xml", "rdf"),
    (r"text/turtle|application/x-turtle", "ttl"),
    (r"text/csv", "csv"),
    (r"text/html|application/xhtml\+xml", "html"),
    (r"\*/\*|text/\*|application/\*", "any"),
)
KNOWN_EXTENSIONS = frozenset(f.extension for f in formats.REGISTRY.values())  # /sdg/1.1 is no document
ERRORS = "_errors"
#: Pages of paged documents (``/partners?page=2``, ``/catalog.ttl?page=1``): ``_pages/<path>/<n>.<ext>``, the
#: path as requested (``partners`` when negotiated, ``partners.jsonld`` when it names the format).
PAGES = "_pages"
#: Answered per request by a running server only (a static host links them to one, or leaves them out).
DYNAMIC = frozenset({"/" + SPARQL, "/" + SEARCH})
_LINK = re.compile(r'(?:href|src)="(/[^"#?]*)(?:[?#][^"]*)?"')
_LOC = re.compile(r"<loc>([^<]+)</loc>")


@dataclass
class ExportReport:
    files: int = 0
    bytes: int = 0
    links: dict[str, str] = field(default_factory=dict)  # file path → the app's Link header for it
    locations: dict[str, str] = field(default_factory=dict)  # page file → the app's Content-Location for it


def export(config: Config, target: Path, url: str) -> ExportReport:
    """Write the site as served at ``url`` (its absolute links: sitemap, robots, catalogue) into ``target``."""
    from publisher.serve.web.app import create_app

    app = create_app(config)
    client = app.test_client()
    base = url.rstrip("/") + "/"
    absolute = re.compile(r'href="' + re.escape(config.base_iri) + r'([^"#?]*)')
    target.mkdir(parents=True, exist_ok=True)
    report = ExportReport()
    seen: set[str] = set()
    todo = ["/", "/" + SITEMAP, "/" + ROBOTS, "/" + VOID, "/" + CONTEXT, "/catalog", "/dumps/index.json",
            "/" + FEED, *(f"/{kind}" for kind in LIST_KINDS)]
    # Links to other pages of a paged document: ``?page=N`` alone (other parameters are views a server computes).
    prefixes = "|".join(re.escape(u.rstrip("/")) for u in {config.base_iri, base})
    page_link = re.compile(r'(?:href="|<)(?:' + prefixes + r')?(/[^"#?>\s]*)\?page=([0-9]+)(?=[">])')
    feed_node = re.compile(r"<" + re.escape(config.base_iri) + "(" + re.escape(FEED) + r"/[0-9]+)>")

    def write(path: str, response, name: str = "") -> None:
        name = name or path.lstrip("/") or "index.html"
        if name.endswith("/"):
            name += "index.html"
        out = target / unquote(name)
        out.parent.mkdir(parents=True, exist_ok=True)
        body = response.get_data()
        out.write_bytes(body)
        report.files += 1
        report.bytes += len(body)
        link = response.headers.get("Link", "")
        if link:
            report.links["/" + unquote(name)] = link
        content_type = response.headers.get("Content-Type", "")
        # Every page of a paged document, by its first/prev/next/last links (in the header or the HTML).
        todo.extend(f"{stem}?page={n}" for stem, n in page_link.findall(link))
        if content_type.startswith("text/html"):
            todo.extend(f"{stem}?page={n}" for stem, n in page_link.findall(body.decode("utf-8", "replace")))
        if name.startswith(PAGES + "/"):
            if response.headers.get("Content-Location"):
                report.locations["/" + unquote(name)] = response.headers["Content-Location"]
            return
        if content_type.startswith("text/html"):
            text = body.decode("utf-8", "replace")
            todo.extend(_LINK.findall(text))
            # Links written as canonical IRIs (the catalogue's) are paths of this site too.
            todo.extend("/" + link for link in absolute.findall(text))
        elif path == "/dumps/index.json":
            todo.extend(entry["path"] for entry in json.loads(body)["files"])
        elif path.endswith(".xml") or content_type.startswith("application/xml"):
            todo.extend(urlsplit(loc).path for loc in _LOC.findall(body.decode("utf-8", "replace")))
        elif path.startswith(f"/{FEED}.") and content_type.startswith("text/turtle"):
            todo.extend("/" + node for node in feed_node.findall(body.decode("utf-8", "replace")))  # its pages

    def get(path: str, accept: str = "*/*"):
        return client.get(path, base_url=base, headers={"Accept": accept, "Accept-Encoding": "identity"})

    while todo:
        path = todo.pop()
        if "?page=" in path:
            path = "?page=".join(_page_stem(path))
        if path in seen or not path.startswith("/"):
            continue
        seen.add(path)
        if "?page=" in path:
            _write_pages(path, get, write)
            continue
        last = path.rsplit("/", 1)[-1]
        if last.rpartition(".")[2] in KNOWN_EXTENSIONS:  # a document (adfc.ttl, dataset.nt.gz, style.css …)
            response = get(path)
            if response.status_code == 200:
                write(path, response)
            continue
        found = False
        for ext in EXTENSIONS:
            document = (path + "index" if path.endswith("/") else path) + "." + ext
            if document in seen:
                continue
            seen.add(document)
            response = get(document)
            if response.status_code == 200:
                write(document, response)
                found = True
        if not found and path not in DYNAMIC:  # a page in one format only (the home page, /queries …)
            response = get(path)
            media = response.headers.get("Content-Type", "").split(";")[0]
            fmt = next((f for f in formats.REGISTRY.values() if f.media_type == media), None)
            if response.status_code == 200 and fmt is not None:
                write(path if path.endswith("/") else f"{path}.{fmt.extension}", response)
    _write_errors(client, base, target)
    (target / "nginx.conf").write_text(nginx_config(target, report.links, report.locations), encoding="utf-8")
    (target / ".htaccess").write_text(htaccess(), encoding="utf-8")
    return report


def _page_stem(path: str) -> tuple[str, str]:
    """``/partners.jsonld?page=2`` → (``/partners``, ``2``): one key for a page in all its formats."""
    stem, _, number = path.partition("?page=")
    head, _, last = stem.rpartition("/")
    name, dot, ext = last.rpartition(".")
    return (f"{head}/{name}" if dot and ext in KNOWN_EXTENSIONS else stem), number


def _write_pages(path: str, get, write) -> None:
    """Page ``n`` of a paged document (``/partners?page=2``) in every format the app answers it in, by
    extension (``/partners.jsonld?page=2`` → ``_pages/partners.jsonld/2.jsonld``) and negotiated by each
    format's media type (``/partners?page=2`` → ``_pages/partners/2.jsonld``): the app's Link and
    Content-Location differ between the two."""
    stem, number = _page_stem(path)
    for fmt in formats.REGISTRY.values():
        if fmt.sends or fmt.extension not in EXTENSIONS:
            continue
        response = get(f"{stem}.{fmt.extension}?page={number}")
        if response.status_code == 200:
            write(path, response, f"{PAGES}{stem}.{fmt.extension}/{number}.{fmt.extension}")
        response = get(f"{stem}?page={number}", fmt.media_type)
        if response.status_code == 200 and response.headers.get("Content-Type", "").startswith(fmt.media_type):
            write(path, response, f"{PAGES}{stem}/{number}.{fmt.extension}")


def _write_errors(client, base: str, target: Path) -> None:
    """The app's own 404 answer in every format, for the server's ``error_page``."""
    (target / ERRORS).mkdir(exist_ok=True)
    for ext in EXTENSIONS:
        response = client.get(f"/id/{ERRORS}/not-found.{ext}", base_url=base)
        (target / ERRORS / f"404.{ext}").write_bytes(response.get_data())
    offers = ", ".join(f.media_type for f in formats.RESOURCE_FORMATS)
    (target / ERRORS / "406.txt").write_text(f"Not acceptable. This resource is available as: {offers}.\n",
                                             encoding="utf-8")


def _media_types() -> dict[str, list[str]]:
    """Media type → extensions, from the format registry (the one place that decides them)."""
    seen: dict[str, list[str]] = {}
    for fmt in formats.REGISTRY.values():
        if fmt.sends:  # aliases of another format (application/json on /sparql)
            continue
        exts = seen.setdefault(fmt.media_type, [])
        if fmt.extension not in exts and not any(fmt.extension in e for e in seen.values()):
            exts.append(fmt.extension)
    return {media: exts for media, exts in seen.items() if exts}


def _types() -> str:
    return "\n".join(f"        {media} {' '.join(exts)};" for media, exts in _media_types().items())


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def nginx_config(root: Path, links: dict[str, str], locations: dict[str, str] | None = None) -> str:
    """An nginx ``http``-level snippet (maps) and a ``server`` block serving ``root`` with negotiation."""
    location_map = "\n".join(f"    {_quote(path)} {_quote(loc)};" for path, loc in sorted((locations or {}).items()))
    known = "|".join(EXTENSIONS)
    accept = "\n".join(f"    {_quote('~*' + pattern)} {ext};" for pattern, ext in ACCEPT_ORDER)
    error_map = "\n".join(f'    "~^[^?]*\\.{ext}(\\?|$)" {ext};' for ext in EXTENSIONS)
    link_map = "\n".join(f"    {_quote(path)} {_quote(link)};" for path, link in sorted(links.items()))
    return f"""# Generated by 'publisher export': content negotiation for the static export in {root}.
# Include this file inside nginx's http {{ }} block, then adjust 'listen' and 'server_name'.
map_hash_max_size 65536;
map_hash_bucket_size 256;

# Accept -> extension: the first type found in this order wins (q-values are not weighed).
map $http_accept $ld_ext {{
    "" any;
{accept}
    default none;
}}
# What to try for "anything": the first format each kind of page has.
map $ld_ext $ld_try {{
    any ttl;
    default $ld_ext;
}}
# The app's Link alternates for each file (looked up by the file actually served).
map $uri $ld_link {{
{link_map}
    default "";
}}
# Content-Location only when the request named no extension (the answer was negotiated).
map $request_uri $ld_negotiated {{
    "~^[^?]*/[^/?]*\\.[A-Za-z0-9]+(\\?|$)" 0;
    "~^[^?]*/(\\?|$)" 0;
    default 1;
}}
map $ld_negotiated $ld_content_location {{
    1 $ld_file_location;
    default "";
}}
# ?page=N: the file of that page (/partners?page=2 -> /{PAGES}/partners/2.<ext>, /x.ttl?page=2 -> /{PAGES}/x.ttl/2.ttl).
map $uri $ld_page_ext {{
    "~\\.(?<e>{known})$" $e;
    default $ld_try;
}}
# Negotiated pages of the kinds without Turtle (the JSON-LD lists): as the app, JSON-LD, then HTML.
map $uri $ld_page_stem {{
    "~^(?<stem>/{PAGES}/.+/[0-9]+)\\.[A-Za-z0-9]+$" $stem;
    default $uri;
}}
# The app's Content-Location for a page file (the document it names has no ?page=).
map $uri $ld_page_location {{
{location_map}
    default "";
}}
map $uri $ld_file_location {{
{location_map}
    default $uri;
}}
# 404 in the format asked: by the request's extension, else by Accept.
map $request_uri $ld_error_ext {{
{error_map}
    default $ld_try;
}}

server {{
    listen 8080;
    server_name _;
    root {root};
    charset utf-8;
    charset_types text/turtle application/ld+json application/n-triples application/rdf+xml text/csv
                  application/json application/xml application/sparql-results+json text/plain text/css
                  application/javascript image/svg+xml;
    types {{
{_types()}
    }}
    default_type application/octet-stream;
    add_header Vary "Accept" always;
    add_header Access-Control-Allow-Origin "*" always;
    add_header Access-Control-Expose-Headers "ETag, Link, Content-Location, Vary" always;
    add_header Link $ld_link always;
    add_header Content-Location $ld_content_location always;
    error_page 404 /{ERRORS}/404.$ld_error_ext;
    error_page 406 /{ERRORS}/406.txt;

    location = / {{
        try_files /index.html =404;
    }}
    location /{ERRORS}/ {{
        internal;
        add_header Vary "Accept" always;
    }}
    location /{PAGES}/ {{
        internal;
        add_header Vary "Accept" always;
        add_header Access-Control-Allow-Origin "*" always;
        add_header Access-Control-Expose-Headers "ETag, Link, Content-Location, Vary" always;
        add_header Link $ld_link always;
        add_header Content-Location $ld_page_location always;
        try_files $uri $ld_page_stem.jsonld $ld_page_stem.html =404;
    }}
    location / {{
        if ($ld_ext = none) {{
            return 406;
        }}
        if ($arg_page ~ "^[0-9]+$") {{
            rewrite ^ /{PAGES}$uri/$arg_page.$ld_page_ext? last;
        }}
        # A paged document without ?page= is its first page as negotiated (the app's Link differs by extension).
        try_files $uri /{PAGES}$uri/1.$ld_try $uri.$ld_try $uri/index.$ld_try /{PAGES}$uri/1.jsonld $uri.jsonld
                  $uri.html $uri/index.html =404;
    }}
}}
"""


def htaccess() -> str:
    """The same negotiation for Apache (mod_rewrite, mod_headers, mod_mime); tested with Debian's apache2."""
    types = "\n".join(f"AddType {media} {' '.join('.' + e for e in exts)}" for media, exts in _media_types().items())
    rules = "\n".join(
        f"RewriteCond %{{HTTP_ACCEPT}} {pattern.replace(' ', '')} [NC]\n"
        f"RewriteCond %{{REQUEST_FILENAME}}.{ext} -f\nRewriteRule ^(.*)$ $1.{ext} [L,E=LD_NEGOTIATED:1]"
        for pattern, ext in ACCEPT_ORDER if ext not in ("any",) and "q=0" not in pattern)
    return f"""# Generated by 'publisher export': negotiation for Apache httpd (no Link, no ?page=; see README).
Options -MultiViews
AddDefaultCharset utf-8
{types}
Header always append Vary Accept
Header always set Access-Control-Allow-Origin "*"
Header always set Access-Control-Expose-Headers "ETag, Link, Content-Location, Vary"
RewriteEngine On
{rules}
RewriteCond %{{REQUEST_FILENAME}} !-f
RewriteCond %{{REQUEST_FILENAME}}.ttl -f
RewriteRule ^(.*)$ $1.ttl [L,E=LD_NEGOTIATED:1]
RewriteCond %{{REQUEST_FILENAME}} !-f
RewriteCond %{{REQUEST_FILENAME}}.html -f
RewriteRule ^(.*)$ $1.html [L,E=LD_NEGOTIATED:1]
ErrorDocument 404 /{ERRORS}/404.html
"""
