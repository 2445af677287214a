"""A description as bytes in one of the RDF formats of the registry (the documents of every resource)."""

from __future__ import annotations

import json

import pyoxigraph as ox

from publisher.core import formats
from publisher.core.describe import Description
from publisher.core.jsonld import Context, resource_document
from publisher.core.namespaces import ProjectNamespaces


def serialize(d: Description, fmt: formats.Format, base_iri: str) -> bytes:
    """Turtle, N-Triples and RDF/XML by pyoxigraph; JSON-LD by the project's writer with the v1 context."""
    fmt = formats.get(fmt.body_format)  # application/json is answered with the JSON-LD document
    if fmt is formats.JSONLD:
        document = resource_document(Context(base_iri), d.iri, d.triples)
        return json.dumps(document, ensure_ascii=False, indent=1).encode()
    prefixes = ProjectNamespaces(base_iri).prefixes() if fmt is not formats.NTRIPLES else None
    return ox.serialize(d.triples, format=getattr(ox.RdfFormat, fmt.oxigraph), prefixes=prefixes)
