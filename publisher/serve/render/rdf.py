"""A description as bytes in one of the RDF formats of the registry (the documents of every resource)."""

from __future__ import annotations

import json

import pyoxigraph as ox

from publisher.core import formats
from publisher.core.describe import Description, sort_key
from publisher.core.jsonld import Context, resource_document
from publisher.core.namespaces import FOAF, RDF, ProjectNamespaces
from publisher.core.urls import Urls


def serialize(d: Description, fmt: formats.Format, base_iri: str) -> bytes:
    """Turtle, N-Triples and RDF/XML by pyoxigraph; JSON-LD by the project's writer with the v1 context."""
    fmt = formats.get(fmt.body_format)  # application/json is answered with the JSON-LD document
    if fmt is formats.JSONLD:
        document = resource_document(Context(base_iri), d.iri, d.triples)
        return json.dumps(document, ensure_ascii=False, indent=1).encode()
    prefixes = ProjectNamespaces(base_iri).prefixes() if fmt is not formats.NTRIPLES else None
    return ox.serialize(d.triples, format=getattr(ox.RdfFormat, fmt.oxigraph), prefixes=prefixes)


def with_document(d: Description, base_iri: str) -> Description:
    """A description of a foreign IRI (``http://metadata.un.org/sdg/13``, served at ``/sdg/13``) with
    the document's own triples: ``<{base}sdg/13> a foaf:Document; foaf:primaryTopic <…/sdg/13>``, so
    that a client dereferencing our URL finds a triple with that URL as subject. Ours are unchanged."""
    if d.iri.startswith(base_iri):
        return d
    path = Urls(base_iri).path_of(d.iri)
    if path is None:
        return d
    document = ox.NamedNode(Urls(base_iri).iri(path))
    extra = [ox.Triple(document, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(FOAF.Document))),
             ox.Triple(document, ox.NamedNode(str(FOAF.primaryTopic)), ox.NamedNode(d.iri))]
    return Description(d.iri, sorted({*d.triples, *extra}, key=sort_key))
