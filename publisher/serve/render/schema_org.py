"""schema.org JSON-LD for search engines: ``DataCatalog`` and ``Dataset`` from the DCAT-AP.de catalogue, and
``Organization``/``Event`` (and every other schema.org-typed resource) from its description.

Google Dataset Search and others read schema.org, not DCAT; this maps the catalogue's own statements
(titles, descriptions, licence, publisher, distributions, spatial and temporal coverage) and invents
nothing. A resource page's markup is its own schema.org statements (name, description, dates, location,
organizer, attendees, parent organisation …), plus what follows from the data without guessing: ``url``
(the IRI is the page), ``sameAs`` from ``owl:sameAs``/``skos:exactMatch``, ``subOrganization`` from the
parent organisations that name it, and the SDG goals it serves (``ib:sdg``, from the alignments that are
not rejected) as ``knowsAbout`` of an organisation and ``about`` of an event. Embedded in the pages as a
``<script type="application/ld+json">`` data block, which browsers never execute (so the pages'
Content-Security-Policy needs no exception).
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, SKOS

from publisher.core.describe import LINK_LABEL_PROPERTIES, Description, label_of
from publisher.core.namespaces import SCHEMA
from publisher.serve.render.catalog_pages import datasets, text

SCHEMA_CONTEXT = "https://schema.org/"


def _texts(graph: Graph, subject, predicate) -> list[dict]:
    return [{"@value": str(o), "@language": o.language} if getattr(o, "language", None) else {"@value": str(o)}
            for o in sorted(graph.objects(subject, predicate), key=lambda o: (getattr(o, "language", "") or ""))]


def _organization(graph: Graph, agent) -> dict:
    return {"@type": "Organization", "@id": str(agent), "name": _texts(graph, agent, FOAF.name)}


def _licence(graph: Graph, subject) -> str | None:
    value = graph.value(subject, DCTERMS.license)
    return str(value) if value is not None else None


def _temporal(graph: Graph, subject) -> str | None:
    period = graph.value(subject, DCTERMS.temporal)
    if period is None:
        return None
    start, end = graph.value(period, DCAT.startDate), graph.value(period, DCAT.endDate)
    if start is None and end is None:
        return None
    return f"{start or '..'}/{end or '..'}"  # ISO 8601 interval, as schema.org asks


def _spatial(graph: Graph, subject) -> list[dict]:
    out = []
    for place in sorted(graph.objects(subject, DCTERMS.spatial), key=str):
        entry: dict = {"@type": "Place", "@id": str(place)}
        names = _texts(graph, place, SKOS.prefLabel)
        if names:
            entry["name"] = names
        out.append(entry)
    return out


def _coverage(graph: Graph, subject) -> dict:
    """``spatialCoverage`` and ``temporalCoverage`` where the catalogue states them."""
    found = {"spatialCoverage": _spatial(graph, subject), "temporalCoverage": _temporal(graph, subject)}
    return {key: value for key, value in found.items() if value}


def dataset(graph: Graph, subject: URIRef, catalog: URIRef, lang: str) -> dict:
    """One ``schema:Dataset`` with its ``DataDownload`` distributions."""
    out: dict = {"@type": "Dataset", "@id": str(subject), "url": str(subject),
                 "name": _texts(graph, subject, DCTERMS.title),
                 "description": _texts(graph, subject, DCTERMS.description),
                 "inLanguage": ["de", "en"],
                 "includedInDataCatalog": {"@type": "DataCatalog", "@id": str(catalog),
                                           "name": text(graph, catalog, DCTERMS.title, lang)}}
    licence = _licence(graph, subject) or _licence(graph, catalog)
    if licence:
        out["license"] = licence
    publisher = graph.value(subject, DCTERMS.publisher) or graph.value(catalog, DCTERMS.publisher)
    if publisher is not None:
        out["publisher"] = _organization(graph, publisher)
        out["creator"] = _organization(graph, graph.value(subject, DCTERMS.creator) or publisher)
    for key, value in (("dateModified", graph.value(subject, DCTERMS.modified)),
                       ("datePublished", graph.value(subject, DCTERMS.issued))):
        if value is not None:
            out[key] = str(value)
    keywords = [str(k) for k in graph.objects(subject, DCAT.keyword) if getattr(k, "language", None) in (None, lang)]
    if keywords:
        out["keywords"] = sorted(keywords)
    out.update(_coverage(graph, subject))
    distributions = []
    for dist in sorted(graph.objects(subject, DCAT.distribution), key=str):
        url = graph.value(dist, DCAT.downloadURL) or graph.value(dist, DCAT.accessURL)
        if url is None:
            continue
        media = graph.value(dist, DCAT.mediaType)
        entry: dict = {"@type": "DataDownload", "contentUrl": str(url),
                       "name": text(graph, dist, DCTERMS.title, lang)}
        if media is not None:
            entry["encodingFormat"] = str(media).rsplit("media-types/", 1)[-1]
        size = graph.value(dist, DCAT.byteSize)
        if size is not None:
            entry["contentSize"] = f"{size} B"
        distributions.append(entry)
    if distributions:
        out["distribution"] = distributions
    return out


def catalog_document(graph: Graph, catalog: str, lang: str) -> dict:
    """The ``DataCatalog`` with every ``Dataset`` of the catalogue."""
    node = URIRef(catalog)
    doc: dict = {"@context": SCHEMA_CONTEXT, "@type": "DataCatalog", "@id": catalog, "url": catalog,
                 "name": _texts(graph, node, DCTERMS.title), "description": _texts(graph, node, DCTERMS.description),
                 "dataset": [dataset(graph, d, node, lang) for d in datasets(graph, node)]}
    licence = _licence(graph, node)
    if licence:
        doc["license"] = licence
    publisher = graph.value(node, DCTERMS.publisher)
    if publisher is not None:
        doc["publisher"] = doc["creator"] = _organization(graph, publisher)
    doc.update(_coverage(graph, node))
    return doc


def dataset_document(graph: Graph, subject: str, catalog: str, lang: str) -> dict | None:
    """A catalogue node's page: its ``Dataset`` JSON-LD, or None when the node is no dataset."""
    node = URIRef(subject)
    if (node, RDF.type, DCAT.Dataset) not in graph:
        return None
    return {"@context": SCHEMA_CONTEXT, **dataset(graph, node, URIRef(catalog), lang)}


