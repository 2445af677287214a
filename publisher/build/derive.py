"""Triples the build derives from the editorial data, so that common questions are one pattern.

Each alignment that is not rejected gives a shortcut: ``partner ib:sdg goal`` (the goal, even where
the alignment names a target) or ``partner ib:quadrangleDimension dimension``. The alignment resource
stays the authority; the shortcut is a convenience and is never written by hand.

Instances of schema.org's event subtypes (``schema:Festival`` …) are also typed ``schema:Event``: the
build materialises ``rdfs:subClassOf schema:Event`` (RDFS rule rdfs9 for these classes), so that any
query for ``?x a schema:Event`` (the named queries', a user's) finds festivals without knowing the
hierarchy; the store holds no schema.org class hierarchy to follow at query time.

Every alignment also gets an ``rdfs:label`` ("ADFC e.V. – Maßnahmen zum Klimaschutz (SDG 13)") made
from the names it joins, so that people see a readable name where an alignment is listed.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from publisher.core.namespaces import SCHEMA, SDG, SDG_SCHEME, SKOS, ProjectNamespaces

LANGUAGES = ("de", "en")
#: The schema.org subclasses of ``schema:Event`` the data may use (https://schema.org/Event, "More specific Types").
EVENT_SUBCLASSES = tuple(SCHEMA[name] for name in (
    "Festival", "SocialEvent", "BusinessEvent", "EducationEvent", "ExhibitionEvent", "MusicEvent",
    "SportsEvent", "TheaterEvent", "ChildrensEvent", "CourseInstance", "DeliveryEvent", "PublicationEvent",
    "SaleEvent", "ScreeningEvent", "VisualArtsEvent", "ComedyEvent", "DanceEvent", "FoodEvent", "Hackathon",
    "LiteraryEvent",
))


def derive_shortcuts(graph: Graph, ns: ProjectNamespaces) -> Graph:
    derived = Graph()
    for cls in EVENT_SUBCLASSES:
        for instance in graph.subjects(RDF.type, cls, unique=True):
            if (instance, RDF.type, SCHEMA.Event) not in graph:
                derived.add((instance, RDF.type, SCHEMA.Event))
    rejected = ns.review.rejected
    quadrangle = URIRef(str(ns.ib) + "quadrangle")
    sdg_scheme = URIRef(SDG_SCHEME)
    for alignment in graph.subjects(ns.ib.alignedTo, None, unique=True):
        subject = graph.value(alignment, ns.ib.alignedResource)
        concept = graph.value(alignment, ns.ib.alignedTo)
        if subject is None or concept is None:
            continue  # validation reports it
        for lang in LANGUAGES:
            label = _alignment_label(graph, subject, concept, lang)
            if label:
                derived.add((alignment, RDFS.label, Literal(label, lang=lang)))
        if (alignment, ns.ib.reviewStatus, rejected) in graph:
            continue
        if (concept, SKOS.inScheme, sdg_scheme) in graph:
            goal = graph.value(concept, SKOS.broader) or concept
            derived.add((subject, ns.ib.sdg, goal))
        elif (concept, SKOS.inScheme, quadrangle) in graph:
            derived.add((subject, ns.ib.quadrangleDimension, concept))
    return derived


def _text(graph: Graph, node: Node, prop: URIRef, lang: str) -> str | None:
    """The ``lang`` value of ``prop``, falling back to German (proper names are German only)."""
    values = {o.language: str(o) for o in graph.objects(node, prop) if isinstance(o, Literal)}
    return values.get(lang) or values.get("de")


def _alignment_label(graph: Graph, subject: Node, concept: Node, lang: str) -> str | None:
    name = _text(graph, subject, SCHEMA.name, lang)
    target = _text(graph, concept, SKOS.prefLabel, lang)
    if not name or not target:
        return None
    code = str(graph.value(concept, SKOS.notation) or "")
    if code and str(concept).startswith(str(SDG)):
        # Target labels are long sentences; the notation reads better in a name.
        target = f"{'Unterziel' if lang == 'de' else 'target'} {code}" if "." in code else f"{target} (SDG {code})"
    return f"{name} – {target}"


def derive_store(store: ox.Store, ns: ProjectNamespaces) -> list[ox.Triple]:
    """``derive_shortcuts`` over the union of an Oxigraph store's graphs (the build's path: no rdflib graph).

    The same rules in SPARQL for the joins and Python for the labels; tests compare both on the data.
    """
    def rows(query: str) -> list:
        return list(store.query(query, use_default_graph_as_union=True))

    rdf_type, event = ox.NamedNode(str(RDF.type)), ox.NamedNode(str(SCHEMA.Event))
    out: set[ox.Triple] = set()
    classes = " ".join(f"<{c}>" for c in EVENT_SUBCLASSES)
    for row in rows(f"SELECT DISTINCT ?i WHERE {{ VALUES ?c {{ {classes} }} ?i a ?c "
                    f"FILTER NOT EXISTS {{ ?i a <{SCHEMA.Event}> }} }}"):
        out.add(ox.Triple(row["i"], rdf_type, event))
    ib = str(ns.ib)
    names: dict[object, dict[str | None, str]] = {}
    for row in rows(f"SELECT DISTINCT ?s ?n WHERE {{ ?a <{ib}alignedResource> ?s . ?s <{SCHEMA.name}> ?n "
                    "FILTER(isLiteral(?n)) }"):
        names.setdefault(row["s"], {})[row["n"].language] = row["n"].value
    labels: dict[object, dict[str | None, str]] = {}
    notations: dict[object, str] = {}
    for row in rows(f"SELECT DISTINCT ?c ?l WHERE {{ ?a <{ib}alignedTo> ?c . ?c <{SKOS.prefLabel}> ?l "
                    f"FILTER(isLiteral(?l)) }}"):
        labels.setdefault(row["c"], {})[row["l"].language] = row["l"].value
    for row in rows(f"SELECT DISTINCT ?c ?n WHERE {{ ?a <{ib}alignedTo> ?c . ?c <{SKOS.notation}> ?n }}"):
        notations.setdefault(row["c"], row["n"].value)
    schemes = {(row["c"], row["s"].value) for row in rows(
        f"SELECT DISTINCT ?c ?s WHERE {{ ?a <{ib}alignedTo> ?c . ?c <{SKOS.inScheme}> ?s }}")}
    broader = {row["c"]: row["b"] for row in rows(
        f"SELECT ?c ?b WHERE {{ ?a <{ib}alignedTo> ?c . ?c <{SKOS.broader}> ?b }}")}
    rejected = str(ns.review.rejected)
    label_p, sdg_p = ox.NamedNode(str(RDFS.label)), ox.NamedNode(ib + "sdg")
    quad_p = ox.NamedNode(ib + "quadrangleDimension")
    # One row per alignment (the first value of each property, as rdflib's Graph.value takes one).
    query = (f"SELECT ?a (SAMPLE(?s) AS ?s1) (SAMPLE(?c) AS ?c1) (MAX(?r) AS ?rej) WHERE {{ "
             f"?a <{ib}alignedTo> ?c . OPTIONAL {{ ?a <{ib}alignedResource> ?s }} "
             f"BIND(EXISTS {{ ?a <{ib}reviewStatus> <{rejected}> }} AS ?r) }} GROUP BY ?a")
    for row in rows(query):
        subject, concept = row["s1"], row["c1"]
        if subject is None or concept is None:
            continue
        for lang in LANGUAGES:
            label = _label_of(names.get(subject, {}), labels.get(concept, {}), notations.get(concept, ""),
                              str(concept.value), lang)
            if label:
                out.add(ox.Triple(row["a"], label_p, ox.Literal(label, language=lang)))
        if row["rej"].value == "true":
            continue
        if (concept, SDG_SCHEME) in schemes:
            out.add(ox.Triple(subject, sdg_p, broader.get(concept) or concept))
        elif (concept, quadrangle_iri(ns)) in schemes:
            out.add(ox.Triple(subject, quad_p, concept))
    return sorted(out, key=str)


def quadrangle_iri(ns: ProjectNamespaces) -> str:
    return str(ns.ib) + "quadrangle"


def _label_of(names: dict, labels: dict, code: str, concept: str, lang: str) -> str | None:
    """``_alignment_label`` on values already read (German as the fallback)."""
    name = names.get(lang) or names.get("de")
    target = labels.get(lang) or labels.get("de")
    if not name or not target:
        return None
    if code and concept.startswith(str(SDG)):
        target = f"{'Unterziel' if lang == 'de' else 'target'} {code}" if "." in code else f"{target} (SDG {code})"
    return f"{name} – {target}"
