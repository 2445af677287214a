"""The one URL map: path ↔ IRI, document paths with extensions, the fixed paths, and public URLs.

Every route, template and artifact builds its URLs here (Datasette's ``url_builder`` is the model),
so that a URL is decided once. Things below the configured base IRI are served at their own path; the
UN's SDG IRIs (``http://metadata.un.org/sdg/13``) are not ours, so their descriptions live at ``/sdg/13``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from publisher.core.formats import Format
from publisher.core.namespaces import SDG, SDG_SCHEME

# The fixed paths, relative to the base (no leading slash).
SDG_PATH = "sdg"
SPARQL = "sparql"
QUERIES = "queries"
SEARCH = "search"
VOID = ".well-known/void"
CATALOG = "catalog"
NETWORK = "network"  # the picture of the network (partners ↔ events ↔ goals) with its tables
CHANGES = "changes"  # the change log (Änderungsprotokoll) of the kept releases
CATALOG_SERVICE = "catalog/service/sparql"  # the dcat:DataService of the SPARQL endpoint
CATALOG_SHAPES = "catalog/shapes"  # the SHACL shapes the datasets conform to
CATALOG_DOWNLOAD = "catalog/download"  # the Turtle file of each part dataset: <CATALOG_DOWNLOAD>/<slug>.ttl
FEED = "feed"  # the change feed (LDES, DCAT-AP Feeds): the stream's root node; its pages at feed/<n>
FEED_STREAM = FEED + "#stream"  # the ldes:EventStream itself
CONTEXT_VERSION = "v1"
CONTEXT = f"context/{CONTEXT_VERSION}.jsonld"
DUMPS = "dumps"
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
LIST_KINDS = ("partners", "events", "alignments")
LIST_VIEW = "view"  # /partners/view.csv?goal=13: the rows a filtered, sorted list page shows (CSV, JSON)
API_DOCS = "api"  # the HTML page documenting the JSON API
API_V1 = "api/v1"  # the plain JSON API (publisher.serve.web.api)
API_OPENAPI = "api/openapi.json"  # its OpenAPI 3.1 description
# The legal and accessibility pages every footer links (texts in data/seiten/, publisher.core.legal).
IMPRESSUM = "impressum"
DATENSCHUTZ = "datenschutz"
BARRIEREFREIHEIT = "barrierefreiheit"
LEGAL_PAGES = (IMPRESSUM, DATENSCHUTZ, BARRIEREFREIHEIT)
# The SPARQL editor's bundle (built by tools/build-editor.sh into EDITOR_BUILD below the project root).
EDITOR_ASSET = "assets/sparql-editor.js"
EDITOR_BUILD = ".cache/editor/dist/sparql-editor.js"

_SAFE = "/:@!$&'()*+,;=-._~"
# The only schemes a page links to; anything else (javascript:, data:, vbscript: …) is shown as text.
LINK_SCHEMES = ("http", "https", "mailto")


def linkable(url: str | None) -> bool:
    """Whether ``url`` may become an ``href``: http(s) or mailto, or a path on this host (never ``//``, ``/\\``)."""
    if not url:
        return False
    if url.startswith("/"):
        return not url.startswith(("//", "/\\"))
    if any(ord(c) < 0x21 for c in url):  # browsers drop tabs and newlines inside schemes: "java\tscript:"
        return False
    try:
        return urlsplit(url).scheme.lower() in LINK_SCHEMES
    except ValueError:
        return False


def path_href(path: str) -> str:
    """A request path as a link on this host: percent-encoded (``\\`` → ``%5C``) and never ``//…``.

    A browser resolves ``//evil.example/x`` and ``/\\evil.example/x`` to another host; the second slash is
    written ``%2F``, which the server decodes back to the same path.
    """
    quoted = quote(path, safe=_SAFE)
    if not quoted.startswith("/"):
        quoted = "/" + quoted
    while quoted.startswith("//"):
        quoted = "/%2F" + quoted[2:]
    return quoted


def public_url(base_iri: str, path: str, forwarded_root: str | None = None) -> str:
    """The absolute URL of ``path`` as clients reach it: below ``base_iri``, or below ``forwarded_root``
    (scheme, host and prefix from a trusted reverse proxy) when the deployment trusts forwarded headers."""
    root = (forwarded_root.rstrip("/") + "/") if forwarded_root else base_iri
    return root + path.lstrip("/")


def split_extension(path: str, offers: Iterable[Format]) -> tuple[str, Format | None]:
    """The one extension parser: ``id/x.ttl`` → (``id/x``, Turtle); ``def/index.ttl`` → (``def/``, Turtle).

    A path without an extension of one of ``offers`` comes back whole, with None.
    """
    stem, dot, ext = path.rpartition(".")
    if not dot or not stem or "/" in ext:
        return path, None
    fmt = next((f for f in offers if f.extension == ext), None)
    if fmt is None:
        return path, None
    if stem == "index" or stem.endswith("/index"):
        stem = stem[: -len("index")]
    return stem, fmt


def document_path(path: str, fmt: Format) -> str:
    """The URL path of the document for ``path`` in ``fmt`` (``def/`` → ``/def/index.ttl``)."""
    path = path.lstrip("/")
    return "/" + (path + "index" if path.endswith("/") else path) + "." + fmt.extension


def feed_page(number: int) -> str:
    """The path of page ``number`` (1, 2, …) of the change feed, relative to the base."""
    return f"{FEED}/{number}"


def gzip_dump_name(fmt: Format) -> str:
    """The file name of the whole-dataset dump in ``fmt`` (``dataset.ttl.gz``)."""
    return f"dataset.{fmt.extension}.gz"


@dataclass(frozen=True)
class Urls:
    """URLs on the serving host for one base IRI: ours below the base, the SDGs below ``/sdg``.

    ``root`` is the app's mount point (SCRIPT_NAME); ``lang_query`` is ``?lang=en`` when the language
    was chosen in the URL, so that links keep it.
    """

    base_iri: str
    root: str = ""
    lang_query: str = ""

    def iri(self, path: str) -> str:
        """The canonical IRI of a path below the base (``id/event/x`` → ``{base}id/event/x``)."""
        return self.base_iri + path.lstrip("/")

    def iri_for(self, path: str) -> str:
        """The canonical IRI a request path (without the mount point) stands for."""
        path = path.lstrip("/")
        if path == SDG_PATH or path.startswith(SDG_PATH + "/"):
            return SDG_SCHEME + path[len(SDG_PATH):]
        return self.base_iri + path

    def path_of(self, iri: str) -> str | None:
        """The local path (without the mount point) that serves ``iri``, or None if not ours."""
        if iri.startswith(self.base_iri):
            return "/" + iri[len(self.base_iri):]
        if iri == SDG_SCHEME or iri.startswith(str(SDG)):
            return "/" + SDG_PATH + iri[len(SDG_SCHEME):]
        return None

    def href(self, iri: str) -> str:
        """A link to ``iri``: the local page for what we serve (with the language kept), else the IRI."""
        path = self.path_of(iri)
        if path is not None:
            return self.root + path_href(path) + self.lang_query
        return iri if linkable(iri) else ""

    def local(self, path: str) -> str:
        """A path below the mount point (``sparql`` → ``/ib/sparql``)."""
        return self.root + "/" + path.lstrip("/")

    def document(self, path: str, fmt: Format) -> str:
        """The document URL of ``path`` in ``fmt``, below the mount point."""
        return self.root + path_href(document_path(path, fmt))
