"""The change feed's documents (root and pages, written by the build as sorted N-Triples) in every RDF format.

The bytes depend only on the stored file, so a closed page, copied unchanged from release to release,
is served with the same bytes (and ETag) by every release: that is what makes ``immutable`` true.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from publisher.core import formats
from publisher.core.describe import Description, sort_key
from publisher.core.namespaces import AS, DCTERMS, LDES, TREE, XSD
from publisher.serve.render.rdf import serialize

PREFIXES = {"ldes": str(LDES), "tree": str(TREE), "as": str(AS), "dcterms": str(DCTERMS), "xsd": str(XSD)}


def render(path: Path, iri: str, fmt: formats.Format, base_iri: str) -> bytes:
    """The document stored at ``path`` (about ``iri``) in ``fmt``; N-Triples is the stored file itself."""
    fmt = formats.get(fmt.body_format)
    if fmt is formats.NTRIPLES:
        return path.read_bytes()
    triples = sorted(ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES), key=sort_key)
    if fmt is formats.JSONLD:
        return serialize(Description(iri, triples), fmt, base_iri)
    return ox.serialize(triples, format=getattr(ox.RdfFormat, fmt.oxigraph), prefixes=PREFIXES)
