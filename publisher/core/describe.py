"""What the server says about one resource: its description as a set of triples.

A description holds everything a client needs to show a resource without further requests:
- all triples with the resource as subject, with the blank nodes they reach closed (a CBD);
- the labels (and notations) of every resource it links to;
- its incoming links (capped at ``INCOMING_LIMIT``; SPARQL has the rest) and the labels of their subjects.

The queries run through the store seam's ``query`` (SPARQL). The resource is written into the query
only after ``pyoxigraph.NamedNode`` has validated it as an IRI, and a valid IRI cannot contain ``>``,
quotes, spaces or braces, so a request path cannot inject SPARQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import pyoxigraph as ox

from publisher.core.namespaces import DCTERMS, RDFS, SCHEMA, SKOS

INCOMING_LIMIT = 2000

# The properties that name a resource, in the order a page prefers them.
LABEL_PROPERTIES: tuple[str, ...] = (
    str(SCHEMA.name), str(SKOS.prefLabel), str(RDFS.label), str(DCTERMS.title),
)
NOTATION = str(SKOS.notation)
# What a client needs to show a linked resource: its names and, for goals, the number on the badge.
LINK_LABEL_PROPERTIES: tuple[str, ...] = (*LABEL_PROPERTIES, NOTATION)

#: ``{iri: {label property: [literals]}}``: the names, labels and notations of resources.
Labels = dict[str, dict[str, list[ox.Literal]]]

_LABELS = ", ".join(f"<{p}>" for p in LINK_LABEL_PROPERTIES)

# ``THIS`` is replaced by the validated IRI in angle brackets (see the module docstring). The label
# properties are a FILTER after the subject is bound, not a VALUES block: with VALUES, the engine
# scans every label of the store first (seconds at a million triples instead of a millisecond).
DESCRIBE_QUERY = """
CONSTRUCT { ?s ?p ?o } WHERE {
  { THIS ?p ?o . BIND(THIS AS ?s) }
  UNION { THIS ?link ?s . ?s ?p ?o FILTER(isIRI(?s) && ?p IN (LABELS)) }
  UNION { { SELECT ?s ?p WHERE { ?s ?p THIS } LIMIT LIMIT_N } BIND(THIS AS ?o) }
  UNION { { SELECT DISTINCT ?s WHERE { ?s ?in THIS FILTER(isIRI(?s)) } LIMIT LIMIT_N }
          ?s ?p ?o FILTER(?p IN (LABELS)) }
}""".replace("LABELS", _LABELS).replace("LIMIT_N", str(INCOMING_LIMIT))

BLANK_QUERY = "CONSTRUCT { ?b ?p ?o } WHERE { ?b ?p ?o }"


def labels_of(triples: Iterable[ox.Triple], into: Labels | None = None) -> Labels:
    """The names, labels and notations of the IRIs among ``triples``, in triple order (added to ``into``)."""
    out: Labels = {} if into is None else into
    for t in triples:
        if isinstance(t.subject, ox.NamedNode) and t.predicate.value in LINK_LABEL_PROPERTIES \
                and isinstance(t.object, ox.Literal):
            out.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(t.object)
    return out


def pick(literals: list[ox.Literal], lang: str) -> list[ox.Literal]:
    """The literals in ``lang``; else German; else English; else all of them."""
    for wanted in (lang, "de", "en"):
        found = [lit for lit in literals if lit.language == wanted]
        if found:
            return found
    return literals


def label_of(labels: Labels, iri: str, lang: str, properties: tuple[str, ...] = LABEL_PROPERTIES) -> ox.Literal | None:
    """The resource's name in ``lang`` (else German, else English, else any), by the first of ``properties`` it has."""
    found = labels.get(iri, {})
    for predicate in properties:
        if found.get(predicate):
            return pick(found[predicate], lang)[0]
    return None


def sort_key(t: ox.Triple) -> tuple[str, str, str]:
    """The order of triples in every output (descriptions, lists, dumps), so that renderings are stable."""
    return (str(t.subject), t.predicate.value, str(t.object))


@dataclass
class Description:
    """The triples describing ``iri``; sorted and without duplicates, so renderings are stable."""

    iri: str
    triples: list[ox.Triple] = field(default_factory=list)

    @cached_property
    def subject(self) -> ox.NamedNode:
        return ox.NamedNode(self.iri)

    def outgoing(self) -> list[ox.Triple]:
        return [t for t in self.triples if t.subject == self.subject]

    def incoming(self) -> list[ox.Triple]:
        return [t for t in self.triples if t.object == self.subject and t.subject != self.subject]

    def values(self, predicate: str) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
        return [t.object for t in self.outgoing() if t.predicate.value == predicate]

    @cached_property
    def labels(self) -> Labels:
        """The names, labels and notations of every IRI the description names."""
        return labels_of(self.triples)


def describe(store, iri: str) -> Description | None:
    """The description of ``iri``, or None when the build does not describe it."""
    node = _node(iri)
    if node is None:
        return None
    found = set(store.query(DESCRIBE_QUERY.replace("THIS", str(node))))
    if not any(t.subject == node for t in found):
        return None
    found |= _close_blank_nodes(store, (t.object for t in found if t.subject == node))
    return Description(iri, sorted(found, key=sort_key))


def _close_blank_nodes(store, start: Iterable) -> set[ox.Triple]:
    """The triples of every blank node reachable from ``start`` through blank nodes only."""
    closed: set[ox.Triple] = set()
    todo = [n for n in start if isinstance(n, ox.BlankNode)]
    seen: set[ox.BlankNode] = set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for t in store.query(BLANK_QUERY, substitutions={ox.Variable("b"): node}):
            closed.add(t)
            if isinstance(t.object, ox.BlankNode):
                todo.append(t.object)
    return closed


def _node(iri: str) -> ox.NamedNode | None:
    try:
        return ox.NamedNode(iri)
    except ValueError:
        return None
