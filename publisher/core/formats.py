"""The one format registry: every media type the project reads, writes or serves is decided here.

Negotiation, the SPARQL endpoint, the query workers, the dumps, the catalogue, VoID, the service
description and compression all read these entries; none keeps a table of its own. No Flask here:
the build and the query workers use it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

W3C_FORMATS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    name: str  # unique registry name; also accepted in ?format=
    media_type: str
    extension: str  # the document extension (``.ttl`` …) without the dot
    label: str
    aliases: tuple[str, ...] = ()  # other media types that mean the same
    params: tuple[str, ...] = ()  # other names accepted in ?format= (``json`` for SPARQL JSON on /sparql)
    oxigraph: str = ""  # pyoxigraph ``RdfFormat`` member for RDF formats
    rdflib: str = ""  # rdflib serializer name (the catalogue and the service description)
    w3c: str = ""  # local name below http://www.w3.org/ns/formats/
    sends: str = ""  # registry name of the format whose bytes are sent, where that differs (application/json)
    text: bool = True
    compressible: bool = True

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.text else self.media_type

    @property
    def w3c_iri(self) -> str:
        return W3C_FORMATS + self.w3c if self.w3c else ""

    @property
    def body_format(self) -> str:
        """The registry name of what is written (the format itself unless it ``sends`` another)."""
        return self.sends or self.name

    def known_as(self, name: str) -> bool:
        name = name.lower()
        return name in (self.name, self.extension, self.media_type, *self.params)


TURTLE = Format("turtle", "text/turtle", "ttl", "Turtle", ("application/x-turtle",), oxigraph="TURTLE",
                rdflib="turtle", w3c="Turtle")
JSONLD = Format("jsonld", "application/ld+json", "jsonld", "JSON-LD", oxigraph="JSON_LD", rdflib="json-ld",
                w3c="JSON-LD")
NTRIPLES = Format("ntriples", "application/n-triples", "nt", "N-Triples", oxigraph="N_TRIPLES", rdflib="nt",
                  w3c="N-Triples")
# pretty-xml nests each dataset in its catalogue entry, the RDF/XML layout DCAT-AP harvesters expect.
RDFXML = Format("rdfxml", "application/rdf+xml", "rdf", "RDF/XML", oxigraph="RDF_XML", rdflib="pretty-xml",
                w3c="RDF_XML")
NQUADS = Format("nquads", "application/n-quads", "nq", "N-Quads", oxigraph="N_QUADS", rdflib="nquads",
                w3c="N-Quads")
HTML = Format("html", "text/html", "html", "HTML", ("application/xhtml+xml",))
CSV = Format("csv", "text/csv", "csv", "CSV", w3c="SPARQL_Results_CSV")
TSV = Format("tsv", "text/tab-separated-values", "tsv", "TSV", w3c="SPARQL_Results_TSV")
JSON = Format("json", "application/json", "json", "JSON")
TEXT = Format("text", "text/plain", "txt", "Text")
XML = Format("xml", "application/xml", "xml", "XML")
SPARQL_JSON = Format("sparql-json", "application/sparql-results+json", "srj", "SPARQL JSON", params=("json",),
                     w3c="SPARQL_Results_JSON")
SPARQL_XML = Format("sparql-xml", "application/sparql-results+xml", "srx", "SPARQL XML", params=("xml",),
                    w3c="SPARQL_Results_XML")
# application/json on /sparql: a table is answered as SPARQL JSON, a graph as JSON-LD.
JSON_RESULTS = Format("json-results", "application/json", "json", "JSON", params=("json",), sends="sparql-json")
JSON_GRAPH = Format("json-graph", "application/json", "json", "JSON-LD", params=("json",), sends="jsonld")
GZIP = Format("gzip", "application/gzip", "gz", "gzip", text=False, compressible=False)
SVG = Format("svg", "image/svg+xml", "svg", "SVG")
JAVASCRIPT = Format("javascript", "application/javascript", "js", "JavaScript")
CSS = Format("css", "text/css", "css", "CSS")

REGISTRY: dict[str, Format] = {f.name: f for f in (
    TURTLE, JSONLD, NTRIPLES, RDFXML, NQUADS, HTML, CSV, TSV, JSON, TEXT, XML, SPARQL_JSON, SPARQL_XML,
    JSON_RESULTS, JSON_GRAPH, GZIP, SVG, JAVASCRIPT, CSS,
)}

#: The RDF serializations every resource, VoID and the catalogue are offered in (and VoID's void:feature).
RDF_FORMATS: tuple[Format, ...] = (TURTLE, JSONLD, NTRIPLES, RDFXML)
RESOURCE_FORMATS: tuple[Format, ...] = (*RDF_FORMATS, HTML)
#: What resources, VoID and the catalogue negotiate: their documents, and ``application/json`` answered
#: with the JSON-LD document (it is JSON), so that a plain ``fetch()`` gets JSON. Not an extension of its
#: own: ``.json`` is no document; ``*/*`` keeps the Turtle default, since ``choose`` prefers the default.
RESOURCE_OFFERS: tuple[Format, ...] = (*RESOURCE_FORMATS, JSON_GRAPH)
#: The lists (/partners …): JSON-LD first (the default), CSV, HTML, and application/json as JSON-LD.
LIST_FORMATS: tuple[Format, ...] = (JSONLD, CSV, HTML)
LIST_OFFERS: tuple[Format, ...] = (*LIST_FORMATS, JSON_GRAPH)
#: The plain JSON API (``/api/v1/…``) and its OpenAPI document.
API_FORMATS: tuple[Format, ...] = (JSON,)
#: What the query workers write for SELECT/ASK results and for graphs.
SOLUTION_FORMATS: tuple[Format, ...] = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
GRAPH_FORMATS: tuple[Format, ...] = RDF_FORMATS
#: The result formats the SPARQL endpoint writes (the service description's sd:resultFormat).
RESULT_FORMATS: tuple[Format, ...] = (*SOLUTION_FORMATS, *GRAPH_FORMATS)
#: The whole-dataset dumps: ``dataset.<ext>.gz``.
DUMP_FORMATS: tuple[Format, ...] = (TURTLE, NTRIPLES, JSONLD)


def get(name: str) -> Format:
    return REGISTRY[name]


def by_extension(offers: Iterable[Format], extension: str) -> Format | None:
    for fmt in offers:
        if fmt.extension == extension:
            return fmt
    return None


def by_name(offers: Iterable[Format], name: str) -> Format | None:
    """The offer a ``?format=`` value names (its name, extension, media type or another accepted name)."""
    for fmt in offers:
        if fmt.known_as(name):
            return fmt
    return None


@lru_cache(maxsize=64)  # a handful of media types, asked for on every response
def compressible(media_type: str) -> bool:
    """Whether a response of this media type is worth gzip (text of any kind and the text formats above)."""
    media_type = media_type.split(";")[0].strip().lower()
    if media_type.startswith("text/"):
        return True
    return any(f.compressible and f.text and media_type in (f.media_type, *f.aliases) for f in REGISTRY.values())
