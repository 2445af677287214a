"""How machines find the data: VoID, the sitemap, robots.txt, the JSON-LD context and the dumps.

The VoID description is made of the release manifest and the dumps' index (no query at request
time) and is served in every format a resource is, through the same renderer.
"""

from __future__ import annotations

import hashlib
import json

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, g, render_template_string, request, send_file

from publisher.catalog.graph import VOID_PATH
from publisher.config import Config
from publisher.describe import Description, sort_key
from publisher.dumps import DUMPS, read_index
from publisher.jsonld import CONTEXT_PATH, Context
from publisher.listing import described_iris
from publisher.namespaces import DCTERMS, FOAF, PROV, RDF, RDFS, SCHEMA, SKOS, VOID, XSD
from publisher.service_description import void_statistics
from publisher.web import i18n
from publisher.web import negotiation as neg
from publisher.web.resources import (
    CACHE,
    document_path,
    last_modified,
    linker,
    release_etag,
    render_description,
    split_extension,
)
from publisher.web.views import Linker

bp = Blueprint("discovery", __name__)

SITEMAP_LIMIT = 50_000  # the sitemaps.org limit per file
VOCABULARIES = (str(SCHEMA), str(SKOS), str(DCTERMS), str(PROV), str(RDFS))


@bp.route("/" + VOID_PATH)
@bp.route("/" + VOID_PATH + ".<ext>")
def void(ext: str | None = None) -> Response:
    config: Config = current_app.config["PUBLISHER"]
    if ext is not None and split_extension("void." + ext)[1] is None:
        abort(404)
    fmt = neg.negotiate(neg.RESOURCE_FORMATS, ext, default=neg.TURTLE)
    assert fmt is not None
    lang = i18n.language() if fmt is neg.HTML else ""
    links = linker() if fmt is neg.HTML else None
    key = (g.live.release.id, "void", fmt.name, lang, links)
    body = CACHE.get(key, lambda: render_description(void_description(config), fmt, config, lang, links), size=len)
    return neg.respond(
        body, fmt, etag=release_etag("void", fmt.name, lang, links.lang_query if links else ""),
        last_modified=last_modified(),
        alternates=[(request.script_root + document_path(VOID_PATH, f), f) for f in neg.RESOURCE_FORMATS
                    if f is not fmt],
        content_location=request.script_root + document_path(VOID_PATH, fmt) if ext is None else None,
        vary_language=fmt is neg.HTML,
    )


def void_description(config: Config) -> Description:
    """VoID for the release: size, classes, vocabularies, dumps, SPARQL endpoint, licence, catalogue."""
    manifest = g.live.release.manifest
    doc = ox.NamedNode(config.iri(VOID_PATH))
    ds = ox.NamedNode(config.iri(VOID_PATH) + "#dataset")
    triples = [
        (doc, RDF.type, ox.NamedNode(VOID + "DatasetDescription")), (doc, FOAF.primaryTopic, ds),
        (doc, DCTERMS.title, ox.Literal("VoID-Beschreibung des Datensatzes", language="de")),
        (doc, DCTERMS.title, ox.Literal("VoID description of the dataset", language="en")),
        (ds, RDF.type, ox.NamedNode(VOID + "Dataset")),
        (ds, DCTERMS.title, ox.Literal("Netzwerk des Büros für Internationale Beziehungen Dortmund", language="de")),
        (ds, DCTERMS.title, ox.Literal("Network of the Dortmund Office for International Relations", language="en")),
        (ds, DCTERMS.license, ox.NamedNode(config.catalog_license)),
        (ds, DCTERMS.modified, ox.Literal(manifest["built_at"], datatype=ox.NamedNode(XSD.dateTime))),
        (ds, VOID.sparqlEndpoint, ox.NamedNode(config.iri("sparql"))),
        (ds, VOID.uriSpace, ox.Literal(config.iri("id/"))),
        (ds, VOID.rootResource, ox.NamedNode(config.iri(""))),
        (ds, RDFS.seeAlso, ox.NamedNode(config.iri("catalog"))),
        (ds, VOID.feature, ox.NamedNode("http://www.w3.org/ns/formats/Turtle")),
        (ds, VOID.feature, ox.NamedNode("http://www.w3.org/ns/formats/JSON-LD")),
        (ds, VOID.feature, ox.NamedNode("http://www.w3.org/ns/formats/N-Triples")),
        (ds, VOID.feature, ox.NamedNode("http://www.w3.org/ns/formats/RDF_XML")),
    ]
    totals, classes = void_statistics(manifest)
    triples += [(ds, ox.NamedNode(prop), _integer(count)) for prop, count in totals]
    triples += [(ds, VOID.vocabulary, ox.NamedNode(v)) for v in (*VOCABULARIES, config.iri("def/"))]
    for entry in read_index(g.live.release.path)["files"]:
        if entry.get("triples") is not None:
            triples.append((ds, VOID.dataDump, ox.NamedNode(config.iri(entry["path"].lstrip("/")))))
    for number, (cls, count) in enumerate(classes, 1):
        part = ox.NamedNode(f"{ds.value}-class-{number}")
        triples += [(ds, VOID.classPartition, part), (part, VOID["class"], ox.NamedNode(cls)),
                    (part, VOID.entities, _integer(count))]
    out = [ox.Triple(s, p if isinstance(p, ox.NamedNode) else ox.NamedNode(str(p)), o) for s, p, o in triples]
    return Description(doc.value, sorted(set(out), key=sort_key))


