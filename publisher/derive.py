"""Triples the build derives from the editorial data, so that common questions are one pattern.

Each alignment that is not rejected gives a shortcut: ``partner ib:sdg goal`` (the goal, even where
the alignment names a target) or ``partner ib:quadrangleDimension dimension``. The alignment resource
stays the authority; the shortcut is a convenience and is never written by hand.
"""

from __future__ import annotations

from rdflib import Graph, URIRef

from publisher.namespaces import SDG_SCHEME, SKOS, ProjectNamespaces


def derive_shortcuts(graph: Graph, ns: ProjectNamespaces) -> Graph:
    derived = Graph()
    rejected = ns.review.rejected
    quadrangle = URIRef(str(ns.ib) + "quadrangle")
    sdg_scheme = URIRef(SDG_SCHEME)
    for alignment in graph.subjects(ns.ib.alignedTo, None, unique=True):
        if (alignment, ns.ib.reviewStatus, rejected) in graph:
            continue
        subject = graph.value(alignment, ns.ib.alignedResource)
        concept = graph.value(alignment, ns.ib.alignedTo)
        if subject is None or concept is None:
            continue  # validation reports it
        if (concept, SKOS.inScheme, sdg_scheme) in graph:
            goal = graph.value(concept, SKOS.broader) or concept
            derived.add((subject, ns.ib.sdg, goal))
        elif (concept, SKOS.inScheme, quadrangle) in graph:
            derived.add((subject, ns.ib.quadrangleDimension, concept))
    return derived