# --- resources (partners, events, places …) -------------------------------------------------------------------

_SCHEMA = str(SCHEMA)
_SAME_AS = (str(OWL.sameAs), str(SKOS.exactMatch))
#: schema.org types whose goals are ``about`` (events, works); every other type ``knowsAbout`` them.
_ABOUT_TYPES = ("Event", "Festival", "CreativeWork")


def resource_document(d: Description, ib: str, lang: str = "de") -> dict | None:
    """The resource's schema.org JSON-LD (inline vocabulary: nothing to fetch), or None without a schema.org type."""
    types = [o.value[len(_SCHEMA):] for o in d.values(str(RDF.type)) if isinstance(o, ox.NamedNode)
             and o.value.startswith(_SCHEMA)]
    if not types:
        return None
    out: dict = {"@context": {"@vocab": _SCHEMA}, "@id": d.iri, "@type": types if len(types) > 1 else types[0],
                 "url": d.iri}
    for t in d.outgoing():
        predicate = t.predicate.value
        if predicate.startswith(_SCHEMA):
            encoded = _encode(d, t.object, lang)
            if encoded is not None:
                out.setdefault(predicate[len(_SCHEMA):], []).append(encoded)
        elif predicate in _SAME_AS and isinstance(t.object, ox.NamedNode):
            out.setdefault("sameAs", []).append(t.object.value)
    children = [_encode(d, t.subject, lang) for t in d.incoming()
                if t.predicate.value == _SCHEMA + "parentOrganization"]
    if children:
        out.setdefault("subOrganization", []).extend(c for c in children if c is not None)
    goals = [_encode(d, o, lang) for o in d.values(ib + "sdg") if isinstance(o, ox.NamedNode)]
    if goals:
        key = "about" if any(t in _ABOUT_TYPES for t in types) else "knowsAbout"
        out.setdefault(key, []).extend(g for g in goals if g is not None)
    return {k: v[0] if isinstance(v, list) and len(v) == 1 else v for k, v in out.items()}


def _encode(d: Description, value: object, lang: str) -> object | None:
    """A literal as a JSON-LD value (with its language), an IRI as a node with its name in ``lang``."""
    if isinstance(value, ox.Literal):
        return {"@value": value.value, "@language": value.language} if value.language else value.value
    if isinstance(value, ox.NamedNode):
        encoded: dict = {"@id": value.value}
        name = label_of(d.labels, value.value, lang, LINK_LABEL_PROPERTIES[:1]) or \
            label_of(d.labels, value.value, lang)
        if name is not None:
            encoded["name"] = name.value
        return encoded
    return None
