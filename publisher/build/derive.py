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