def _integer(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=ox.NamedNode(XSD.integer))


@bp.route("/" + CONTEXT_PATH)
def context_document() -> Response:
    """The JSON-LD context: versioned, cacheable for a day, the same for every release of this base IRI."""
    config: Config = current_app.config["PUBLISHER"]
    body = json.dumps(Context(config.base_iri).document(), indent=1, ensure_ascii=False)
    response = neg.finish(Response(body, content_type=neg.JSONLD.content_type), negotiated=False,
                          etag=release_etag("context", CONTEXT_PATH))
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@bp.route(f"/{DUMPS}/<name>")
def dump(name: str) -> Response:
    """A dump file of the release: ``.gz`` files as ``application/gzip`` downloads, the CSV as text.

    ``index.json`` lists them with media type, size and sha256, for scripts that mirror the dumps.
    """
    if name == "index.json":
        return neg.respond(json.dumps(read_index(g.live.release.path), indent=1).encode(), neg.JSON,
                           etag=release_etag("dumps-index"), last_modified=last_modified())
    files = {e["file"]: e for e in read_index(g.live.release.path)["files"]}
    entry = files.get(name)
    if entry is None:
        abort(404)
    response = send_file(g.live.release.path / DUMPS / name, mimetype=entry["content_type"].split(";")[0],
                         conditional=True, etag=entry["sha256"], last_modified=last_modified(),
                         download_name=name, as_attachment=name.endswith(".gz"))
    if not name.endswith(".gz"):
        response.headers["Content-Type"] = entry["content_type"]
    return response


@bp.route("/robots.txt")
def robots() -> Response:
    root = request.host_url.rstrip("/") + request.script_root
    body = f"User-agent: *\nAllow: /\nDisallow: /sparql\nDisallow: /search\n\nSitemap: {root}/sitemap.xml\n"
    return Response(body, content_type="text/plain; charset=utf-8")


SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{%- for loc in locations %}
  <url><loc>{{ loc }}</loc><lastmod>{{ lastmod }}</lastmod></url>
{%- endfor %}
</urlset>
"""


@bp.route("/sitemap.xml")
def sitemap() -> Response:
    """Every described IRI below the base (as a page on this host), the lists and the home page."""
    config: Config = current_app.config["PUBLISHER"]
    links = Linker(config.base_iri, request.script_root)  # canonical page URLs, never with ?lang=
    key = (g.live.release.id, "sitemap", request.host_url, request.script_root)

    def build() -> bytes:
        host = request.host_url.rstrip("/")
        locations = [host + request.script_root + "/", *(f"{host}{request.script_root}/{k}" for k in
                                                          ("partners", "events", "alignments"))]
        locations += [host + links.href(iri) for iri in described_iris(g.live.store, config.base_iri,
                                                                       SITEMAP_LIMIT - 4)]
        lastmod = g.live.release.built_at.date()
        return render_template_string(SITEMAP, locations=locations, lastmod=lastmod.isoformat()).encode()

    body = CACHE.get(key, build, size=len)
    host = hashlib.sha256(request.host_url.encode()).hexdigest()[:12]
    return neg.finish(Response(body, content_type="application/xml; charset=utf-8"), negotiated=False,
                      etag=release_etag("sitemap", host), last_modified=last_modified())
