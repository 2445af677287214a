"""Cut the catalogue into Hydra pages, describe one catalogue node, and the view models of its HTML pages.

A page holds the catalogue node, the shared nodes (publisher, contact point, service, codes) and the
datasets of that page with everything they own (their distributions, checksums and time periods).
Triples that point at a dataset of another page are left out, so that a harvester that collects
``rdf:type dcat:Dataset`` subjects page by page meets every dataset exactly once, complete.

The paging node is typed ``hydra:PartialCollectionView`` (Hydra Core) and ``hydra:PagedCollection``:
ckanext-dcat's ``RDFParser.next_page()`` looks for subjects of type ``hydra:PagedCollection`` and
follows their ``hydra:next`` (``hydra:nextPage`` as a fallback), so both types are needed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from publisher.core.formats import Format
from publisher.core.namespaces import HYDRA, VCARD


class PageNotFound(LookupError):
    """A page number outside 1 … last."""


def datasets(graph: Graph, catalog: URIRef) -> list[URIRef]:
    """The catalogue's datasets in a stable order (by IRI)."""
    return sorted((d for d in graph.objects(catalog, DCAT.dataset) if isinstance(d, URIRef)), key=str)


def modified(graph: Graph, catalog: str) -> datetime | None:
    """The catalogue's ``dct:modified`` (its newest dataset change): what ``Last-Modified`` says, so that it
    moves with the content, not with a rebuild of unchanged data."""
    value = graph.value(URIRef(catalog), DCTERMS.modified)
    if value is None:
        return None
    stamp = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def page_count(total: int, size: int) -> int:
    return max(1, -(-total // size))


def owned(graph: Graph, node: Node) -> set[Node]:
    """``node`` with its distributions, the blank nodes below them and its catalogue record: what only it
    describes."""
    seen: set[Node] = set()
    todo = [node]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for p, o in graph.predicate_objects(current):
            if isinstance(o, BNode) or p == DCAT.distribution:
                todo.append(o)
        # The catalogue record about a dataset travels with it (a page never splits the two).
        todo.extend(graph.subjects(FOAF.primaryTopic, current))
    return seen


def page(graph: Graph, catalog: str, number: int, size: int, url: Callable[[int], str]) -> Graph:
    """Page ``number`` (from 1) of the catalogue; raises PageNotFound outside the range."""
    catalog = URIRef(catalog)
    items = datasets(graph, catalog)
    last = page_count(len(items), size)
    if not 1 <= number <= last:
        raise PageNotFound(f"page {number} does not exist; pages run from 1 to {last}")
    elsewhere: set[Node] = set()
    for i, dataset in enumerate(items):
        if not (number - 1) * size <= i < number * size:
            elsewhere |= owned(graph, dataset)
    out = Graph(namespace_manager=graph.namespace_manager)
    for s, p, o in graph:
        if s not in elsewhere and o not in elsewhere:
            out.add((s, p, o))
    if last > 1:
        _hydra(out, number, last, len(items), size, url)
    return out


def _hydra(out: Graph, number: int, last: int, total: int, size: int, url: Callable[[int], str]) -> None:
    view = URIRef(url(number))
    out.add((view, RDF.type, HYDRA.PartialCollectionView))
    out.add((view, RDF.type, HYDRA.PagedCollection))
    out.add((view, HYDRA.first, URIRef(url(1))))
    out.add((view, HYDRA.last, URIRef(url(last))))
    if number > 1:
        out.add((view, HYDRA.previous, URIRef(url(number - 1))))
    if number < last:
        out.add((view, HYDRA.next, URIRef(url(number + 1))))
    out.add((view, HYDRA.totalItems, Literal(total, datatype=XSD.integer)))
    out.add((view, HYDRA.itemsPerPage, Literal(size, datatype=XSD.integer)))


def describe(graph: Graph, node: str, catalog: str) -> Graph:
    """What the catalogue says about one of its nodes: its own triples (with its distributions and blank
    nodes) and those of the shared nodes it links to, so that the description validates on its own.
    Other datasets and the catalogue itself are linked, not copied."""
    node, catalog = URIRef(node), URIRef(catalog)
    out = Graph(namespace_manager=graph.namespace_manager)
    mine = owned(graph, node)
    skip = {catalog, *datasets(graph, catalog)} - {node}
    linked: set[Node] = set()
    for s in mine:
        for p, o in graph.predicate_objects(s):
            out.add((s, p, o))
            if isinstance(o, URIRef) and o not in mine and o not in skip:
                linked.add(o)
    for s in linked:
        for s2 in owned(graph, s):
            for p, o in graph.predicate_objects(s2):
                out.add((s2, p, o))
    return out


def serialize(graph: Graph, fmt: Format) -> bytes:
    return graph.serialize(format=fmt.rdflib, encoding="utf-8")


def has(graph: Graph, iri: str) -> bool:
    return (URIRef(iri), None, None) in graph


def text(graph: Graph, subject, predicate, lang: str) -> str:
    values = list(graph.objects(subject, predicate))
    for v in values:
        if getattr(v, "language", None) == lang:
            return str(v)
    return str(values[0]) if values else ""


def label(graph: Graph, subject: str, lang: str) -> str:
    subject = URIRef(subject)
    for predicate in (DCTERMS.title, SKOS.prefLabel, FOAF.name, VCARD.fn, RDFS.label):
        found = text(graph, subject, predicate, lang)
        if found:
            return found
    return str(subject)


def rows(graph: Graph, subject: str, lang: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """(property, [(text, link or None)]) for the HTML table of a node; links point at IRIs."""
    subject = URIRef(subject)
    out = []
    for predicate in sorted(set(graph.predicates(subject)), key=str):
        values = []
        for o in sorted(graph.objects(subject, predicate), key=str):
            if isinstance(o, URIRef):
                values.append((label(graph, o, lang), str(o)))
            else:
                values.append((str(o), None))
        out.append((graph.namespace_manager.normalizeUri(predicate), values))
    return out


def page_view(page_graph: Graph, graph: Graph, catalog: str, lang: str) -> dict:
    """What the HTML catalogue page shows of one page: datasets with their distributions, and the totals."""
    catalog = URIRef(catalog)
    items = []
    for dataset in datasets(page_graph, catalog):
        distributions = []
        for dist in sorted(page_graph.objects(dataset, DCAT.distribution), key=str):
            distributions.append({
                "title": text(page_graph, dist, DCTERMS.title, lang),
                "url": str(page_graph.value(dist, DCAT.downloadURL) or page_graph.value(dist, DCAT.accessURL)),
                "media_type": str(page_graph.value(dist, DCAT.mediaType) or "").rsplit("media-types/", 1)[-1],
                "bytes": page_graph.value(dist, DCAT.byteSize),
            })
        items.append({
            "iri": str(dataset),
            "title": text(page_graph, dataset, DCTERMS.title, lang),
            "description": text(page_graph, dataset, DCTERMS.description, lang),
            "modified": str(page_graph.value(dataset, DCTERMS.modified) or ""),
            "distributions": distributions,
        })
    return {
        "datasets": items,
        "total": len(datasets(graph, catalog)),
        "title": text(graph, catalog, DCTERMS.title, lang),
        "description": text(graph, catalog, DCTERMS.description, lang),
        "licence": str(graph.value(catalog, DCTERMS.license) or ""),
    }
